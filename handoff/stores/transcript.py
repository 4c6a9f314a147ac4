"""TranscriptStore: one Redis stream per conversation, ids assigned by Redis.

Every message is appended here before anyone is told about it, so a reader that asks for
"everything after id X" never misses or repeats an entry.

    store = TranscriptStore(redis, Keys("handoff:"))
    everything = await store.read("c1")
    later = await store.read("c1", after=everything[-1]["id"])
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Sequence, cast

from redis.asyncio import Redis

from handoff.protocol import Entry
from handoff.stores.keys import Keys

ENTRY_FIELD = "e"
_READ_MANY = (Path(__file__).with_name("lua") / "read_many.lua").read_text()
_ENTRY_ID = re.compile(r"^\d{1,20}-\d{1,20}$")


def is_entry_id(value: Any) -> bool:
    return isinstance(value, str) and bool(_ENTRY_ID.match(value))


def encode(entry: Entry) -> str:
    """Stored form of an entry (without its id, which is the stream id)."""
    return json.dumps(
        {key: value for key, value in entry.items() if key != "id"},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decode(entry_id: str, raw: str) -> Entry:
    return cast(Entry, {"id": entry_id, **json.loads(raw)})


class TranscriptStore:
    """Reads transcripts; every append goes through ConversationStore, with the state."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._read_many = redis.register_script(_READ_MANY)

    async def read(self, conversation_id: str, after: str | None = None) -> list[Entry]:
        """All entries, or those after `after` (exclusive), oldest first."""
        start = f"({after}" if after else "-"
        rows = await self._redis.xrange(self._keys.transcript(conversation_id), min=start)
        return [decode(entry_id, fields[ENTRY_FIELD]) for entry_id, fields in rows]

    async def read_many(self, conversation_ids: Sequence[str]) -> list[list[Entry]]:
        """Whole transcripts of many conversations in one round trip ([] for a missing
        one); each comes back as one JSON array, which spares the client parsing every
        entry's fields (reading a period's transcripts for insights)."""
        if not conversation_ids:
            return []
        keys = [self._keys.transcript(conversation_id) for conversation_id in conversation_ids]
        arrays = await self._read_many(keys=keys, args=[ENTRY_FIELD])
        return [cast(list[Entry], json.loads(array)) for array in arrays]

    async def up_to(self, conversation_id: str, entry_id: str, count: int) -> list[Entry]:
        """The entry `entry_id` (if it exists) and up to `count - 1` before it, newest first."""
        rows = await self._redis.xrevrange(
            self._keys.transcript(conversation_id), max=entry_id, count=count
        )
        return [decode(row_id, fields[ENTRY_FIELD]) for row_id, fields in rows]

    async def latest(self, conversation_id: str, count: int) -> list[Entry]:
        """The last `count` entries, newest first."""
        rows = await self._redis.xrevrange(self._keys.transcript(conversation_id), count=count)
        return [decode(entry_id, fields[ENTRY_FIELD]) for entry_id, fields in rows]
