"""`python -m handoff.accounts`: add and list agents, change roles, passwords, disable
them; a sentence when Redis is away."""

from __future__ import annotations

import asyncio
import io
import json

import pytest
from redis.asyncio import Redis

from devstack.processes import free_port
from devstack.servers import RedisServer
from handoff import accounts
from handoff.auth.tokens import AgentTokens
from handoff.stores.agents import AgentDirectory
from handoff.stores.keys import Keys


def _use_redis(monkeypatch: pytest.MonkeyPatch, port: int, prefix: str) -> None:
    monkeypatch.setenv("REDIS_HOST", "127.0.0.1")
    monkeypatch.setenv("REDIS_PORT", str(port))
    monkeypatch.setenv("REDIS_PREFIX", prefix)


async def test_add_and_list_agents(
    redis: Redis,
    prefix: str,
    redis_server: RedisServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _use_redis(monkeypatch, redis_server.port, prefix)
    monkeypatch.setattr("sys.stdin", io.StringIO("hunter2\n"))
    add = ["add", "cy", "--name", "Cy Young", "--limit", "3", "--password-stdin"]
    assert await _main(add) == 0
    assert "agent cy (Cy Young) saved as agent" in capsys.readouterr().out
    stored = await redis.hget(Keys(prefix).agent("cy"), "password")
    assert stored and "hunter2" not in stored
    agent = await AgentDirectory(redis, Keys(prefix)).authenticate("cy", "hunter2")
    assert agent is not None and agent.limit == 3
    assert await _main(["list"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(row["username"], row["status"], row["role"]) for row in rows] == [
        ("cy", "offline", "agent")
    ]
    token = AgentTokens("s", 60).issue("cy", agent.token_generation)
    for command, shown in (
        (["role", "cy", "admin"], "agent cy: admin, enabled"),
        (["disable", "cy"], "agent cy: admin, disabled (signed out)"),
        (["enable", "cy"], "agent cy: admin, enabled"),
    ):
        assert await _main(command) == 0
        assert shown in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("a-new-one\n"))
    assert await _main(["password", "cy", "--password-stdin"]) == 0
    assert "signed out everywhere" in capsys.readouterr().out
    cy = await AgentDirectory(redis, Keys(prefix)).authenticate("cy", "a-new-one")
    assert cy is not None and cy.is_admin
    claims = AgentTokens("s", 60).verify(token)
    assert claims is not None and claims.generation < cy.token_generation  # old token dead


async def test_unreachable_redis_is_one_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use_redis(monkeypatch, free_port(), "x:")
    assert await _main(["list"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: Redis at 127.0.0.1:") and "Traceback" not in error
    assert error.count("\n") == 1


async def _main(argv: list[str]) -> int:
    """The CLI runs its own event loop: give it a thread of its own."""
    return await asyncio.to_thread(accounts.main, argv)
