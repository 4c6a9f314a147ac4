"""The console's insights page in Chromium: an admin reads a period's figures, charts and
clusters (over conversations recorded in the gateway's entry shapes, bench/insights.py),
edits a draft FAQ and downloads it as a valid FAQ file; the same with an answer an agent
marked good, which the admin then clears from the review list; an agent sees no link.
Against a fake Rasa: the report reads Redis, it needs no bot."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from redis.asyncio import Redis

from bench.insights import fill
from bot.faq.catalog import Faq, parse_catalog
from devstack.clients import Agent, disconnect_all, queued_customer
from devstack.gateways import GatewayProcess
from devstack.servers import RedisServer
from handoff.stores.keys import Keys
from handoff.stores.taught import TaughtStore
from tests.browser.conftest import OUTPUT, run_console_script
from tests.support.fake_rasa import FakeRasa

pytestmark = pytest.mark.asyncio
ADMIN = ("root", "root-password")
AGENT = ("ada", "ada-password")
CONVERSATIONS = 300
DOWNLOADS = OUTPUT / "insights"
# Handed off by the fake bot ("wifi"), answered by ada, marked as a good answer.
QUESTION = "does the wifi extender work with fibre"
REPLY = "Yes: it works with every fibre router we sell."


async def ada_marks_a_good_answer(gateway: GatewayProcess) -> None:
    """What an agent does in a chat before the admin opens Insights (one more conversation
    in the period)."""
    customer = await queued_customer(gateway.url, QUESTION)
    ada = await Agent.connect(gateway.url, *AGENT)
    chat = {"conversation_id": customer.conversation_id}
    assert (await ada.call("claim", chat))["ok"]
    sent = await ada.call("message", {**chat, "text": REPLY})
    assert (await ada.call("mark_good_answer", {**chat, "reply_id": sent["entry"]["id"]}))["ok"]
    await disconnect_all(customer, ada)


def downloaded(name: str) -> Faq:
    """The one FAQ of a file the page downloaded, read as bot/data/ reads it."""
    (faq,) = parse_catalog(yaml.safe_load((DOWNLOADS / name).read_text()))
    return faq


async def test_an_admin_reads_insights_and_downloads_draft_faqs(
    redis_server: RedisServer, redis: Redis, fake_rasa: FakeRasa, prefix: str, tmp_path: Path
) -> None:
    await fill(redis, CONVERSATIONS, prefix)
    for name in ("reviewed_answer.yml", "taught_answer.yml"):
        (DOWNLOADS / name).unlink(missing_ok=True)
    status, printed = await run_console_script(
        "insights.mjs",
        redis_server,
        prefix,
        fake_rasa.url,
        tmp_path / "agents.yml",
        ADMIN,
        AGENT,
        env={
            "EXPECTED_CONVERSATIONS": str(CONVERSATIONS + 1),
            "TAUGHT_QUESTION": QUESTION,
            "TAUGHT_REPLY": REPLY,
        },
        before=ada_marks_a_good_answer,
    )
    assert status == 0, printed
    faq = downloaded("reviewed_answer.yml")
    assert faq.id == "reviewed_answer" and faq.answer.startswith("Yes: ")
    taught = downloaded("taught_answer.yml")
    assert (taught.id, taught.questions, taught.answer.strip()) == (
        "taught_answer",
        (QUESTION,),
        REPLY,
    )
    assert await TaughtStore(redis, Keys(prefix)).all() == []  # cleared for every admin
