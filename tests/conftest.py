"""Session-wide real parts: one private Redis, one trained model, one Rasa stack; and per
test a key prefix (isolation inside the shared Redis), a client of it and a fake Rasa.

The trained model is cached in models/ under a hash of its inputs, so it is trained once
and reused by every test module and every later run until the bot's data or code change.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from bot.training import ensure_model
from devstack.servers import RasaStack, RedisServer
from tests.support.fake_rasa import FakeRasa

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def trained_model() -> Path:
    return ensure_model()


@pytest.fixture(scope="session")
def rasa_stack(trained_model: Path, redis_server: RedisServer) -> Iterator[RasaStack]:
    stack = RasaStack(trained_model, redis_server)
    yield stack
    stack.stop()


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
