"""An agent whose last socket goes: the customer is told at once, may go back to the queue
right away, and a message they write meanwhile reaches a person (issue 11)."""

from __future__ import annotations

import time
from typing import Any

from redis.asyncio import Redis

from handoff.protocol import HandoffReason, State
from handoff.services import Services
from handoff.stores.agents import CONNECTION_STALE_S
from handoff.stores.keys import Keys
from tests.unit.conftest import RecordingNotifier

RASA = "customer:rasa"


def _status(notifier: RecordingNotifier, cid: str) -> dict[str, Any]:
    """The last `status` the customer of `cid` got."""
    return [data for _, to, event, data in notifier.sent if to == cid and event == "status"][-1]


async def _held_by_ada(services: Services) -> str:
    """A chat Ada holds through one console socket, with another customer waiting behind."""
    opened = await services.customers.open_session()
    await services.customers.request_human(opened.conversation_id)
    await services.agents.connected("ada", "sid-1")
    await services.agents.claim("ada", opened.conversation_id)
    waiting = await services.customers.open_session()
    await services.customers.request_human(waiting.conversation_id)
    return opened.conversation_id


async def test_the_customer_sees_the_agent_go_and_come_back(
    services: Services, notifier: RecordingNotifier
) -> None:
    cid = await _held_by_ada(services)
    await services.agents.connected("ada", "sid-2")
    await services.agents.disconnected("ada", "sid-1")  # a second console is still there
    assert _status(notifier, cid)["agent_connected"] is True
    await services.agents.disconnected("ada", "sid-2")
    assert notifier.to(RASA, "bot_uttered")[-1] == {"text": "Ada lost connection, reconnecting..."}
    assert _status(notifier, cid) == {
        "state": "with_agent",
        "agents_online": 0,
        "agent": "Ada",
        "agent_connected": False,
    }
    await services.agents.connected("ada", "sid-3")
    assert notifier.to(RASA, "bot_uttered")[-1] == {"text": "Ada is back."}
    assert _status(notifier, cid)["agent_connected"] is True
    assert await services.stores.conversations.chats_of("ada") == [cid]


async def test_talk_to_a_person_while_the_agent_is_away_puts_the_customer_first(
    services: Services, notifier: RecordingNotifier
) -> None:
    cid = await _held_by_ada(services)
    await services.agents.disconnected("ada", "sid-1")
    status = await services.customers.request_human(cid)
    assert (status["state"], status["position"]) == ("queued", 1)
    assert (await services.stores.queue.conversation_ids())[0] == cid
    assert notifier.to(RASA, "bot_uttered")[-1]["text"].startswith(
        "The person helping you lost their connection."
    )
    assert {"conversation_id": cid, "state": "requeued"} in notifier.to("agent", "closed")


async def test_a_message_to_an_absent_agent_reaches_the_queue_at_once(
    services: Services, notifier: RecordingNotifier
) -> None:
    cid = await _held_by_ada(services)
    await services.agents.disconnected("ada", "sid-1")
    await services.customers.message(cid, "hello? anyone?")
    conversation = await services.stores.conversations.get(cid)
    assert conversation and conversation.state is State.QUEUED
    assert conversation.reason == HandoffReason.AGENT_DISCONNECTED
    [first, _] = notifier.to("agents", "queue")[-1]["items"]
    assert (first["conversation_id"], first["last_message"]) == (cid, "hello? anyone?")


async def test_an_agent_whose_gateway_died_is_announced_by_the_sweep(
    services: Services, notifier: RecordingNotifier, redis: Redis, prefix: str
) -> None:
    """A killed gateway closes no socket: its agents' connections only go stale."""
    cid = await _held_by_ada(services)
    stale = time.time() - 3 * CONNECTION_STALE_S
    await redis.zadd(Keys(prefix).agent_sockets("ada"), {"dead:sid-1": stale})
    await redis.zrem(Keys(prefix).agent_sockets("ada"), f"{services.agents.process_id}:sid-1")
    await services.agents.sweep(heartbeat=False)
    said = [
        data["text"]
        for kind, to, event, data in notifier.sent
        if (kind, to, event) == (RASA, cid, "bot_uttered")
    ][-2:]
    assert said[0] == "Ada lost connection, reconnecting..."
    assert said[1].startswith("The person helping you was disconnected.")  # grace 0 here
