"""The atomic Redis lock store: one message per conversation at a time, across workers.

Each lock store below has its own Redis connections, as each Rasa worker process does.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
import redis
from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig

from bot.lock_store import AtomicRedisLockStore
from devstack.processes import free_port
from devstack.servers import RedisServer


def store_on(port: int, host: str = "127.0.0.1") -> AtomicRedisLockStore:
    config = EndpointConfig(url=host, port=port, db=0, key_prefix="test", socket_timeout=2)
    return AtomicRedisLockStore(config)


def test_workers_never_serve_one_conversation_at_once(redis_server: RedisServer) -> None:
    """A read-modify-write per message loses no update when 30 messages race on 3 workers."""
    conversation = uuid.uuid4().hex
    record: dict[str, int] = {"count": 0, "inside": 0, "most_inside": 0}

    async def handle(store: AtomicRedisLockStore) -> None:
        async with store.lock(conversation):
            record["inside"] += 1
            record["most_inside"] = max(record["most_inside"], record["inside"])
            seen = record["count"]
            await asyncio.sleep(0.002)  # the tracker round trip a lost update would race
            record["count"] = seen + 1
            record["inside"] -= 1

    async def scenario() -> None:
        workers = [store_on(redis_server.port) for _ in range(3)]
        await asyncio.gather(*(handle(workers[i % 3]) for i in range(30)))

    asyncio.run(scenario())
    assert record["count"] == 30
    assert record["most_inside"] == 1


def test_messages_of_a_conversation_run_in_arrival_order(redis_server: RedisServer) -> None:
    conversation = uuid.uuid4().hex
    order: list[int] = []

    async def handle(store: AtomicRedisLockStore, number: int) -> None:
        async with store.lock(conversation):
            await asyncio.sleep(0.01)
            order.append(number)

    async def scenario() -> None:
        store = store_on(redis_server.port)
        tasks = []
        for number in range(5):
            tasks.append(asyncio.create_task(handle(store, number)))
            await asyncio.sleep(0.002)  # each takes its ticket before the next arrives
        await asyncio.gather(*tasks)

    asyncio.run(scenario())
    assert order == [0, 1, 2, 3, 4]


def test_other_conversations_do_not_wait(redis_server: RedisServer) -> None:
    async def scenario() -> float:
        store = store_on(redis_server.port)
        async with store.lock("busy-" + uuid.uuid4().hex):
            started = time.perf_counter()
            async with store.lock("idle-" + uuid.uuid4().hex):
                return time.perf_counter() - started

    assert asyncio.run(scenario()) < 0.5


def test_a_crashed_holder_blocks_only_until_its_ticket_expires(
    redis_server: RedisServer,
) -> None:
    conversation = uuid.uuid4().hex
    entered: list[str] = []

    async def stuck(store: AtomicRedisLockStore, holding: asyncio.Event) -> None:
        async with store.lock(conversation, lock_lifetime=0.3):
            entered.append("stuck")
            holding.set()
            await asyncio.sleep(5)  # never finishes in time: its ticket expires

    async def scenario() -> None:
        store = store_on(redis_server.port)
        holding = asyncio.Event()
        blocker = asyncio.create_task(stuck(store, holding))
        await holding.wait()
        async with store.lock(conversation, lock_lifetime=5, wait_time_in_seconds=0.05):
            entered.append("next")
        blocker.cancel()

    started = time.perf_counter()
    asyncio.run(scenario())
    assert entered == ["stuck", "next"]
    assert time.perf_counter() - started < 3


def test_a_waiter_whose_own_ticket_expires_gets_a_lock_error(redis_server: RedisServer) -> None:
    conversation = uuid.uuid4().hex

    async def scenario() -> None:
        store = store_on(redis_server.port)
        async with store.lock(conversation, lock_lifetime=5):
            with pytest.raises(LockError, match="Could not acquire lock"):
                async with store.lock(conversation, lock_lifetime=0.2, wait_time_in_seconds=0.05):
                    pass

    asyncio.run(scenario())


def test_no_lock_keys_are_left_behind(redis_server: RedisServer) -> None:
    conversation = uuid.uuid4().hex

    async def scenario() -> None:
        store = store_on(redis_server.port)
        async with store.lock(conversation):
            pass

    asyncio.run(scenario())
    client = redis.Redis(host=redis_server.host, port=redis_server.port)
    assert client.keys(f"test:lock:{conversation}*") == []


def test_a_dead_redis_is_a_lock_error() -> None:
    async def scenario() -> None:
        async with store_on(free_port()).lock("anyone"):
            pass

    with pytest.raises(LockError, match="Error while acquiring lock"):
        asyncio.run(scenario())
