"""Fixtures of the gateway tests: gateway processes and agent accounts (the key prefix,
the Redis client and the fake Rasa come from tests/conftest.py)."""

from __future__ import annotations

from typing import Callable, Iterator

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from devstack.gateways import GatewayProcess
from devstack.servers import RedisServer
from handoff.stores.agents import AgentDirectory
from handoff.stores.keys import Keys

AGENT_PASSWORD = "pw"


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
