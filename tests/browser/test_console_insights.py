"""The console's insights page in Chromium: an admin reads a period's figures, charts and
clusters (over conversations recorded in the gateway's entry shapes, bench/insights.py),
edits a draft FAQ and downloads it as a valid FAQ file; an agent sees no link. Against a
fake Rasa: the report reads Redis, it needs no bot."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from redis.asyncio import Redis

from bench.insights import fill
from bot.faq.catalog import parse_catalog
from devstack.servers import RedisServer
from tests.browser.conftest import OUTPUT, run_console_script
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
    DOWNLOAD.unlink(missing_ok=True)
    status, printed = await run_console_script(
        "insights.mjs",
        redis_server,
        prefix,
        fake_rasa.url,
        tmp_path / "agents.yml",
        ADMIN,
        AGENT,
        env={"EXPECTED_CONVERSATIONS": str(CONVERSATIONS)},
    )
    assert status == 0, printed
    (faq,) = parse_catalog(yaml.safe_load(DOWNLOAD.read_text()))
    assert faq.id == "reviewed_answer" and faq.answer.startswith("Yes: ")
