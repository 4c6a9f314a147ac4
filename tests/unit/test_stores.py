"""The Redis stores: atomic transitions under races, accounts, attachments' checks."""

from __future__ import annotations

import asyncio
from pathlib import Path

from redis.asyncio import Redis

from handoff.auth.passwords import hash_password
from handoff.protocol import EntryEvent, State
from handoff.protocol.entries import system_event
from handoff.stores.agents import AgentDirectory
from handoff.stores.attachments import display_name, sniff_type
from handoff.stores.conversations import ConversationStore, QueueOp, Refusal
from handoff.stores.keys import Keys


async def test_transitions_are_atomic_under_concurrent_claims(redis: Redis, prefix: str) -> None:
    """50 rounds, five claimers on separate Redis connections: one winner per round."""
    address = redis.connection_pool.connection_kwargs
    clients = [
        Redis(host=address["host"], port=address["port"], decode_responses=True) for _ in range(5)
    ]
    stores = [ConversationStore(client, Keys(prefix)) for client in clients]
    for round_ in range(50):
        cid = f"race-{round_}"
        await stores[0].create(cid)
        handed = await asyncio.gather(
            *(
                store.transition(
                    cid,
                    allowed=[State.BOT],
                    to=State.QUEUED,
                    queue=QueueOp.TAIL,
                    entry=system_event(EntryEvent.HANDOFF, reason="customer_request"),
                )
                for store in stores
            )
        )
        assert sum(r.ok for r in handed) == 1  # request_human pressed five times at once
        claims = await asyncio.gather(
            *(
                store.transition(
                    cid,
                    allowed=[State.QUEUED],
                    to=State.WITH_AGENT,
                    queue=QueueOp.REMOVE,
                    new_agent=f"agent{i}",
                    entry=system_event(EntryEvent.CLAIMED, agent=f"agent{i}"),
                )
                for i, store in enumerate(stores)
            )
        )
        winners = [i for i, r in enumerate(claims) if r.ok]
        assert len(winners) == 1
        losers = [r for r in claims if not r.ok]
        assert {(r.refused, r.previous_state) for r in losers} == {
            (Refusal.STATE, State.WITH_AGENT)
        }
        assert {r.previous_agent for r in losers} == {f"agent{winners[0]}"}
        conversation = await stores[0].get(cid)
        assert conversation and conversation.agent == f"agent{winners[0]}"
    assert await redis.zcard(Keys(prefix).queue) == 0
    for client in clients:
        await client.close()


async def test_accounts_from_file(redis: Redis, prefix: str, tmp_path: Path) -> None:
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
