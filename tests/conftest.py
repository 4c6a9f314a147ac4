"""Session-wide real parts: one private Redis, one trained model, one Rasa stack.

The trained model is cached in models/ under a hash of its inputs, so it is trained once
and reused by every test module and every later run until the bot's data or code change.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from bot.training import ensure_model
from devstack.servers import RasaStack, RedisServer

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
