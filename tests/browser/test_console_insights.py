"""The console's insights page in Chromium: an admin reads a period's figures, charts and
clusters (over conversations recorded in the gateway's entry shapes, bench/insights.py),
edits a draft FAQ and downloads it as a valid FAQ file; an agent sees no link. Against a
fake Rasa: the report reads Redis, it needs no bot."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
import yaml
from redis.asyncio import Redis

from bench.insights import fill
from bot.faq.catalog import parse_catalog
from devstack.gateways import GatewayProcess
from devstack.servers import RedisServer
from tests.browser.conftest import HERE, OUTPUT, browser_tools
from tests.support.fake_rasa import FakeRasa

pytestmark = pytest.mark.asyncio
ADMIN = ("root", "root-password")
AGENT = ("ada", "ada-password")
CONVERSATIONS = 300
DOWNLOAD = OUTPUT / "insights" / "reviewed_answer.yml"


async def test_an_admin_reads_insights_and_downloads_a_draft_faq(
    redis_server: RedisServer, redis: Redis, fake_rasa: FakeRasa, prefix: str, tmp_path: Path
) -> None:
    await fill(redis, CONVERSATIONS, prefix)
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
    DOWNLOAD.unlink(missing_ok=True)
    gateway = GatewayProcess(redis_server, prefix, fake_rasa.url, agents_file=str(accounts))
    try:
        script = await asyncio.create_subprocess_exec(
            browser_tools(),
            str(HERE / "insights.mjs"),
            gateway.url,
            str(OUTPUT / "insights"),
            *ADMIN,
            *AGENT,
            cwd=HERE,
            env={**os.environ, "EXPECTED_CONVERSATIONS": str(CONVERSATIONS)},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        printed, _ = await asyncio.wait_for(script.communicate(), 180)
    finally:
        gateway.stop()
    assert script.returncode == 0, printed.decode()
    (faq,) = parse_catalog(yaml.safe_load(DOWNLOAD.read_text()))
    assert faq.id == "reviewed_answer" and faq.answer.startswith("Yes: ")
