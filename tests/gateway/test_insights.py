"""Insights over conversations really recorded: a known set played through a gateway and
the trained bot (tests/support/played_conversations.py), then the report, its clusters,
their export, `rasa data validate` on it, and a bot trained with it.

Marked slow: the session's Rasa stack, a gateway, and one training of a copy of the bot
(a few minutes, once for the module).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import aiohttp
import pytest
import yaml
from redis.asyncio import Redis

from bot.signals import ANSWER
from devstack.clients import Agent
from devstack.gateways import GatewayProcess
from devstack.servers import RasaStack, RedisServer
from handoff.protocol import AgentRole
from handoff.stores.agents import AgentDirectory
from handoff.stores.keys import Keys
from tests.support.bot_copy import copy_bot, rasa_on_copy, train_copy
from tests.support.played_conversations import REJECTED, TOPICS, Played, play_all

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "insights-pw"


@dataclass(frozen=True)
class Recorded:
    played: Played
    report: dict[str, Any]
    gateway: GatewayProcess
    prefix: str
    admin_token: str

    def cluster_of(self, topic: str) -> dict[str, Any]:
        questions = set(TOPICS[topic].questions)
        return next(c for c in self.report["clusters"] if set(c["examples"]) & questions)


async def _get(url: str, token: str | None = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as response:
        return response.status, await response.json()


async def _export(recorded: Recorded, faq: dict[str, Any], kind: str) -> str:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{recorded.gateway.url}/api/admin/insights/export",
            json={"faq": faq, "as": kind},
            headers={"Authorization": f"Bearer {recorded.admin_token}"},
        ) as response,
    ):
        assert response.status == 200, await response.text()
        assert response.headers["Content-Disposition"] == f'attachment; filename="{faq["id"]}.yml"'
        return await response.text()


async def _record(redis_server: RedisServer, prefix: str, gateway: GatewayProcess) -> Recorded:
    redis = Redis.from_url(redis_server.url, decode_responses=True)
    try:
        directory = AgentDirectory(redis, Keys(prefix))
        await directory.add("ada", "Ada", PASSWORD, role=AgentRole.ADMIN)
        await directory.add("bob", "Bob", PASSWORD)
    finally:
        await redis.close()
    ada = await Agent.connect(gateway.url, "ada", PASSWORD)
    try:
        played = await play_all(gateway.url, ada)
    finally:
        await ada.disconnect()
    status, report = await _get(f"{gateway.url}/api/admin/insights?since=1h", ada.token)
    assert status == 200, report
    return Recorded(played, report, gateway, prefix, ada.token)


@pytest.fixture(scope="module")
def recorded(rasa_stack: RasaStack, redis_server: RedisServer) -> Iterator[Recorded]:
    prefix = f"insights-{uuid.uuid4().hex[:8]}:"
    gateway = GatewayProcess(redis_server, prefix, rasa_stack.rasa_url, bot_timeout_s=30)
    try:
        yield asyncio.run(_record(redis_server, prefix, gateway))
    finally:
        gateway.stop()


def test_the_figures_are_what_was_played(recorded: Recorded) -> None:
    report, played = recorded.report, recorded.played
    assert report["conversations"] == played.conversations == 14
    assert report["contained"] == played.contained == 3
    assert report["containment_rate"] == round(3 / 14, 4)
    assert report["handoffs_by_reason"] == played.handoffs_by_reason
    assert report["waits_measured"] == played.claimed and report["unclaimed_handoffs"] == 0
    assert 0 <= report["median_wait_s"] <= report["p90_wait_s"] < 60
    assert report["csat"]["ratings"] == len(played.ratings) == 4
    assert report["csat"]["average"] == 4.0 and report["csat"]["satisfied_rate"] == 0.75
    assert report["csat"]["by_score"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 2}
    used = {faq: hits for faq, hits in report["faq_hits"].items() if hits}
    assert used == played.faq_answers
    assert report["faq_rejections"] == played.rejected == {REJECTED[1]: 1}
    assert "gift_wrapping" in report["faqs_never_hit"]
    assert not set(used) & set(report["faqs_never_hit"])


def test_each_topic_no_faq_covers_is_one_cluster_largest_first(recorded: Recorded) -> None:
    clusters = recorded.report["clusters"]
    assert [cluster["size"] for cluster in clusters] == [4, 3, 2]
    for topic_name, topic in TOPICS.items():
        cluster = recorded.cluster_of(topic_name)
        assert cluster["size"] == len(topic.questions)
        assert set(cluster["examples"]) == set(topic.questions)
        assert cluster["agent_replies"] == [topic.reply]
        faq = cluster["suggested_faq"]
        assert set(faq["questions"]) == set(topic.questions)
        assert faq["answer"] == topic.reply
    # The rejected FAQ's question stands alone: not a pattern yet.
    assert recorded.report["questions_handed_off"] == 10
    assert recorded.report["unclustered_questions"] == 1


async def test_insights_are_for_admins_only(recorded: Recorded) -> None:
    url = f"{recorded.gateway.url}/api/admin/insights?since=1h"
    bob = await Agent.login(recorded.gateway.url, "bob", PASSWORD)
    assert (await _get(url, bob["token"]))[0] == 403
    assert (await _get(url))[0] == 401
    status, body = await _get(f"{url}x", recorded.admin_token)
    assert status == 400 and "7d" in body["message"]


async def test_the_command_line_gives_the_same_clusters_and_yaml(recorded: Recorded) -> None:
    env = {**os.environ, **recorded.gateway.env}

    def cli(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "handoff.insights", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    report = json.loads(cli("--since", "1h", "--format", "json"))
    assert [c["id"] for c in report["clusters"]] == [c["id"] for c in recorded.report["clusters"]]
    dogs = recorded.cluster_of("dogs")
    exported = await _export(recorded, dogs["suggested_faq"], "faq")
    assert cli("export", dogs["id"], "--since", "1h") == exported
    assert yaml.safe_load(exported)["faqs"][0] == dogs["suggested_faq"]


@pytest.fixture(scope="module")
def bot_copy(recorded: Recorded, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bot's config, domain and data plus the dogs cluster as an FAQ file and the
    packaging cluster as an intent, edited by an admin as the page allows."""
    copy = copy_bot(tmp_path_factory.mktemp("insights-bot"))
    dogs = {**recorded.cluster_of("dogs")["suggested_faq"], "id": "dogs_in_store"}
    packaging = recorded.cluster_of("packaging")["suggested_faq"]
    faq_file = asyncio.run(_export(recorded, dogs, "faq"))
    intent_file = asyncio.run(_export(recorded, packaging, "intent"))
    (copy / "data" / "dogs_in_store.yml").write_text(faq_file)
    data_part, domain_part = intent_file.split("\n---\n")
    (copy / "data" / "packaging.yml").write_text(data_part)
    (copy / "domain" / "packaging.yml").write_text(domain_part)
    return copy


def test_exported_yaml_passes_rasa_data_validate(bot_copy: Path) -> None:
    rasa_on_copy(bot_copy, "data", "validate", timeout=300)


@pytest.fixture(scope="module")
def trained_copy(bot_copy: Path, redis_server: RedisServer) -> Iterator[RasaStack]:
    """The copy trained once (minutes), served by Rasa and the action server."""
    stack = RasaStack(train_copy(bot_copy), redis_server, workers=1)
    yield stack
    stack.stop()


def test_the_bot_trained_with_the_export_answers_the_cluster(trained_copy: RasaStack) -> None:
    for question in TOPICS["dogs"].questions:
        request = urllib.request.Request(
            trained_copy.webhook_url,
            json.dumps({"sender": uuid.uuid4().hex, "message": question}).encode(),
            {"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            reply = json.loads(response.read())
        signals = [m["custom"] for m in reply if isinstance(m.get("custom"), dict)]
        assert {"signal": ANSWER, "faq_id": "dogs_in_store"} in [
            {key: s.get(key) for key in ("signal", "faq_id")} for s in signals
        ], (question, reply)
        assert TOPICS["dogs"].reply in [m.get("text") for m in reply], (question, reply)
