"""A customer's data does not outlive its purpose: a closed conversation, its transcript,
Rasa's tracker and its attachments expire after RETENTION_S; one left with the bot expires
IDLE_RETENTION_S after its last message, one with people never; `python -m handoff.erase`
removes one conversation everywhere at once and says what it removed."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Awaitable, Callable

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from devstack.servers import RedisServer
from handoff import erase
from handoff.services import Services
from tests.unit.conftest import ServicesFactory

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest_asyncio.fixture
async def retained(build_services: ServicesFactory, prefix: str, tmp_path: Path) -> Services:
    """Services that keep closed conversations for one second, with their own Rasa keys
    and attachment folder."""
    built = build_services(
        retention_s=1,
        rasa_key_prefix=f"{prefix}rasa:",
        attachments_dir=str(tmp_path / "attachments"),
    )
    await built.stores.agents.add("ada", "Ada", "pw")
    return built


async def _held_chat_with_a_file(services: Services, redis: Redis, prefix: str) -> str:
    """A conversation an agent holds, with an attachment and a Rasa tracker."""
    opened = await services.customers.open_session()
    conversation_id = opened.conversation_id
    await services.customers.message(conversation_id, "hello")
    await services.bot.idle()
    await redis.set(f"{prefix}rasa:tracker:{conversation_id}", "{}", ex=3600)
    await services.customers.request_human(conversation_id)
    await services.agents.claim("ada", conversation_id)
    await services.customers.attachment(conversation_id, PDF, "invoice.pdf")
    return conversation_id


async def test_a_closed_conversation_expires_with_its_tracker_and_files(
    retained: Services, redis: Redis, prefix: str
) -> None:
    conversation_id = await _held_chat_with_a_file(retained, redis, prefix)
    keys = retained.stores.keys
    [attachment] = list(retained.stores.attachments.directory.iterdir())
    stored = [
        keys.conversation(conversation_id),
        keys.transcript(conversation_id),
        f"{prefix}rasa:tracker:{conversation_id}",
        keys.attachment(attachment.name),
    ]
    assert await redis.exists(*stored) == len(stored)
    await retained.agents.close("ada", conversation_id)

    async def gone() -> bool:
        return await redis.exists(*stored) == 0

    await _eventually(gone, "the closed conversation's keys to expire")
    assert await retained.stores.records.sweep_files() == 0  # a fresh upload is kept a while
    an_hour_ago = attachment.stat().st_mtime - 3700
    os.utime(attachment, (an_hour_ago, an_hour_ago))
    assert await retained.stores.records.sweep_files() == 1
    assert not attachment.exists()


async def test_erase_removes_one_conversation_everywhere(
    retained: Services,
    redis: Redis,
    prefix: str,
    redis_server: RedisServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    conversation_id = await _held_chat_with_a_file(retained, redis, prefix)
    other = await _held_chat_with_a_file(retained, redis, prefix)
    for name, value in {
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(redis_server.port),
        "REDIS_PREFIX": prefix,
        "RASA_KEY_PREFIX": f"{prefix}rasa:",
        "ATTACHMENTS_DIR": str(retained.stores.attachments.directory),
        "GATEWAY_SECRET": "secret",
    }.items():
        monkeypatch.setenv(name, value)
    assert await redis.exists(retained.stores.keys.calls(conversation_id))  # erased below
    token = retained.customers.sessions.token_for(conversation_id)
    assert await asyncio.to_thread(erase.main, [token]) == 0
    printed = capsys.readouterr().out
    for what in (
        f"conversation {conversation_id}: erased",
        "removed conversation state",
        "removed transcript (",
        "removed Rasa tracker",
        "removed attachment file",
        "removed chat held by agent ada",
        "removed place in the inbox's search index",
    ):
        assert what in printed, printed
    keys = retained.stores.keys
    assert (
        await redis.exists(
            keys.conversation(conversation_id),
            keys.transcript(conversation_id),
            keys.calls(conversation_id),
        )
        == 0
    )
    assert await retained.stores.conversations.chats_of("ada") == [other]
    assert (await retained.inbox.search({"q": "hello"}))["items"][0]["conversation_id"] == other
    assert len(list(retained.stores.attachments.directory.iterdir())) == 1  # the other's
    assert await asyncio.to_thread(erase.main, [conversation_id]) == 1
    assert "nothing stored" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        await asyncio.to_thread(erase.main, ["forged.token"])


async def _eventually(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    """Until an async condition holds (Redis expires keys on its own clock)."""
    deadline = asyncio.get_running_loop().time() + 5
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_a_conversation_left_with_the_bot_expires_after_its_last_message(
    build_services: ServicesFactory, redis: Redis
) -> None:
    """Customers who only ever talked to the bot are not kept for ever either; while a
    person is on the conversation nothing expires."""
    services = build_services(idle_retention_s=600)
    await services.stores.agents.add("ada", "Ada", "pw")
    keys = services.stores.keys
    opened = await services.customers.open_session()
    cid = opened.conversation_id
    state, transcript = keys.conversation(cid), keys.transcript(cid)

    async def ttls() -> list[int]:
        return [await redis.ttl(state), await redis.ttl(transcript)]

    assert 0 < await redis.ttl(state) <= 600  # opened, nothing said yet
    await services.customers.message(cid, "hello")
    await services.bot.idle()
    assert all(0 < ttl <= 600 for ttl in await ttls())
    await services.customers.request_human(cid)
    assert await ttls() == [-1, -1]  # queued: kept
    await services.agents.claim("ada", cid)
    await services.customers.message(cid, "are you there?")
    assert await ttls() == [-1, -1]  # held: kept
    await services.agents.resolve("ada", cid)
    assert all(0 < ttl <= 600 for ttl in await ttls())  # the bot again: the clock runs
