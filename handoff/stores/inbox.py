"""The inbox index: every conversation findable by the words of its transcript and by its
tags (state, agent, handoff reason, rating, the customer's email and browser), newest first.

Redis Search is not in Debian's redis-server, so the gateway keeps its own inverted index
in plain sorted sets: one per word and one per tag value, each scoring a conversation by
when it started. A search intersects the sets it names (lua/inbox_search.lua) and reads
one page by score, so a date range costs nothing extra. Indexing happens as entries are
recorded (ConversationStore calls `index`); erasing a conversation takes it out at once
(`remove`), and a closed one leaves when its retention ends (`expire`, then `sweep`).

    inbox = InboxIndex(redis, Keys("handoff:"))
    await inbox.index("c1", entries=[{"role": "customer", "text": "Where is my parcel?"}],
                      tags={InboxTag.STATE: TagValue("bot", first=True)})
    page = await inbox.search(InboxQuery(text="parcel", tags={InboxTag.STATE: "bot"}))
    page.total, page.ids   # 1, ["c1"]
"""

from __future__ import annotations

import re
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from redis.asyncio import Redis

from handoff.protocol import Entry, Role
from handoff.protocol.enums import WireEnum
from handoff.stores.keys import Keys

_LUA = Path(__file__).with_name("lua")
_WORD = re.compile(r"\w+")
MIN_WORD_CHARS = 2
MAX_WORD_CHARS = 40
# A pasted log cannot grow the index without bound: the first distinct words count.
MAX_WORDS_PER_ENTRY = 300
MAX_QUERY_WORDS = 8
_TEXT_FIELDS = ("text", "summary", "comment")


class InboxTag(WireEnum):
    """What the inbox filters by (besides words and the start date)."""

    STATE = "state"  # a CustomerState: bot, queued, with_agent, resolved, closed
    AGENT = "agent"  # the last agent who held the conversation
    REASON = "reason"  # why the bot first handed it off
    RATING = "rating"  # the customer's score, 1..5
    EMAIL = "email"  # the email the customer left (lower case)
    VISITOR = "visitor"  # the customer's browser: conversations started in the same one


@dataclass(frozen=True)
class TagValue:
    """A tag's new value; `first`: keep a value the conversation already has."""

    value: str
    first: bool = False


@dataclass(frozen=True)
class InboxQuery:
    """Words that must all occur, tag values that must all hold, a start-time range."""

    text: str = ""
    tags: Mapping[InboxTag, str] = field(default_factory=dict)
    since: float | None = None
    until: float | None = None
    offset: int = 0
    limit: int = 20


@dataclass(frozen=True)
class InboxPage:
    total: int  # how many conversations match
    ids: list[str]  # this page of them, newest first


def words(text: str) -> list[str]:
    """The distinct searchable words of a text: case- and accent-folded, in order."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    seen: dict[str, None] = {}
    for word in _WORD.findall(plain):
        if MIN_WORD_CHARS <= len(word) <= MAX_WORD_CHARS and word not in seen:
            seen[word] = None
    return list(seen)


def entry_words(entries: Iterable[Entry]) -> set[str]:
    """Every word people wrote in the entries: customers, agents and their notes, contact
    details, rating comments, email summaries. The bot's answers are the FAQ's own words,
    in most conversations alike: indexing them would only blur what agents look for."""
    found: set[str] = set()
    for entry in entries:
        if entry.get("role") == Role.BOT:
            continue
        for name in _TEXT_FIELDS:
            value = entry.get(name)
            if isinstance(value, str):
                found.update(words(value)[:MAX_WORDS_PER_ENTRY])
        contact = entry.get("contact")
        if isinstance(contact, dict):
            found.update(words(" ".join(str(value) for value in contact.values())))
    return found


class InboxIndex:
    """Keeps and searches the inbox's inverted index (see the module docstring)."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._index = redis.register_script((_LUA / "inbox_index.lua").read_text())
        self._remove = redis.register_script((_LUA / "inbox_remove.lua").read_text())
        self._search = redis.register_script((_LUA / "inbox_search.lua").read_text())

    async def index(
        self,
        conversation_id: str,
        *,
        entries: Sequence[Entry] = (),
        tags: Mapping[InboxTag, TagValue] | None = None,
        started_at: float | None = None,
    ) -> None:
        """Add the entries' words and set the tags; a conversation new to the index
        started `started_at` (default: now)."""
        keys = self._keys
        found = sorted(entry_words(entries))
        triples: list[str] = []
        for tag, tag_value in (tags or {}).items():
            if tag_value.value:
                key = keys.inbox_tag(tag, tag_value.value)
                triples += [tag, key, "first" if tag_value.first else "set"]
        if not found and not triples:
            return
        await self._index(
            keys=[
                keys.inbox_all,
                keys.inbox_words_of(conversation_id),
                keys.inbox_tags_of(conversation_id),
            ],
            args=[
                conversation_id,
                f"{time.time() if started_at is None else started_at:.6f}",
                keys.inbox_word(""),
                len(triples) // 3,
                *triples,
                *found,
            ],
        )

    async def remove(self, conversation_id: str) -> bool:
        """Take the conversation out of the index; whether it was in."""
        keys = self._keys
        removed = await self._remove(
            keys=[
                keys.inbox_all,
                keys.inbox_words_of(conversation_id),
                keys.inbox_tags_of(conversation_id),
                keys.inbox_expiry,
            ],
            args=[conversation_id, keys.inbox_word("")],
        )
        return bool(removed)

    async def expire(self, conversation_id: str, after_s: int) -> None:
        """The conversation leaves the index `after_s` from now (with its retention)."""
        await self._redis.zadd(self._keys.inbox_expiry, {conversation_id: time.time() + after_s})

    async def sweep(self, now: float | None = None) -> int:
        """Remove the conversations whose retention ended; how many."""
        due = await self._redis.zrangebyscore(
            self._keys.inbox_expiry, "-inf", now if now is not None else time.time()
        )
        for conversation_id in due:
            await self.remove(conversation_id)
        return len(due)

    async def started_between(self, since: float, until: float) -> list[str]:
        """Every indexed conversation that started in [since, until], oldest first (all of
        a period, for insights; some may have expired since)."""
        return list(await self._redis.zrangebyscore(self._keys.inbox_all, since, until))

    async def search(self, query: InboxQuery) -> InboxPage:
        """One page of the conversations that match, newest start first."""
        keys = self._keys
        sets = [keys.inbox_word(word) for word in words(query.text)[:MAX_QUERY_WORDS]]
        sets += [keys.inbox_tag(tag, value) for tag, value in query.tags.items() if value]
        reply = await self._search(
            keys=[keys.inbox_all, keys.inbox_scratch(uuid.uuid4().hex), *sets],
            args=[
                "-inf" if query.since is None else query.since,
                "+inf" if query.until is None else query.until,
                max(0, query.offset),
                max(1, query.limit),
            ],
        )
        return InboxPage(int(reply[0]), [str(conversation_id) for conversation_id in reply[1:]])
