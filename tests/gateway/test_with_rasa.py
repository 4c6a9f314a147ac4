"""The gateway in front of the real trained bot (the session's Rasa stack).

Marked slow: they need the Rasa server (started once per test session, about a minute
on 2 cores), and one test starts and kills a Rasa server of its own.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from redis.asyncio import Redis

from devstack.clients import Agent, Customer, disconnect_all
from devstack.servers import RasaStack, RedisServer
from handoff.stores.agents import AgentDirectory
from handoff.stores.keys import Keys
from handoff.stores.transcript import TranscriptStore
from tests.gateway.conftest import GatewayFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


async def user_texts_seen_by_rasa(stack: RasaStack, cid: str) -> list[str]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{stack.rasa_url}/conversations/{cid}/tracker", params={"token": stack.token}
        ) as response,
    ):
        tracker = await response.json()
    return [event.get("text") for event in tracker["events"] if event["event"] == "user"]


async def test_faq_answered_then_human_requested(
    start_gateway: GatewayFactory,
    rasa_stack: RasaStack,
    agents: AgentDirectory,
    redis: Redis,
    prefix: str,
) -> None:
    gateway = start_gateway(rasa_stack.rasa_url, bot_timeout_s=30)
    ada = await Agent.connect(gateway.url, "ada")
    bob = await Agent.connect(gateway.url, "bob")
    customer = await Customer.connect(gateway.url)
    await customer.start_session()
    cid = customer.conversation_id

    await customer.say("How can I reset my password?")
    answer = await customer.bot_message(timeout=30)
    assert answer["role"] == "bot" and "password" in answer["text"].lower()
    assert "faq_id" not in answer
    stored = await TranscriptStore(redis, Keys(prefix)).read(cid)
    answered = [e for e in stored if e["role"] == "bot"]
    assert answered[-1]["faq_id"] and answered[-1]["faq_confidence"] > 0.5

    marks = ada.mark(), bob.mark()
    mark = customer.mark()
    await customer.say("I want to talk to a human")
    status = await customer.wait_for(
        "status", lambda s: s["state"] == "queued", after=mark, timeout=30
    )
    assert status["position"] == 1 and status["agents_online"] == 2
    assert status["estimated_wait_s"] > 0
    said = [m["text"] for m in customer.messages()[len(customer.messages()) - 2 :]]
    assert any("person" in text for text in said)
    for agent, agent_mark in zip((ada, bob), marks, strict=True):
        queue = await agent.sees_queued(cid, after=agent_mark)
        assert queue["items"][0]["reason"] == "customer_request"

    # While queued, messages go to the transcript and the agents' queue, not to Rasa.
    await customer.say("hello? still waiting")
    await ada.wait_for(
        "queue", lambda q: q["items"] and q["items"][0]["last_message"] == "hello? still waiting"
    )
    claimed = await ada.call("claim", {"conversation_id": cid})
    assert claimed["ok"]
    kinds = [(e["role"], e.get("event")) for e in claimed["transcript"]]
    assert ("system", "handoff") in kinds and kinds[-1] == ("system", "claimed")
    handoff = next(e for e in claimed["transcript"] if e.get("event") == "handoff")
    assert handoff["reason"] == "customer_request" and handoff["confidence"] > 0
    await customer.say("are you a person?")
    await ada.wait_for("entry", lambda e: e["entry"]["text"] == "are you a person?")
    seen = await user_texts_seen_by_rasa(rasa_stack, cid)
    assert "How can I reset my password?" in seen
    assert "hello? still waiting" not in seen and "are you a person?" not in seen
    await disconnect_all(customer, ada, bob)


async def test_rasa_stopped_mid_conversation_hands_off(
    start_gateway: GatewayFactory,
    trained_model: Path,
    redis_server: RedisServer,
    agents: AgentDirectory,
    redis: Redis,
    prefix: str,
) -> None:
    stack = RasaStack(trained_model, redis_server)
    try:
        gateway = start_gateway(stack.rasa_url, bot_timeout_s=30)
        ada = await Agent.connect(gateway.url, "ada")
        customer = await Customer.connect(gateway.url)
        await customer.start_session()
        await customer.say("How do I track my parcel?")
        await customer.bot_message(lambda m: m["role"] == "bot", timeout=30)

        stack.stop_rasa()
        mark = ada.mark()
        await customer.say("and when will it arrive?")
        notice = await customer.bot_message(lambda m: m["role"] == "system", timeout=30)
        assert "unavailable" in notice["text"]
        await customer.wait_for("status", lambda s: s["state"] == "queued")
        queue = await ada.sees_queued(customer.conversation_id, after=mark)
        assert queue["items"][0]["reason"] == "bot_unavailable"
        assert queue["items"][0]["last_message"] == "and when will it arrive?"
        claimed = await ada.call("claim", {"conversation_id": customer.conversation_id})
        assert [e["text"] for e in claimed["transcript"] if e["role"] == "customer"] == [
            "How do I track my parcel?",
            "and when will it arrive?",
        ]
        await customer.disconnect()
        await ada.disconnect()
    finally:
        stack.stop()
