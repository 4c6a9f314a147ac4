"""The console's account panel in Chromium: an admin adds and disables an agent, signing
out revokes the token on the server, an agent sees no panel; the console runs under its
strict CSP without a refusal. Against a fake Rasa: no bot is needed here."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis.asyncio import Redis

from devstack.servers import RedisServer
from handoff.stores.agents import AgentDirectory
from handoff.stores.keys import Keys
from tests.browser.conftest import run_console_script
from tests.support.fake_rasa import FakeRasa

pytestmark = pytest.mark.asyncio
ADMIN = ("root", "root-password")
AGENT = ("ada", "ada-password")


async def test_admins_manage_accounts_in_the_console(
    redis_server: RedisServer, redis: Redis, fake_rasa: FakeRasa, prefix: str, tmp_path: Path
) -> None:
    status, printed = await run_console_script(
        "admin.mjs", redis_server, prefix, fake_rasa.url, tmp_path / "agents.yml", ADMIN, AGENT
    )
    assert status == 0, printed
    dee = await AgentDirectory(redis, Keys(prefix)).get("dee")
    assert dee is not None and dee.disabled and dee.name == "Dee <b>Admin</b>"
