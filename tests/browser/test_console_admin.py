"""The console's account panel in Chromium: an admin adds and disables an agent, signing
out revokes the token on the server, an agent sees no panel; the console runs under its
strict CSP without a refusal. Against a fake Rasa: no bot is needed here."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from redis.asyncio import Redis

from devstack.gateways import GatewayProcess
from devstack.servers import RedisServer
from handoff.stores.agents import AgentDirectory
from handoff.stores.keys import Keys
from tests.browser.conftest import HERE, OUTPUT, browser_tools
from tests.support.fake_rasa import FakeRasa

pytestmark = pytest.mark.asyncio
ADMIN = ("root", "root-password")
AGENT = ("ada", "ada-password")


async def test_admins_manage_accounts_in_the_console(
    redis_server: RedisServer, redis: Redis, fake_rasa: FakeRasa, prefix: str, tmp_path: Path
) -> None:
    accounts = tmp_path / "agents.yml"
    accounts.write_text(
        json.dumps(
            {
                "agents": [
                    {"username": ADMIN[0], "password": ADMIN[1], "role": "admin"},
                    {"username": AGENT[0], "password": AGENT[1]},
                ]
            }
        )
    )
    gateway = GatewayProcess(redis_server, prefix, fake_rasa.url, agents_file=str(accounts))
    output = OUTPUT / "admin"
    try:
        script = await asyncio.create_subprocess_exec(
            browser_tools(),
            str(HERE / "admin.mjs"),
            gateway.url,
            str(output),
            *ADMIN,
            *AGENT,
            cwd=HERE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        printed, _ = await asyncio.wait_for(script.communicate(), 120)
    finally:
        gateway.stop()
    assert script.returncode == 0, printed.decode()
    dee = await AgentDirectory(redis, Keys(prefix)).get("dee")
    assert dee is not None and dee.disabled and dee.name == "Dee <b>Admin</b>"
