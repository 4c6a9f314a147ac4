"""Rasa's per-conversation ticket lock, made atomic in Redis so several Rasa workers can share it.

Rasa 3.6's RedisLockStore reads a lock, changes it in Python and writes it back: two
workers that take a ticket for the same conversation at once can both get ticket 0, both
run, and the later tracker save drops the other's events. It also blocks the event loop
on seven Redis round trips per message. Here each step is one Lua script, run atomically
by Redis on a sorted set of live tickets (member: ticket number, score: expiry time):
taking a ticket, checking whose turn it is, and handing the lock on. A message whose
conversation is idle costs two asynchronous round trips.

endpoints.yml:  lock_store: {type: bot.lock_store.AtomicRedisLockStore, url: ..., port: ...}
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

import redis.asyncio
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import RedisError

# Shared by the scripts: the server's clock in ms (every worker agrees on it) and the
# lowest live ticket, after dropping the expired ones.
_HELPERS = """
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function first_live_ticket(tickets)
  redis.call('ZREMRANGEBYSCORE', tickets, '-inf', now_ms())
  local lowest = nil
  for _, member in ipairs(redis.call('ZRANGE', tickets, 0, -1)) do
    local number = tonumber(member)
    if lowest == nil or number < lowest then lowest = number end
  end
  return lowest
end
"""
# KEYS: tickets, counter. ARGV: lifetime in ms. Returns {ticket, 1 if it may go now}.
_TAKE_TICKET = (
    _HELPERS
    + """
local first = first_live_ticket(KEYS[1])
if first == nil then redis.call('DEL', KEYS[2]) end
local ticket = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], now_ms() + tonumber(ARGV[1]), ticket)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
if first == nil then return {ticket, 1} end
return {ticket, 0}
"""
)
# KEYS: tickets. ARGV: ticket. Returns 1 (its turn), 0 (wait) or -1 (it expired).
_CHECK_TURN = (
    _HELPERS
    + """
local first = first_live_ticket(KEYS[1])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false then return -1 end
if first == tonumber(ARGV[1]) then return 1 end
return 0
"""
)
# KEYS: tickets, counter. ARGV: ticket.
_RETURN_TICKET = (
    _HELPERS
    + """
redis.call('ZREM', KEYS[1], ARGV[1])
if first_live_ticket(KEYS[1]) == nil then redis.call('DEL', KEYS[1], KEYS[2]) end
return 1
"""
)
FIRST_POLL_S = 0.005


class AtomicRedisLockStore(LockStore):
    """A ticket lock per conversation: messages of one conversation run one at a time, in order."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        settings: dict[str, Any] = endpoint_config.kwargs
        self._redis = redis.asyncio.Redis(
            host=endpoint_config.url or "localhost",
            port=int(settings.get("port", 6379)),
            db=int(settings.get("db", 0)),
            username=settings.get("username"),
            password=settings.get("password"),
            socket_timeout=float(settings.get("socket_timeout", 10)),
        )
        prefix = settings.get("key_prefix")
        self._key_prefix = f"{prefix}:lock:" if prefix else "lock:"
        self._take_ticket = self._redis.register_script(_TAKE_TICKET)
        self._check_turn = self._redis.register_script(_CHECK_TURN)
        self._return_ticket = self._redis.register_script(_RETURN_TICKET)
        super().__init__()

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        """Hold the conversation's lock; raise LockError if the ticket expires while waiting."""
        tickets, counter = self._keys(conversation_id)
        lifetime_ms = max(1, int(lock_lifetime * 1000))
        try:
            ticket, may_go = await self._take_ticket(keys=[tickets, counter], args=[lifetime_ms])
        except RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        try:
            if not may_go:
                await self._wait_for_turn(conversation_id, int(ticket), wait_time_in_seconds)
            expires = time.time() + lock_lifetime
            yield TicketLock(conversation_id, deque([Ticket(int(ticket), expires)]))
        finally:
            with contextlib.suppress(RedisError):  # if Redis is gone, the ticket expires
                await self._return_ticket(keys=[tickets, counter], args=[int(ticket)])

    async def _wait_for_turn(self, conversation_id: str, ticket: int, max_poll_s: float) -> None:
        tickets, _ = self._keys(conversation_id)
        poll_s = min(FIRST_POLL_S, max_poll_s)
        while True:
            await asyncio.sleep(poll_s)
            try:
                turn = await self._check_turn(keys=[tickets], args=[ticket])
            except RedisError as error:
                raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
            if turn == 1:
                return
            if turn == -1:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            poll_s = min(poll_s * 2, max_poll_s)

    def _keys(self, conversation_id: str) -> tuple[str, str]:
        key = self._key_prefix + conversation_id
        return key, key + ":next"
