"""The gateway's parts without sockets: tokens, passwords, Rasa replies, settings, and
the state machine's atomicity against the real test Redis."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.signals import HandoffReason, answer_signal, handoff_signal
from devstack.servers import RedisServer
from handoff import entries
from handoff.agents import AgentDirectory, AgentTokens, check_password, hash_password
from handoff.attachments import display_name, sniff_type
from handoff.bot_replies import parse_bot_reply
from handoff.conversations import BOT, QUEUED, WITH_AGENT, ConversationStore
from handoff.keys import Keys
from handoff.rasa_client import BotUnavailable, RasaClient
from handoff.service import ConversationService
from handoff.sessions import SessionTokens
from handoff.settings import Settings
from tests.gateway.fake_rasa import FakeRasa


class RecordingNotifier:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str, Any]] = []

    async def to_customer(self, conversation_id: str, event: str, data: Any) -> None:
        self.sent.append(("customer", conversation_id, event, data))

    async def to_agent(self, username: str, event: str, data: Any) -> None:
        self.sent.append(("agent", username, event, data))

    async def to_agents(self, event: str, data: Any) -> None:
        self.sent.append(("agents", "", event, data))


def test_session_tokens_cannot_be_forged() -> None:
    tokens = SessionTokens("secret")
    conversation_id, token = tokens.issue()
    assert tokens.verify(token) == conversation_id
    assert SessionTokens("other secret").verify(token) is None
    flipped = token[:-1] + ("1" if token[-1] == "0" else "0")
    for forged in (
        conversation_id,
        flipped,
        f"{conversation_id}.",
        "",
        None,
        42,
        "." + token.split(".")[1],
        token + "." + token,
    ):
        assert tokens.verify(forged) is None
    assert len({tokens.issue()[0] for _ in range(1000)}) == 1000


def test_passwords_and_agent_tokens() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert check_password("correct horse", stored)
    assert not check_password("wrong", stored) and not check_password("x", "garbage")
    assert hash_password("same") != hash_password("same")  # salted
    tokens = AgentTokens("secret", ttl_s=60)
    token = tokens.issue("ada")
    assert tokens.verify(token) == "ada"
    assert AgentTokens("other", 60).verify(token) is None
    assert AgentTokens("secret", ttl_s=-1).verify(AgentTokens("secret", -1).issue("ada")) is None
    assert tokens.verify("bad.token") is None and tokens.verify(None) is None


def test_rasa_reply_parsing() -> None:
    reply = parse_bot_reply(
        [
            {"recipient_id": "c", "text": "A\n\nB", "buttons": [{"title": "Yes", "payload": "/y"}]},
            {"recipient_id": "c", "custom": answer_signal("returns", 0.9712345)},
            {"recipient_id": "c", "image": "https://x/y.png"},
            {"recipient_id": "c", "attachment": {"type": "template", "payload": {}}},
            {"recipient_id": "c", "custom": {"kind": "card"}},
            {"recipient_id": "c", "custom": handoff_signal(HandoffReason.LOW_CONFIDENCE, 0.3)},
        ]
    )
    texts = [e.get("text") for e in reply.entries]
    assert texts == ["A", "B", None, None, None]
    assert reply.entries[1]["quick_replies"] == [
        {"content_type": "text", "title": "Yes", "payload": "/y"}
    ]
    assert (reply.entries[1]["faq_id"], reply.entries[1]["confidence"]) == ("returns", 0.9712)
    assert reply.entries[2]["attachment"] == {
        "type": "image",
        "payload": {"src": "https://x/y.png"},
    }
    assert reply.entries[4]["custom"] == {"kind": "card"}
    assert reply.handoff is not None and reply.handoff["reason"] == "low_confidence"


def test_customer_view_hides_internals() -> None:
    assert entries.customer_view(entries.note("vip", "ada", "Ada")) is None
    assert entries.customer_view(entries.late(entries.bot_message(text="x"))) is None
    assert entries.customer_view(entries.system_event("requeued")) is None  # no text
    handoff = entries.system_event("handoff", text="wait", reason="low_confidence", confidence=0.3)
    view = entries.customer_view({**handoff, "id": "1-0"})
    assert view == {
        "id": "1-0",
        "ts": handoff["ts"],
        "role": "system",
        "text": "wait",
        "event": "handoff",
    }


def test_attachment_types_come_from_the_bytes() -> None:
    assert sniff_type(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert sniff_type(b"\xff\xd8\xff\xe1....") == "image/jpeg"
    assert sniff_type(b"GIF89a....") == "image/gif"
    assert sniff_type(b"RIFF\x10\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff_type(b"%PDF-1.7\n") == "application/pdf"
    for other in (
        b"",
        b"<svg",
        b"<html>",
        b"RIFF\x00\x00\x00\x00WAVE",
        b"PK\x03\x04",
        b"MZ",
        b" %PDF-1.4",
        b"\x89PNG",
    ):
        assert sniff_type(other) is None, other


def test_attachment_display_names_are_safe() -> None:
    assert display_name("../../etc/passwd", "image/png") == "passwd.png"
    assert display_name("C:\\Users\\me\\Screen Shot.PNG", "image/png") == "Screen Shot.PNG"
    assert display_name("a\x00b\u202e\r\n.png", "image/png") == "ab.png"
    assert display_name("photo.jpeg", "image/jpeg") == "photo.jpeg"
    assert display_name("report.exe", "application/pdf") == "report.exe.pdf"
    assert display_name("", "application/pdf") == "document.pdf"
    assert display_name(None, "image/gif") == "screenshot.gif"
    assert display_name(" ... ", "image/webp") == "screenshot.webp"
    long = display_name("x" * 500 + ".png", "image/png")
    assert len(long) == 100 and long.endswith(".png")


def test_settings_from_env() -> None:
    settings = Settings.from_env(
        {
            "GATEWAY_PORT": "9001",
            "BOT_TIMEOUT_S": "2.5",
            "REDIS_PREFIX": "x:",
            "CORS_ORIGINS": "https://a, https://b",
        }
    )
    assert (settings.gateway_port, settings.bot_timeout_s, settings.redis_prefix) == (
        9001,
        2.5,
        "x:",
    )
    assert settings.allowed_origins == ["https://a", "https://b"]
    assert Settings.from_env({}).allowed_origins == "*"
    assert Settings.from_env({}).gateway_port == 8000


@pytest.mark.asyncio
async def test_rasa_client_failures_become_bot_unavailable() -> None:
    async with FakeRasa() as rasa:
        client = RasaClient(rasa.url, timeout_s=0.5)
        assert (await client.send("c", "hi"))[0]["text"] == "You said: hi"
        rasa.status = 502
        with pytest.raises(BotUnavailable):
            await client.send("c", "hi")
        rasa.status, rasa.delay = 200, 1.0
        with pytest.raises(BotUnavailable):
            await client.send("c", "hi")
        await client.close()
    down = RasaClient(rasa.url, timeout_s=0.5)
    with pytest.raises(BotUnavailable):
        await down.send("c", "hi")
    await down.close()


@pytest.mark.asyncio
async def test_transitions_are_atomic_under_concurrent_claims(redis: Redis, prefix: str) -> None:
    """50 rounds, five claimers on separate Redis connections: one winner per round."""
    stores = [
        ConversationStore(
            Redis(
                host=redis.connection_pool.connection_kwargs["host"],
                port=redis.connection_pool.connection_kwargs["port"],
                decode_responses=True,
            ),
            Keys(prefix),
        )
        for _ in range(5)
    ]
    for round_ in range(50):
        cid = f"race-{round_}"
        await stores[0].create(cid)
        handed = await asyncio.gather(
            *(
                store.transition(
                    cid,
                    allowed=[BOT],
                    to=QUEUED,
                    queue="tail",
                    entry=entries.system_event("handoff", reason="customer_request"),
                )
                for store in stores
            )
        )
        assert sum(r.ok for r in handed) == 1  # request_human pressed five times at once
        claims = await asyncio.gather(
            *(
                store.transition(
                    cid,
                    allowed=[QUEUED],
                    to=WITH_AGENT,
                    queue="remove",
                    new_agent=f"agent{i}",
                    entry=entries.system_event("claimed", agent=f"agent{i}"),
                )
                for i, store in enumerate(stores)
            )
        )
        winners = [i for i, r in enumerate(claims) if r.ok]
        assert len(winners) == 1
        assert {r.previous_agent for r in claims if not r.ok} == {f"agent{winners[0]}"}
        conversation = await stores[0].get(cid)
        assert conversation and conversation.agent == f"agent{winners[0]}"
    assert await redis.zcard(Keys(prefix).queue) == 0
    for store in stores:
        await store._redis.close()


@pytest.mark.asyncio
async def test_service_without_sockets(redis: Redis, prefix: str, fake_rasa: FakeRasa) -> None:
    """The service is usable (and testable) with any notifier: here a recording one."""
    notifier = RecordingNotifier()
    settings = Settings(redis_prefix=prefix)
    service = ConversationService(redis, settings, notifier, RasaClient(fake_rasa.url, 5), "secret")
    opened = await service.open_session()
    await service.customer_message(opened.conversation_id, "hello")
    await service.bot_idle()
    utterances = [d for kind, _, event, d in notifier.sent if event == "bot_uttered"]
    assert utterances[-1]["text"] == "You said: hello"
    await service.customer_message(opened.conversation_id, "my wifi is broken")
    await service.bot_idle()
    conversation = await service.conversations.get(opened.conversation_id)
    assert conversation and (conversation.state, conversation.reason, conversation.confidence) == (
        QUEUED,
        "low_confidence",
        0.31,
    )
    # A stale handoff signal of an older generation changes nothing.
    assert not await service.hand_off(
        opened.conversation_id, "low_confidence", 0.2, expected_gen="0"
    )
    assert conversation.state != BOT
    await service.shutdown()


@pytest.mark.asyncio
async def test_accounts_from_file_and_cli(
    redis: Redis, prefix: str, tmp_path: Path, redis_server: RedisServer
) -> None:
    directory = AgentDirectory(redis, Keys(prefix))
    accounts = tmp_path / "agents.yml"
    accounts.write_text(
        "agents:\n"
        "  - {username: ada, name: Ada, password: pw, limit: 2}\n"
        f"  - {{username: bob, name: Bob, password_hash: '{hash_password('secret')}'}}\n"
    )
    assert await directory.load_file(str(accounts)) == 2
    ada = await directory.authenticate("ada", "pw")
    assert ada is not None and (ada.name, ada.limit) == ("Ada", 2)
    assert await directory.authenticate("bob", "secret") is not None
    assert await directory.authenticate("bob", "pw") is None
    assert await directory.authenticate("nobody", "pw") is None

    env = {
        **os.environ,
        "REDIS_HOST": redis_server.host,
        "REDIS_PORT": str(redis_server.port),
        "REDIS_PREFIX": prefix,
    }
    added = subprocess.run(
        [
            sys.executable,
            "-m",
            "handoff.agents",
            "add",
            "cy",
            "--name",
            "Cy Young",
            "--limit",
            "3",
            "--password-stdin",
        ],
        input="hunter2\n",
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "cy" in added.stdout
    stored = await redis.hget(Keys(prefix).agent("cy"), "password")
    assert stored and "hunter2" not in stored
    assert await directory.authenticate("cy", "hunter2") is not None
    listed = subprocess.run(
        [sys.executable, "-m", "handoff.agents", "list"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert {json.loads(line)["username"] for line in listed.stdout.splitlines()} == {
        "ada",
        "bob",
        "cy",
    }
