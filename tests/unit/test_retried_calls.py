"""A recording or a claim whose reply is lost (a Redis restart, a cut network) is re-sent
by the Redis client, and still happens once: one transcript entry, a claim that says it
succeeded. The reply is lost for real, by a proxy between the client and the test Redis."""

from __future__ import annotations

from typing import AsyncIterator

import pytest_asyncio
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from devstack.servers import RedisServer
from handoff.protocol import EntryEvent, State
from handoff.protocol.entries import customer_message, system_event
from handoff.stores.conversations import AppendStatus, ConversationStore, QueueOp
from handoff.stores.keys import Keys
from handoff.stores.once import REMEMBER_CALLS
from handoff.stores.transcript import TranscriptStore
from tests.support.reply_losing_proxy import ReplyLosingProxy

SCRIPT_CALL = b"EVALSHA"


@pytest_asyncio.fixture
async def proxy(redis_server: RedisServer) -> AsyncIterator[ReplyLosingProxy]:
    async with ReplyLosingProxy(redis_server.host, redis_server.port) as running:
        yield running


@pytest_asyncio.fixture
async def store(proxy: ReplyLosingProxy, prefix: str) -> AsyncIterator[ConversationStore]:
    """The gateway's kind of client (it re-sends a command whose connection broke)."""
    client = Redis(
        host=proxy.host,
        port=proxy.port,
        decode_responses=True,
        retry=Retry(NoBackoff(), 3),
        retry_on_error=[RedisConnectionError],
    )
    conversations = ConversationStore(client, Keys(prefix))
    await conversations.create("warm-up")  # the scripts get loaded before a reply is lost
    await conversations.append("warm-up", [customer_message("hi")])
    await _hand_off(conversations, "warm-up")
    yield conversations
    await client.close()


async def test_a_message_whose_reply_is_lost_is_recorded_once(
    store: ConversationStore, proxy: ReplyLosingProxy, redis: Redis, prefix: str
) -> None:
    await store.create("c1")
    before = proxy.sent(SCRIPT_CALL)
    proxy.lose_next_reply_to(SCRIPT_CALL)
    result = await store.append("c1", [customer_message("where is my parcel?")])
    assert proxy.lost == 1 and proxy.sent(SCRIPT_CALL) == before + 2  # it reached Redis twice
    assert result.status is AppendStatus.OK and len(result.entries) == 1
    transcript = await TranscriptStore(redis, Keys(prefix)).read("c1")
    assert [entry.get("text") for entry in transcript] == ["where is my parcel?"]
    assert transcript[0]["id"] == result.entries[0]["id"]


async def test_a_claim_whose_reply_is_lost_still_says_it_succeeded(
    store: ConversationStore, proxy: ReplyLosingProxy, redis: Redis, prefix: str
) -> None:
    await store.create("c2")
    await _hand_off(store, "c2")
    proxy.lose_next_reply_to(SCRIPT_CALL)
    claim = await store.transition(
        "c2",
        allowed=[State.QUEUED],
        to=State.WITH_AGENT,
        queue=QueueOp.REMOVE,
        new_agent="ada",
        entry=system_event(EntryEvent.CLAIMED, agent="ada"),
    )
    assert proxy.lost == 1
    assert claim.ok, claim.refused  # without the remembered result: refused, "state"
    assert await store.chats_of("ada") == ["c2"]
    events = [e.get("event") for e in await TranscriptStore(redis, Keys(prefix)).read("c2")]
    assert events == [EntryEvent.HANDOFF, EntryEvent.CLAIMED]


async def _hand_off(store: ConversationStore, conversation_id: str) -> None:
    handed = await store.transition(
        conversation_id,
        allowed=[State.BOT],
        to=State.QUEUED,
        queue=QueueOp.TAIL,
        entry=system_event(EntryEvent.HANDOFF, reason="customer_request"),
    )
    assert handed.ok


async def test_a_long_conversation_keeps_a_bounded_memory_of_its_calls(
    store: ConversationStore, redis: Redis, prefix: str
) -> None:
    await store.create("c3")
    for number in range(REMEMBER_CALLS * 2 + 5):
        await store.append("c3", [customer_message(f"message {number}")])
    assert 0 < await redis.hlen(Keys(prefix).calls("c3")) <= REMEMBER_CALLS
    assert len(await TranscriptStore(redis, Keys(prefix)).read("c3")) == REMEMBER_CALLS * 2 + 5
