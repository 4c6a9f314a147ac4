"""Our asynchronous Redis tracker store keeps and reads what Rasa's RedisTrackerStore does.

Both stores use the same Redis keys and JSON, so each scenario runs against both and the
results are compared; trackers written by one must read back in the other.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
import redis
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered

from bot.tracker_store import AsyncRedisTrackerStore
from devstack.processes import free_port
from devstack.servers import RedisServer
from tests.support.trackers import conversation


def both(port: int) -> dict[str, RedisTrackerStore]:
    settings: dict[str, Any] = {"port": port, "key_prefix": "trackers", "record_exp": 60}
    return {
        "rasa": RedisTrackerStore(Domain.empty(), **settings),
        "ours": AsyncRedisTrackerStore(Domain.empty(), host="127.0.0.1", **settings),
    }


def events_of(tracker: Any) -> list[dict[str, Any]]:
    assert tracker is not None
    return [event.as_dict() for event in tracker.events]


@pytest.mark.parametrize("sessions", [1, 3])
def test_a_continued_conversation_is_stored_as_rasa_stores_it(
    redis_server: RedisServer, sessions: int
) -> None:
    """Only the last session is handed out; saving it back keeps the earlier ones."""

    async def continue_conversation(store: RedisTrackerStore) -> list[dict[str, Any]]:
        sender = f"continued-{uuid.uuid4().hex}"
        await store.save(conversation(sender, sessions))
        last_session = await store.retrieve(sender)
        assert last_session is not None and len(last_session.events) == 5
        last_session.update(UserUttered("one more question", timestamp=1000.0))
        await store.save(last_session)
        return events_of(await store.retrieve_full_tracker(sender))

    stored = {
        label: asyncio.run(continue_conversation(store))
        for label, store in both(redis_server.port).items()
    }
    assert stored["ours"] == stored["rasa"]
    assert len(stored["ours"]) == 5 * sessions + 1


@pytest.mark.parametrize("sessions", [1, 3])
def test_either_store_reads_what_the_other_wrote(redis_server: RedisServer, sessions: int) -> None:
    stores = both(redis_server.port)

    async def write_then_read(writer: str, reader: str) -> None:
        sender = f"{writer}-to-{reader}-{uuid.uuid4().hex}"
        await stores[writer].save(conversation(sender, sessions))
        for label, store in stores.items():
            full = await store.retrieve_full_tracker(sender)
            last = await store.retrieve(sender)
            assert len(events_of(full)) == 5 * sessions, label
            assert events_of(last) == events_of(full)[-5:], label
        assert await stores[reader].retrieve("nobody-" + uuid.uuid4().hex) is None

    async def both_ways() -> None:  # one event loop: a store's connections belong to it
        await write_then_read("rasa", "ours")
        await write_then_read("ours", "rasa")

    asyncio.run(both_ways())


def test_saved_trackers_expire_like_rasas(redis_server: RedisServer) -> None:
    sender = f"expiring-{uuid.uuid4().hex}"
    asyncio.run(both(redis_server.port)["ours"].save(conversation(sender, 1)))
    client = redis.Redis(host=redis_server.host, port=redis_server.port)
    assert 0 < client.ttl(f"trackers:tracker:{sender}") <= 60


def test_a_dead_redis_is_an_error_not_an_empty_tracker() -> None:
    store = AsyncRedisTrackerStore(Domain.empty(), host="127.0.0.1", port=free_port())
    with pytest.raises(redis.exceptions.ConnectionError):
        asyncio.run(store.retrieve("anyone"))
