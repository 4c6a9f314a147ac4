"""Everything kept about one conversation, found in one place: expired once it is closed
(RETENTION_S), or erased at once when a customer asks (`python -m handoff.erase`).

A conversation's data: its state hash, its transcript, Rasa's tracker and lock keys (the
prefix of endpoints.yml), its attachments (metadata in Redis, bytes on disk), its place in
the queue, the inbox's search index and agents' chat sets, widget presence, mail
scheduling and unsent mail, and the agents' replies in it marked as good answers.
Redis expires keys by itself; attachment files whose metadata expired are deleted by a
sweep (`sweep_files`).

    records = ConversationRecords(redis, keys, transcripts, attachments, inbox, "rasa:")
    await records.expire("c1", after_s=30 * 86400)    # at close
    removed = await records.erase("c1")               # what was removed, for the operator
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from redis.asyncio import Redis

from handoff.stores.attachments import AttachmentStore
from handoff.stores.inbox import InboxIndex
from handoff.stores.keys import Keys
from handoff.stores.transcript import TranscriptStore

# A file younger than this may be an upload whose metadata is being written: kept.
_UPLOAD_GRACE_S = 3600.0
_ATTACHMENT_SRC = "/api/attachments/"
TRANSCRIPT = "transcript"


class ConversationRecords:
    """Expires or erases one conversation's data everywhere it is kept."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        transcripts: TranscriptStore,
        attachments: AttachmentStore,
        inbox: InboxIndex,
        rasa_prefix: str,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._transcripts = transcripts
        self._attachments = attachments
        self._inbox = inbox
        self._rasa_prefix = rasa_prefix

    async def expire(self, conversation_id: str, after_s: int) -> None:
        """Redis deletes the conversation's keys `after_s` from now (0: keep forever)."""
        if after_s <= 0:
            return
        await self._inbox.expire(conversation_id, after_s)
        attachments = await self._attachment_ids(conversation_id)
        keys = list(self._keys_of(conversation_id, attachments).values())
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.expire(key, after_s)
            await pipe.execute()

    async def erase(self, conversation_id: str) -> list[str]:
        """Delete everything of the conversation now; says what existed and was removed."""
        removed: list[str] = []
        conversation = await self._redis.hgetall(self._keys.conversation(conversation_id))
        entries = await self._redis.xlen(self._keys.transcript(conversation_id))
        attachments = await self._attachment_ids(conversation_id)
        for what, key in self._keys_of(conversation_id, attachments).items():
            if await self._redis.delete(key):
                removed.append(f"{what} ({entries} entries)" if what == TRANSCRIPT else what)
        for attachment_id in attachments:
            path = self._attachments.directory / attachment_id
            if path.is_file():
                await asyncio.to_thread(path.unlink, missing_ok=True)
                removed.append(f"attachment file {path}")
        if await self._inbox.remove(conversation_id):
            removed.append("place in the inbox's search index")
        if await self._redis.zrem(self._keys.queue, conversation_id):
            removed.append("place in the queue")
        await self._redis.srem(self._keys.taught_conversations, conversation_id)
        holders = {conversation.get("agent") or ""} | set(
            await self._redis.smembers(self._keys.agents)
        )
        for username in sorted(holders - {""}):
            if await self._redis.srem(self._keys.agent_chats(username), conversation_id):
                removed.append(f"chat held by agent {username}")
        if await self._redis.zrem(self._keys.mail_due, conversation_id):
            removed.append("scheduled email")
        unsent = [
            entry_id
            for entry_id, fields in await self._redis.xrange(self._keys.outbox)
            if fields.get("conversation_id") == conversation_id
        ]
        if unsent:
            await self._redis.xdel(self._keys.outbox, *unsent)
            removed.append(f"{len(unsent)} unsent emails")
        return removed

    async def sweep_files(self) -> int:
        """Delete attachment files whose metadata expired (or was erased); how many."""
        directory = self._attachments.directory
        if not directory.is_dir():
            return 0
        old = time.time() - _UPLOAD_GRACE_S
        candidates = [
            path
            for path in await asyncio.to_thread(lambda: list(directory.iterdir()))
            if path.is_file() and not path.name.startswith(".") and path.stat().st_mtime < old
        ]
        orphans = [
            path
            for path in candidates
            if not await self._redis.exists(self._keys.attachment(path.name))
        ]
        for path in orphans:
            await asyncio.to_thread(path.unlink, missing_ok=True)
        return len(orphans)

    def _keys_of(self, conversation_id: str, attachments: list[str]) -> dict[str, str]:
        """Every Redis key of the conversation, by what it holds."""
        lock = f"{self._rasa_prefix}lock:{conversation_id}"
        keys = {
            "conversation state": self._keys.conversation(conversation_id),
            TRANSCRIPT: self._keys.transcript(conversation_id),
            "recent call results": self._keys.calls(conversation_id),
            "Rasa tracker": f"{self._rasa_prefix}tracker:{conversation_id}",
            "Rasa lock": lock,
            "Rasa lock counter": f"{lock}:next",
            "widget presence": self._keys.customer_sockets(conversation_id),
            "answers marked good": self._keys.taught(conversation_id),
        }
        for attachment_id in attachments:
            keys[f"attachment {attachment_id}"] = self._keys.attachment(attachment_id)
        return keys

    async def _attachment_ids(self, conversation_id: str) -> list[str]:
        ids = []
        for entry in await self._transcripts.read(conversation_id):
            source = (entry.get("attachment") or {}).get("payload", {}).get("src", "")
            if isinstance(source, str) and source.startswith(_ATTACHMENT_SRC):
                ids.append(Path(source).name)
        return ids
