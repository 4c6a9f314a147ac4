"""Conversation state machine in Redis: bot -> queued -> with_agent -> bot, and closed.

Each transition is one Lua script (lua/transition.lua): it checks the current state (and
owner), moves the conversation in or out of the queue and the agents' chat sets, bumps the
generation counter, and appends the system entry that records why, all atomically. Two agents
claiming at once therefore cannot both win, and the transcript always says what happened.
Both scripts run once per call even when the Redis client re-sends them after a lost reply
(`once.py`): no entry is recorded twice, no claim refused that succeeded.

    store = ConversationStore(redis, keys)
    await store.create("c1")
    result = await store.transition("c1", allowed=[State.BOT], to=State.QUEUED,
                                    queue=QueueOp.TAIL, entry=system_event(...))
    result.ok  # False when the conversation was not with the bot any more
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from redis.asyncio import Redis

from handoff.protocol import ConversationSummary, CustomerState, Entry, EntryEvent, QueueItem, State
from handoff.protocol.enums import WireEnum
from handoff.stores.inbox import InboxIndex, InboxTag, TagValue
from handoff.stores.keys import Keys
from handoff.stores.once import OnceScript
from handoff.stores.transcript import ENTRY_FIELD, encode

_LUA = Path(__file__).with_name("lua")
TITLE_CHARS = 120


class QueueOp(WireEnum):
    """What a transition does to the conversation's place in the queue."""

    NONE = "none"
    REMOVE = "remove"
    TAIL = "tail"
    HEAD = "head"


class Refusal(WireEnum):
    """Why a transition did not happen (lua/transition.lua)."""

    MISSING = "missing"  # no such conversation
    STATE = "state"  # not in an allowed state
    AGENT = "agent"  # held by someone else than expected
    GEN = "gen"  # moved on since the caller looked
    LIMIT = "limit"  # the new agent holds as many chats as allowed


class AppendStatus(WireEnum):
    """What an append met (lua/append.lua)."""

    OK = "ok"
    LATE = "late"  # recorded, but the bot is no longer in charge
    MISSING = "missing"
    CLOSED = "closed"
    AGENT = "agent"  # the appending agent does not hold the conversation


@dataclass(frozen=True)
class Conversation:
    """A snapshot of one conversation's state hash."""

    id: str
    state: State
    gen: str
    agent: str = ""
    agent_name: str = ""
    reason: str = ""
    confidence: float | None = None
    handoff_text: str = ""
    queued_at: float | None = None
    created_at: float | None = None
    last_message: str = ""
    contact: dict[str, str] = field(default_factory=dict)
    title: str = ""
    last_activity: float | None = None
    rating: int | None = None
    rating_comment: str = ""
    resolved_agent: str = ""
    visitor: str = ""
    first_page: dict[str, Any] = field(default_factory=dict)
    latest_page: dict[str, Any] = field(default_factory=dict)
    browser: str = ""

    @classmethod
    def from_hash(cls, conversation_id: str, raw: Mapping[str, str]) -> Conversation:
        def number(key: str) -> float | None:
            return float(raw[key]) if raw.get(key) else None

        return cls(
            id=conversation_id,
            state=State(raw.get("state", State.BOT)),
            gen=raw.get("gen", "0"),
            agent=raw.get("agent", ""),
            agent_name=raw.get("agent_name", ""),
            reason=raw.get("reason", ""),
            confidence=number("confidence"),
            handoff_text=raw.get("handoff_text", ""),
            queued_at=number("queued_at"),
            created_at=number("created_at"),
            last_message=raw.get("last_message", ""),
            contact=json.loads(raw["contact"]) if raw.get("contact") else {},
            title=raw.get("title", ""),
            last_activity=number("last_activity"),
            rating=int(raw["rating"]) if raw.get("rating") else None,
            rating_comment=raw.get("rating_comment", ""),
            resolved_agent=raw.get("resolved_agent", ""),
            visitor=raw.get("visitor", ""),
            first_page=json.loads(raw["first_page"]) if raw.get("first_page") else {},
            latest_page=json.loads(raw["latest_page"]) if raw.get("latest_page") else {},
            browser=raw.get("browser", ""),
        )

    def summary(self) -> ConversationSummary:
        """What agents see about a conversation (the `conversation` object of the protocol)."""
        return {
            "conversation_id": self.id,
            "state": self.state,
            "agent": self.agent or None,
            "agent_name": self.agent_name or None,
            "reason": self.reason or None,
            "confidence": self.confidence,
            "text": self.handoff_text or None,
            "queued_at": self.queued_at,
            "created_at": self.created_at,
            "last_message": self.last_message or None,
            "contact": self.contact or None,
            "title": self.title or None,
            "last_activity": self.last_activity,
            "rating": self.rating,
            "rating_comment": self.rating_comment or None,
        }

    def queue_item(self, now: float) -> QueueItem:
        """The summary plus how long the conversation has waited so far."""
        wait_s = round(now - self.queued_at, 1) if self.queued_at else None
        return {**self.summary(), "wait_s": wait_s}


@dataclass(frozen=True)
class TransitionResult:
    """Done (`refused` is None, `entry` is the recorded entry), or why not; and the state
    and agent the conversation had."""

    refused: Refusal | None
    previous_state: State | None
    previous_agent: str
    entry: Entry | None = None

    @property
    def ok(self) -> bool:
        return self.refused is None


@dataclass(frozen=True)
class AppendResult:
    """What the append met, the state it found, and the entries recorded (with ids)."""

    status: AppendStatus
    state: State | None
    gen: str
    agent: str
    entries: list[Entry]


class ConversationStore:
    """Creates conversations, reads their state and moves them through the state machine.

    A conversation the bot is in charge of is deleted by Redis after `idle_s` without a
    new entry (0: kept); queued and held ones are kept while people are on them. What is
    recorded is indexed for the agents' inbox (`inbox`) as it is recorded.
    """

    def __init__(
        self, redis: Redis, keys: Keys, idle_s: int = 0, inbox: InboxIndex | None = None
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._idle_s = idle_s
        self._inbox = inbox
        self._transition = OnceScript(redis, (_LUA / "transition.lua").read_text())
        self._append = OnceScript(redis, (_LUA / "append.lua").read_text())

    async def create(self, conversation_id: str, visitor: str = "") -> None:
        """A new conversation with the bot; `visitor` names the customer's browser (the
        id of the first conversation it had), so later ones find the earlier ones."""
        key = self._keys.conversation(conversation_id)
        visitor = visitor or conversation_id
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(key, "state", State.BOT)
            pipe.hsetnx(key, "gen", "0")
            pipe.hsetnx(key, "created_at", f"{time.time():.3f}")
            pipe.hsetnx(key, "visitor", visitor)
            if self._idle_s > 0:
                pipe.expire(key, self._idle_s)
            await pipe.execute()

    async def set_title(self, conversation_id: str, text: str) -> bool:
        """The first customer message names the chat; True when this one did."""
        key = self._keys.conversation(conversation_id)
        return bool(await self._redis.hsetnx(key, "title", " ".join(text.split())[:TITLE_CHARS]))

    async def get(self, conversation_id: str) -> Conversation | None:
        raw = await self._redis.hgetall(self._keys.conversation(conversation_id))
        return Conversation.from_hash(conversation_id, raw) if raw else None

    async def get_many(self, conversation_ids: Sequence[str]) -> list[Conversation]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for conversation_id in conversation_ids:
                pipe.hgetall(self._keys.conversation(conversation_id))
            raws = await pipe.execute()
        return [
            Conversation.from_hash(cid, raw)
            for cid, raw in zip(conversation_ids, raws, strict=True)
            if raw
        ]

    async def set_fields(
        self, conversation_id: str, values: Mapping[str, str], *, keep: Sequence[str] = ()
    ) -> None:
        """Set fields of the state hash; those named in `keep` only when not set yet."""
        key = self._keys.conversation(conversation_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            for name, value in values.items():
                if name in keep:
                    pipe.hsetnx(key, name, value)
                else:
                    pipe.hset(key, name, value)
            await pipe.execute()

    async def chats_of(self, username: str) -> list[str]:
        return sorted(await self._redis.smembers(self._keys.agent_chats(username)))

    async def transition(
        self,
        conversation_id: str,
        *,
        allowed: Sequence[State],
        to: State,
        entry: Entry | None,
        expected_agent: str = "",
        new_agent: str = "",
        agent_limit: int = 0,
        queue: QueueOp = QueueOp.NONE,
        fields: Mapping[str, str] | None = None,
        expected_gen: str = "",
    ) -> TransitionResult:
        """Move the conversation to `to` if its state is in `allowed` (and its agent is
        `expected_agent`, its generation `expected_gen`, when given), giving it to
        `new_agent` (or to nobody). `agent_limit` caps `new_agent`'s open chats."""
        now = time.time()
        reply = await self._transition(
            keys=[
                self._keys.conversation(conversation_id),
                self._keys.transcript(conversation_id),
                self._keys.queue,
            ],
            args=[
                self._keys.agent_chats(""),
                conversation_id,
                json.dumps(list(allowed)),
                expected_agent,
                to,
                json.dumps(dict(fields or {})),
                encode(entry) if entry else "",
                queue,
                f"{now:.3f}",
                new_agent,
                agent_limit,
                expected_gen,
                ENTRY_FIELD,
                State.BOT,
                self._idle_s,
            ],
            once=self._keys.calls(conversation_id),
        )
        status, previous_state, previous_agent = reply[0], _state(reply[1]), reply[2]
        if status != "ok":
            return TransitionResult(Refusal(status), previous_state, previous_agent)
        stored: Entry | None = {**entry, "id": reply[3]} if entry else None
        if self._inbox:
            resolved = bool(entry and entry.get("event") == EntryEvent.RESOLVED)
            tags = {
                InboxTag.STATE: TagValue(CustomerState.RESOLVED if resolved else to),
                InboxTag.AGENT: TagValue(new_agent),
                InboxTag.REASON: TagValue((fields or {}).get("reason", ""), first=True),
            }
            await self._inbox.index(conversation_id, entries=[stored] if stored else [], tags=tags)
        return TransitionResult(None, previous_state, previous_agent, stored)

    async def append(
        self,
        conversation_id: str,
        entries: Sequence[Entry],
        *,
        late_entries: Sequence[Entry] | None = None,
        expected_gen: str = "",
        expected_agent: str = "",
        last_message: str = "",
        token: str = "",
    ) -> AppendResult:
        """Append entries in one step with the state they were appended in.

        With `expected_gen`, the entries are bot output for that generation: if the
        conversation left the bot since, `late_entries` are recorded instead.
        With `expected_agent`, only that agent's held conversation accepts them.
        A caller that retries an append itself passes the same `token` (`new_token()`)
        each time: an append that was recorded is not recorded again.
        """
        late_entries = late_entries if late_entries is not None else entries
        reply = await self._append(
            keys=[self._keys.conversation(conversation_id), self._keys.transcript(conversation_id)],
            args=[
                expected_gen,
                expected_agent,
                last_message[:200],
                f"{time.time():.3f}",
                len(entries),
                State.BOT,
                State.WITH_AGENT,
                State.CLOSED,
                ENTRY_FIELD,
                self._idle_s,
                *[encode(e) for e in entries],
                *[encode(e) for e in late_entries],
            ],
            once=self._keys.calls(conversation_id),
            token=token,
        )
        status, state, gen, agent, ids = (
            AppendStatus(reply[0]),
            _state(reply[1]),
            reply[2],
            reply[3],
            reply[4:],
        )
        chosen = late_entries if status is AppendStatus.LATE else entries
        stored: list[Entry] = [
            {**entry, "id": entry_id} for entry, entry_id in zip(chosen, ids, strict=bool(ids))
        ]
        if self._inbox and stored and state is not None:
            tags = {InboxTag.STATE: TagValue(state, first=True)}
            await self._inbox.index(conversation_id, entries=stored, tags=tags)
        return AppendResult(status, state, gen, agent, stored)


def _state(raw: str) -> State | None:
    """A state a script found; '' when the conversation does not exist."""
    return State(raw) if raw else None
