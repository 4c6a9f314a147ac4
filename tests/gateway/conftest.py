"""Fixtures of the gateway tests: a key prefix per test (isolation inside the shared test
Redis), a Redis client, a fake Rasa, gateway processes and agent accounts."""

from __future__ import annotations

import uuid
from typing import AsyncIterator, Callable, Iterator

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from devstack.gateways import GatewayProcess
from devstack.servers import RedisServer
from handoff.agents import AgentDirectory
from handoff.keys import Keys
from tests.gateway.fake_rasa import FakeRasa

AGENT_PASSWORD = "pw"


@pytest.fixture
def prefix() -> str:
    return f"test-{uuid.uuid4().hex[:10]}:"


@pytest_asyncio.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis(host=redis_server.host, port=redis_server.port, decode_responses=True)
    yield client
    await client.close()


@pytest_asyncio.fixture
async def fake_rasa() -> AsyncIterator[FakeRasa]:
    async with FakeRasa() as rasa:
        yield rasa


@pytest_asyncio.fixture
async def agents(redis: Redis, prefix: str) -> AgentDirectory:
    """Accounts ada, bob and cy (password "pw") under this test's prefix."""
    directory = AgentDirectory(redis, Keys(prefix))
    for username, name in (("ada", "Ada"), ("bob", "Bob"), ("cy", "Cy")):
        await directory.add(username, name, AGENT_PASSWORD)
    return directory


GatewayFactory = Callable[..., GatewayProcess]


@pytest.fixture
def start_gateway(redis_server: RedisServer, prefix: str) -> Iterator[GatewayFactory]:
    """Start `python -m handoff` processes sharing this test's Redis prefix."""
    started: list[GatewayProcess] = []

    def start(rasa_url: str, **settings: object) -> GatewayProcess:
        gateway = GatewayProcess(redis_server, prefix, rasa_url, **settings)
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        gateway.stop()
