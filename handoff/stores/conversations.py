"""Conversation state machine in Redis: bot -> queued -> with_agent -> bot, and closed.

Each transition is one Lua script: it checks the current state (and owner), moves the
conversation in or out of the queue and the agents' chat sets, bumps the generation
counter, and appends the system entry that records why, all atomically. Two agents
claiming at once therefore cannot both win, and the transcript always says what happened.

    store = ConversationStore(redis, keys)
    await store.create("c1")
    result = await store.transition("c1", allowed=[BOT], to=QUEUED, queue="tail",
                                    entry=system_event("handoff", reason="customer_request"))
    result.ok  # False when the conversation was not with the bot any more
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Literal, Mapping, Sequence

from redis.asyncio import Redis

from handoff.entries import Entry
from handoff.keys import Keys
from handoff.transcript import encode

BOT = "bot"
QUEUED = "queued"
WITH_AGENT = "with_agent"
CLOSED = "closed"
STATES = (BOT, QUEUED, WITH_AGENT, CLOSED)

QueueOp = Literal["none", "remove", "tail", "head"]

_TRANSITION = """
local conv, stream, queue = KEYS[1], KEYS[2], KEYS[3]
local prefix, id = ARGV[1], ARGV[2]
local allowed = cjson.decode(ARGV[3])
local expected_agent, new_state = ARGV[4], ARGV[5]
local fields = cjson.decode(ARGV[6])
local entry, queue_op = ARGV[7], ARGV[8]
local now = tonumber(ARGV[9])
local new_agent, limit, expected_gen = ARGV[10], tonumber(ARGV[11]), ARGV[12]

local state = redis.call('HGET', conv, 'state')
if not state then return {'missing', '', ''} end
local agent = redis.call('HGET', conv, 'agent') or ''
local permitted = false
for _, s in ipairs(allowed) do
  if s == state then permitted = true end
end
if not permitted then return {'state', state, agent} end
if expected_gen ~= '' and redis.call('HGET', conv, 'gen') ~= expected_gen then
  return {'gen', state, agent}
end
if expected_agent ~= '' and agent ~= expected_agent then return {'agent', state, agent} end
if new_agent ~= '' and new_agent ~= agent and limit > 0
   and redis.call('SCARD', prefix .. 'agent_chats:' .. new_agent) >= limit then
  return {'limit', state, agent}
end
if agent ~= '' then redis.call('SREM', prefix .. 'agent_chats:' .. agent, id) end
if new_agent ~= '' then
  redis.call('SADD', prefix .. 'agent_chats:' .. new_agent, id)
  redis.call('HSET', conv, 'agent', new_agent)
else
  redis.call('HDEL', conv, 'agent', 'agent_name')
end
if queue_op == 'remove' then
  redis.call('ZREM', queue, id)
elseif queue_op == 'tail' then
  redis.call('ZADD', queue, now, id)
elseif queue_op == 'head' then
  local first = redis.call('ZRANGE', queue, 0, 0, 'WITHSCORES')
  local score = now
  if first[2] and tonumber(first[2]) < score then score = tonumber(first[2]) end
  redis.call('ZADD', queue, score - 1, id)
end
redis.call('HSET', conv, 'state', new_state)
redis.call('HINCRBY', conv, 'gen', 1)
for k, v in pairs(fields) do
  if v == '' then redis.call('HDEL', conv, k) else redis.call('HSET', conv, k, v) end
end
local entry_id = ''
if entry ~= '' then entry_id = redis.call('XADD', stream, '*', 'e', entry) end
return {'ok', state, agent, entry_id}
"""

_APPEND = """
local conv, stream = KEYS[1], KEYS[2]
local expected_gen, expected_agent, last_message, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local n = tonumber(ARGV[5])
local state = redis.call('HGET', conv, 'state')
if not state then return {'missing', '', '', ''} end
local gen = redis.call('HGET', conv, 'gen') or '0'
local agent = redis.call('HGET', conv, 'agent') or ''
if state == 'closed' then return {'closed', state, gen, agent} end
if expected_agent ~= '' and (state ~= 'with_agent' or agent ~= expected_agent) then
  return {'agent', state, gen, agent}
end
local offset, status = 5, 'ok'
if expected_gen ~= '' and (state ~= 'bot' or gen ~= expected_gen) then
  offset, status = 5 + n, 'late'
end
local result = {status, state, gen, agent}
for i = 1, n do
  table.insert(result, redis.call('XADD', stream, '*', 'e', ARGV[offset + i]))
end
if last_message ~= '' then
  redis.call('HSET', conv, 'last_message', last_message, 'last_activity', now)
end
return result
"""


@dataclass(frozen=True)
class Conversation:
    """A snapshot of one conversation's state hash."""

    id: str
    state: str
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

    @classmethod
    def from_hash(cls, conversation_id: str, raw: Mapping[str, str]) -> Conversation:
        def number(key: str) -> float | None:
            return float(raw[key]) if raw.get(key) else None

        return cls(
            id=conversation_id,
            state=raw.get("state", BOT),
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
        )

    def summary(self) -> dict[str, object]:
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
        }


@dataclass(frozen=True)
class TransitionResult:
    """`ok`, or why not (`refused`: missing/state/agent/gen/limit) and the state found."""

    ok: bool
    refused: str
    previous_state: str
    previous_agent: str
    entry: Entry | None = None


@dataclass(frozen=True)
class AppendResult:
    """`status` is ok, late (recorded, but the bot is no longer in charge), missing,
    closed or agent (the appending agent does not hold the conversation)."""

    status: str
    state: str
    gen: str
    agent: str
    entries: list[Entry]

    @property
    def appended(self) -> bool:
        return self.status in ("ok", "late")


class ConversationStore:
    """Creates conversations, reads their state and moves them through the state machine."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._transition = redis.register_script(_TRANSITION)
        self._append = redis.register_script(_APPEND)

    async def create(self, conversation_id: str) -> None:
        key = self._keys.conversation(conversation_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(key, "state", BOT)
            pipe.hsetnx(key, "gen", "0")
            pipe.hsetnx(key, "created_at", f"{time.time():.3f}")
            await pipe.execute()

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

    async def set_fields(self, conversation_id: str, values: Mapping[str, str]) -> None:
        mapping: dict[str | bytes, str] = {key: value for key, value in values.items()}
        await self._redis.hset(self._keys.conversation(conversation_id), mapping=mapping)

    async def chats_of(self, username: str) -> list[str]:
        return sorted(await self._redis.smembers(self._keys.agent_chats(username)))

    async def transition(
        self,
        conversation_id: str,
        *,
        allowed: Sequence[str],
        to: str,
        entry: Entry | None,
        expected_agent: str = "",
        new_agent: str = "",
        agent_limit: int = 0,
        queue: QueueOp = "none",
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
                self._keys.prefix,
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
            ],
        )
        status, previous_state, previous_agent = reply[0], reply[1], reply[2]
        if status != "ok":
            return TransitionResult(False, status, previous_state, previous_agent)
        stored = {**entry, "id": reply[3]} if entry else None
        return TransitionResult(True, "", previous_state, previous_agent, stored)

    async def append(
        self,
        conversation_id: str,
        entries: Sequence[Entry],
        *,
        late_entries: Sequence[Entry] | None = None,
        expected_gen: str = "",
        expected_agent: str = "",
        last_message: str = "",
    ) -> AppendResult:
        """Append entries in one step with the state they were appended in.

        With `expected_gen`, the entries are bot output for that generation: if the
        conversation left the bot since, `late_entries` are recorded instead.
        With `expected_agent`, only that agent's held conversation accepts them.
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
                *[encode(e) for e in entries],
                *[encode(e) for e in late_entries],
            ],
        )
        status, state, gen, agent, ids = reply[0], reply[1], reply[2], reply[3], reply[4:]
        chosen = late_entries if status == "late" else entries
        stored = (
            [{**entry, "id": entry_id} for entry, entry_id in zip(chosen, ids, strict=True)]
            if ids
            else []
        )
        return AppendResult(status, state, gen, agent, stored)
