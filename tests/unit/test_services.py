"""The conversation logic without a server: customers, the bot relay and the agent desk
over the real test Redis, a fake Rasa and a notifier that records what people were sent."""

from __future__ import annotations

import pytest

from handoff.protocol import CustomerState, ErrorCode, HandoffReason, InputError, State
from handoff.services import Services
from tests.support.fake_rasa import FakeRasa
from tests.unit.conftest import RecordingNotifier

RASA, EXTENDED = "customer:rasa", "customer:extended"


async def _asked(services: Services, conversation_id: str, text: str) -> None:
    await services.customers.message(conversation_id, text)
    await services.bot.idle()


async def test_the_bot_answers_in_both_views(
    services: Services, notifier: RecordingNotifier
) -> None:
    opened = await services.customers.open_session()
    await _asked(services, opened.conversation_id, "hello")
    assert notifier.to(RASA, "bot_uttered") == [{"text": "You said: hello"}]
    [extended] = notifier.to(EXTENDED, "bot_uttered")
    assert (extended["role"], extended["text"]) == ("bot", "You said: hello") and extended["id"]
    assert "faq_confidence" not in extended  # internal: agents only
    typing = notifier.to(EXTENDED, "typing")
    assert [t["typing"] for t in typing] == [True, False]
    transcript = await services.stores.transcripts.read(opened.conversation_id)
    assert [(e["role"], e.get("faq_id")) for e in transcript] == [
        ("customer", None),
        ("bot", "echo"),
    ]


async def test_low_confidence_queues_with_reason_and_tells_of_no_agents(
    services: Services, notifier: RecordingNotifier
) -> None:
    opened = await services.customers.open_session()
    await _asked(services, opened.conversation_id, "my wifi is broken")
    conversation = await services.stores.conversations.get(opened.conversation_id)
    assert conversation is not None
    assert (conversation.state, conversation.reason, conversation.confidence) == (
        State.QUEUED,
        "low_confidence",
        0.31,
    )
    said = [payload["text"] for payload in notifier.to(RASA, "bot_uttered")]
    assert said[0] == "I'm bringing in a person."
    assert said[-1].startswith("No one from our team is online right now.")
    [queue] = notifier.to("agents", "queue")
    assert [(i["conversation_id"], i["reason"]) for i in queue["items"]] == [
        (opened.conversation_id, "low_confidence")
    ]
    # A stale handoff of an older generation changes nothing.
    assert not await services.core.hand_off(
        opened.conversation_id, HandoffReason.LOW_CONFIDENCE, 0.2, expected_gen="0"
    )


async def test_a_dead_bot_hands_off_and_talk_to_a_person_queues_once(
    services: Services, fake_rasa: FakeRasa
) -> None:
    fake_rasa.status = 500
    first = await services.customers.open_session()
    await _asked(services, first.conversation_id, "hello")
    conversation = await services.stores.conversations.get(first.conversation_id)
    assert conversation and conversation.reason == HandoffReason.BOT_UNAVAILABLE
    second = await services.customers.open_session()
    statuses = [await services.customers.request_human(second.conversation_id) for _ in "ab"]
    assert [s["position"] for s in statuses] == [2, 2]
    assert await services.stores.queue.conversation_ids() == [
        first.conversation_id,
        second.conversation_id,
    ]


async def test_an_agent_claims_answers_and_resolves(
    services: Services, notifier: RecordingNotifier
) -> None:
    opened = await services.customers.open_session()
    cid = opened.conversation_id
    await _asked(services, cid, "I want a human")
    claimed = await services.agents.claim("ada", cid)
    assert claimed["conversation"]["state"] == State.WITH_AGENT
    assert [e["role"] for e in claimed["transcript"]][:2] == ["customer", "bot"]
    with pytest.raises(InputError) as taken:
        await services.agents.claim("bob", cid)
    assert taken.value.code is ErrorCode.TAKEN
    await services.customers.message(cid, "are you there?")
    relayed = [e["entry"] for e in notifier.to("agent", "entry")]
    assert [e["text"] for e in relayed if e["role"] == "customer"] == ["are you there?"]
    await services.agents.message("ada", cid, "Yes, how can I help?")
    await services.agents.resolve("ada", cid)
    assert notifier.to(RASA, "bot_uttered")[-3:] == [
        {"text": "Ada joined the conversation."},
        {"text": "Yes, how can I help?"},
        {
            "text": "Ada marked this conversation as resolved. The assistant is back: ask it "
            "anything, or ask for a person at any time."
        },
    ]
    assert notifier.to(EXTENDED, "status")[-1]["state"] == CustomerState.RESOLVED
    conversation = await services.stores.conversations.get(cid)
    assert conversation and conversation.state is State.BOT and not conversation.agent
    await _asked(services, cid, "thanks")
    assert notifier.to(RASA, "bot_uttered")[-1] == {"text": "You said: thanks"}


async def test_a_vanished_agents_chats_go_back_to_the_head_of_the_queue(
    services: Services,
) -> None:
    held = await services.customers.open_session()
    waiting = await services.customers.open_session()
    for opened in (held, waiting):
        await services.customers.request_human(opened.conversation_id)
    await services.agents.connected("ada", "sid-1")
    await services.agents.claim("ada", held.conversation_id)
    # Back before the sweep (grace period 0 in these tests): the chat stays hers.
    await services.agents.disconnected("ada", "sid-1")
    await services.agents.connected("ada", "sid-2")
    await services.agents.sweep()
    assert await services.stores.conversations.chats_of("ada") == [held.conversation_id]
    # Gone at the sweep: back to the head of the queue.
    await services.agents.disconnected("ada", "sid-2")
    await services.agents.sweep(heartbeat=False)
    assert await services.stores.queue.conversation_ids() == [
        held.conversation_id,
        waiting.conversation_id,
    ]
    conversation = await services.stores.conversations.get(held.conversation_id)
    assert conversation and conversation.reason == HandoffReason.AGENT_DISCONNECTED


async def test_refusals_record_nothing(services: Services) -> None:
    opened = await services.customers.open_session()
    cid = opened.conversation_id
    for text, code in (
        ("x" * 2001, ErrorCode.MESSAGE_TOO_LONG),
        ("   ", ErrorCode.EMPTY_MESSAGE),
        (42, ErrorCode.INVALID_MESSAGE),
    ):
        with pytest.raises(InputError) as refused:
            await services.customers.message(cid, text)
        assert refused.value.code is code
    with pytest.raises(InputError) as unknown:
        await services.customers.conversation_of("forged.token")
    assert unknown.value.code is ErrorCode.INVALID_SESSION
    await services.customers.request_human(cid)
    await services.agents.close("ada", cid)
    with pytest.raises(InputError) as closed:
        await services.customers.message(cid, "hello?")
    assert closed.value.code is ErrorCode.CONVERSATION_CLOSED
    transcript = await services.stores.transcripts.read(cid)
    assert [e.get("event") for e in transcript] == ["handoff", "no_agents", "closed"]


async def test_the_customer_ends_a_held_chat_and_leaves_the_queue(
    services: Services, notifier: RecordingNotifier
) -> None:
    held = (await services.customers.open_session()).conversation_id
    waiting = (await services.customers.open_session()).conversation_id
    for cid in (held, waiting):
        await services.customers.request_human(cid)
    await services.agents.claim("ada", held)

    ended = await services.customers.end_chat(held)
    assert ended["state"] == CustomerState.BOT
    assert notifier.to(EXTENDED, "status")[-2]["state"] == CustomerState.RESOLVED
    # The agent sees why the chat left them, and their console closes it as resolved.
    [*_, notice] = [e["entry"] for e in notifier.to("agent", "entry")]
    assert notice["text"].startswith("The customer ended the chat with Ada.")
    assert notifier.to("agent", "closed")[-1] == {"conversation_id": held, "state": "resolved"}
    assert await services.stores.conversations.chats_of("ada") == []
    # Ended like a resolve: the customer may rate the person who helped.
    assert (await services.customers.rating(held, 5))["score"] == 5

    left = await services.customers.end_chat(waiting)
    assert left["state"] == CustomerState.BOT
    assert await services.stores.queue.conversation_ids() == []
    assert notifier.to("agents", "queue")[-1]["items"] == []
    assert notifier.to(RASA, "bot_uttered")[-1]["text"].startswith("You left the queue.")
    # Nothing to end with the bot in charge: the answer is the status, nothing recorded.
    before = len(await services.stores.transcripts.read(waiting))
    assert (await services.customers.end_chat(waiting))["state"] == CustomerState.BOT
    assert len(await services.stores.transcripts.read(waiting)) == before
    await _asked(services, waiting, "hello again")
    assert notifier.to(RASA, "bot_uttered")[-1] == {"text": "You said: hello again"}
