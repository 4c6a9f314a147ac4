"""Agents teach the bot: a reply marked good joins the review list with the customer's
question before it; only the agent who wrote it can mark it, only admins read the list."""

from __future__ import annotations

import pytest
import yaml
from redis.asyncio import Redis

from bot.faq.catalog import parse_catalog
from handoff.insights.export import faqs_yaml
from handoff.insights.taught import taught_drafts
from handoff.protocol import AgentRole, Entry, ErrorCode, InputError, Role, TaughtAnswer
from handoff.services import Services
from handoff.services.teaching import customer_question
from handoff.stores.agents import Agent


async def held_chat(services: Services, *questions: str) -> str:
    """A conversation handed to ada, the customer having written `questions` first."""
    opened = await services.customers.open_session()
    cid = opened.conversation_id
    for question in questions:
        await services.customers.message(cid, question)
        await services.bot.idle()
    await services.customers.request_human(cid)
    await services.agents.claim("ada", cid)
    return cid


def taught(question: str, answer: str) -> TaughtAnswer:
    return TaughtAnswer(
        conversation_id="c1",
        reply_id="1-0",
        question=question,
        answer=answer,
        agent="ada",
        agent_name="Ada",
        marked_at=1.0,
    )


async def admin(services: Services) -> Agent:
    return await services.stores.agents.add("root", "Root", "pw", role=AgentRole.ADMIN)


async def test_a_marked_reply_joins_the_review_list_with_its_question(
    services: Services,
) -> None:
    cid = await held_chat(services, "hello", "can I pay by bank transfer?")
    reply = await services.agents.message("ada", cid, "Yes: choose 'Bank transfer' at checkout.")
    marked = await services.agents.teaching.mark("ada", cid, reply["entry"]["id"])
    taught = marked["taught"]
    assert (taught["question"], taught["answer"]) == (
        "can I pay by bank transfer?",
        "Yes: choose 'Bank transfer' at checkout.",
    )
    assert (taught["agent"], taught["agent_name"], taught["conversation_id"]) == ("ada", "Ada", cid)
    again = await services.agents.teaching.mark("ada", cid, reply["entry"]["id"])
    assert again["taught"] == taught  # marked once, however often clicked
    assert await services.agents.teaching.review_list(await admin(services)) == [taught]


async def test_only_your_own_replies_can_be_marked(services: Services) -> None:
    cid = await held_chat(services, "where is my parcel?")
    reply = await services.agents.message("ada", cid, "It left today.")
    transcript = await services.stores.transcripts.read(cid)
    customer_entry = next(e for e in transcript if e["role"] == "customer")
    refusals = [
        ("bob", cid, reply["entry"]["id"], ErrorCode.FORBIDDEN),  # not bob's reply
        ("ada", cid, customer_entry["id"], ErrorCode.FORBIDDEN),  # not a reply
        ("ada", cid, "1-0", ErrorCode.NOT_FOUND),
        ("ada", "no-such-chat", reply["entry"]["id"], ErrorCode.NOT_FOUND),
        ("ada", cid, "not an id", ErrorCode.INVALID_PAYLOAD),
        ("ada", None, reply["entry"]["id"], ErrorCode.INVALID_PAYLOAD),
    ]
    for username, conversation_id, reply_id, code in refusals:
        with pytest.raises(InputError) as refused:
            await services.agents.teaching.mark(username, conversation_id, reply_id)
        assert refused.value.code is code, (username, conversation_id, reply_id)
    assert await services.agents.teaching.review_list(await admin(services)) == []


async def test_only_admins_read_or_clear_the_review_list(services: Services) -> None:
    cid = await held_chat(services, "do you sell gift cards?")
    reply = await services.agents.message("ada", cid, "Yes, from 10 to 500 EUR.")
    await services.agents.teaching.mark("ada", cid, reply["entry"]["id"])
    ada = await services.stores.agents.get("ada")
    assert ada is not None
    for call in (
        services.agents.teaching.review_list(ada),
        services.agents.teaching.remove(ada, cid, reply["entry"]["id"]),
    ):
        with pytest.raises(InputError) as refused:
            await call
        assert refused.value.code is ErrorCode.FORBIDDEN
    root = await admin(services)
    await services.agents.teaching.remove(root, cid, reply["entry"]["id"])
    assert await services.agents.teaching.review_list(root) == []
    with pytest.raises(InputError) as gone:
        await services.agents.teaching.remove(root, cid, reply["entry"]["id"])
    assert gone.value.code is ErrorCode.NOT_FOUND


async def test_marked_answers_go_with_their_conversation(services: Services, redis: Redis) -> None:
    """Erased with it at once; once it expired, dropped by the gateway's sweep."""
    erased, expired = [await held_chat(services, "can I change my address?") for _ in "ab"]
    for cid in (erased, expired):
        reply = await services.agents.message("ada", cid, "Yes, until it ships.")
        await services.agents.teaching.mark("ada", cid, reply["entry"]["id"])
    root = await admin(services)
    assert "answers marked good" in await services.stores.records.erase(erased)
    [left] = await services.agents.teaching.review_list(root)
    assert left["conversation_id"] == expired
    await redis.delete(services.stores.keys.transcript(expired))  # as the retention does
    assert await services.stores.taught.prune() == 1
    assert await services.agents.teaching.review_list(root) == []


def test_the_question_is_the_customers_last_messages_before_the_reply() -> None:
    newest_first = [
        Entry(role=Role.SYSTEM, text="Ada joined."),
        Entry(role=Role.BOT, text="I'm bringing in a person."),
        Entry(role=Role.CUSTOMER, text="it was  due Monday"),
        Entry(role=Role.CUSTOMER, text="where is my parcel?"),
        Entry(role=Role.BOT, text="Hi! How can I help?"),
        Entry(role=Role.CUSTOMER, text="hello"),
    ]
    assert customer_question(newest_first) == "where is my parcel? it was due Monday"
    assert customer_question([Entry(role=Role.BOT, text="Hi")]) == ""


def test_the_review_list_exports_as_a_valid_faq_file_with_fresh_ids() -> None:
    answers = [
        taught("Do you gift wrap?", "Yes, for 3 EUR.\nTick it at checkout."),
        taught("do you gift wrap??", "Yes."),
    ]
    drafts = taught_drafts(answers, taken=["gift_wrap"])
    assert [draft.id for draft in drafts] == ["gift_wrap_2", "gift_wrap_3"]
    faqs = parse_catalog(yaml.safe_load(faqs_yaml(drafts)))
    assert [(faq.id, faq.questions[0]) for faq in faqs] == [
        ("gift_wrap_2", "Do you gift wrap?"),
        ("gift_wrap_3", "do you gift wrap??"),
    ]
    assert faqs[0].answer.strip() == "Yes, for 3 EUR.\nTick it at checkout."
