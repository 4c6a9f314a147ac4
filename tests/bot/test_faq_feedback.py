"""Every FAQ answer asks whether it helped: "That helped" gets a thanks, "Not what I meant"
hands the chat to a person who is told which FAQ missed which question."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.signals import ANSWER, HANDOFF
from devstack.clients import Agent, Customer
from devstack.gateways import GatewayProcess
from devstack.servers import RasaStack, RedisServer
from handoff.stores.agents import AgentDirectory
from handoff.stores.keys import Keys
from tests.bot.test_assistant import say, signal, texts

QUESTION = "How do I reset my password?"
QUICK_REPLIES = [
    {"title": "That helped", "payload": "/faq_helped"},
    {"title": "Not what I meant", "payload": "/faq_rejected"},
]


def answer_message(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return next(m for m in messages if "Forgot password" in m.get("text", ""))


def test_the_faq_answer_carries_the_two_quick_replies(rasa_stack: RasaStack) -> None:
    assert answer_message(say(rasa_stack, QUESTION))["buttons"] == QUICK_REPLIES


def test_that_helped_gets_a_thanks_and_no_person(rasa_stack: RasaStack) -> None:
    customer = uuid.uuid4().hex
    say(rasa_stack, QUESTION, customer)
    thanked = say(rasa_stack, "/faq_helped", customer)
    assert "thanks for letting me know" in texts(thanked)
    assert signal(thanked, HANDOFF) is None


@pytest.mark.parametrize("rejection", ["/faq_rejected", "that's not what I meant"])
def test_not_what_i_meant_hands_off_with_the_faq_and_the_question(
    rasa_stack: RasaStack, rejection: str
) -> None:
    customer = uuid.uuid4().hex
    answered = signal(say(rasa_stack, QUESTION, customer), ANSWER)
    rejected = say(rasa_stack, rejection, customer)
    handoff = signal(rejected, HANDOFF)
    assert handoff is not None and answered is not None
    assert handoff["reason"] == "faq_rejected"
    assert handoff["faq_id"] == "reset_password"
    assert handoff["faq_confidence"] == answered["faq_confidence"]
    assert handoff["text"] == QUESTION
    assert "person" in texts(rejected)


def test_not_what_i_meant_without_an_answer_names_no_faq(rasa_stack: RasaStack) -> None:
    customer = uuid.uuid4().hex
    say(rasa_stack, "hello", customer)
    handoff = signal(say(rasa_stack, "that's not what I meant", customer), HANDOFF)
    assert handoff is not None and handoff["reason"] == "faq_rejected"
    assert handoff["faq_id"] is None and handoff["text"] == "that's not what I meant"


async def test_the_agent_sees_which_answer_missed_which_question(
    rasa_stack: RasaStack, redis_server: RedisServer, redis: Redis, prefix: str
) -> None:
    """Through the gateway: the pressed button passes its command check, the queue says why."""
    await AgentDirectory(redis, Keys(prefix)).add("ada", "Ada", "pw")
    gateway = GatewayProcess(redis_server, prefix, rasa_stack.rasa_url, bot_timeout_s=30)
    customer = await Customer.connect(gateway.url)
    agent = await Agent.connect(gateway.url, "ada")
    try:
        await customer.start_session()
        await customer.say(QUESTION)
        answer = await customer.bot_message(lambda m: "Forgot password" in m["text"], timeout=30)
        assert [reply["payload"] for reply in answer["quick_replies"]] == [
            "/faq_helped",
            "/faq_rejected",
        ]
        await customer.say("/faq_rejected")
        queue = await agent.sees_queued(customer.conversation_id)
        item = next(i for i in queue["items"] if i["conversation_id"] == customer.conversation_id)
        assert (item["reason"], item["text"]) == ("faq_rejected", QUESTION)
        preview = await agent.call("transcript", {"conversation_id": customer.conversation_id})
        handoff = next(e for e in preview["transcript"] if e.get("event") == "handoff")
        assert (handoff["reason"], handoff["faq_id"]) == ("faq_rejected", "reset_password")
    finally:
        await customer.disconnect()
        await agent.disconnect()
        gateway.stop()
