"""Redis, with its append-only file, killed and restarted in the middle of conversations
(issue 11): the sockets stay open, a message sent while it is down is refused (and kept
once sent again), a bot reply that arrives meanwhile still reaches the customer, every
message the gateway acknowledged is kept, and every transcript is complete, in order and
without duplicates."""

from __future__ import annotations

from typing import Iterator

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from devstack.clients import Agent, Customer, disconnect_all, eventually
from devstack.gateways import GatewayProcess
from devstack.servers import RedisServer
from handoff.stores.agents import AgentDirectory
from handoff.stores.keys import Keys
from handoff.stores.transcript import TranscriptStore
from tests.support.fake_rasa import FakeRasa

pytestmark = pytest.mark.asyncio

PREFIX = "restart:"
BOT_THINKS_S = 1.0  # the fake bot's reply to the question asked across the restart


@pytest.fixture
def durable_redis() -> Iterator[RedisServer]:
    """A Redis of this test's own (it gets killed), writing its append-only file."""
    server = RedisServer(append_only=True)
    yield server
    server.stop()


@pytest_asyncio.fixture
async def ada(durable_redis: RedisServer) -> None:
    """Agent ada (password "pw") in that Redis."""
    client = Redis.from_url(durable_redis.url, decode_responses=True)
    await AgentDirectory(client, Keys(PREFIX)).add("ada", "Ada", "pw")
    await client.close()


@pytest.mark.usefixtures("ada")
async def test_a_redis_restart_loses_and_doubles_nothing(
    durable_redis: RedisServer, fake_rasa: FakeRasa
) -> None:
    gateway = GatewayProcess(durable_redis, PREFIX, fake_rasa.url, agent_grace_s=120)
    try:
        asker = await Customer.connect(gateway.url)
        await asker.start_session()
        await asker.say_recorded("hello")
        await asker.bot_message(lambda m: m["text"] == "You said: hello")
        waiting = await Customer.connect(gateway.url)
        await waiting.start_session()
        await waiting.say_recorded("I want a human")
        ada = await Agent.connect(gateway.url, "ada")
        await ada.sees_queued(waiting.conversation_id)
        assert (await ada.call("claim", {"conversation_id": waiting.conversation_id}))["ok"]
        await waiting.say_recorded("before the restart")
        await ada.wait_for("entry", lambda e: e["entry"].get("text") == "before the restart")

        fake_rasa.delay = BOT_THINKS_S
        mark = asker.mark()
        await asker.say_recorded("a question across the restart")
        await eventually(lambda: fake_rasa.received[-1]["message"].endswith("the restart"))
        durable_redis.kill()  # while the bot thinks
        await asker.wait_for("typing", lambda t: t["typing"] is False, after=mark)
        durable_redis.start()  # the bot's reply is in hand, not yet recorded
        answer = await asker.bot_message(after=mark)
        assert answer["text"] == "You said: a question across the restart"

        durable_redis.kill()
        refused = await waiting.call("user_uttered", {"message": "during the outage"})
        assert refused["error"] == "unavailable"
        durable_redis.start()
        await waiting.say_recorded("during the outage")  # sent again, as the widget does
        await waiting.say_recorded("after the restart")
        await ada.wait_for("entry", lambda e: e["entry"].get("text") == "after the restart")
        reply = {"conversation_id": waiting.conversation_id, "text": "Still here."}
        assert (await ada.call("message", reply))["ok"]
        await waiting.bot_message(lambda m: m["text"] == "Still here.")
        assert asker.sio.connected and waiting.sio.connected and ada.sio.connected

        assert await said_in(durable_redis, asker.conversation_id) == [
            ("customer", "hello"),
            ("bot", "You said: hello"),
            ("customer", "a question across the restart"),
            ("bot", "You said: a question across the restart"),
        ]
        assert await said_in(durable_redis, waiting.conversation_id) == [
            ("customer", "I want a human"),
            ("bot", "I'm bringing in a person."),
            ("customer", "before the restart"),
            ("customer", "during the outage"),
            ("customer", "after the restart"),
            ("agent", "Still here."),
        ]
        await disconnect_all(asker, waiting, ada)
    finally:
        gateway.stop()


async def said_in(server: RedisServer, conversation_id: str) -> list[tuple[str, str]]:
    """The transcript's messages in recorded order (each entry id once: no duplicates)."""
    redis = Redis.from_url(server.url, decode_responses=True)
    entries = await TranscriptStore(redis, Keys(PREFIX)).read(conversation_id)
    await redis.close()
    assert len({entry["id"] for entry in entries}) == len(entries)
    return [
        (entry["role"], entry["text"])
        for entry in entries
        if entry["role"] in ("customer", "bot", "agent") and "text" in entry
    ]
