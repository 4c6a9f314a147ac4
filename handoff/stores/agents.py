"""Agent accounts and presence, kept in Redis.

Accounts come from `python -m handoff.accounts` or AGENTS_FILE, with salted scrypt hashes
(handoff/auth/passwords.py). Presence is the set of live connections per agent, refreshed
by a heartbeat, so a crashed gateway process does not leave its agents "online" forever.

    directory = AgentDirectory(redis, keys)
    await directory.add("ada", "Ada", "s3cret")
    agent = await directory.authenticate("ada", "s3cret")
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from redis.asyncio import Redis

from handoff.auth.passwords import DUMMY_HASH, check_password, hash_password
from handoff.protocol import Presence, RosterRow
from handoff.stores.keys import Keys

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
# A connection counts as live while its heartbeat is younger than this many seconds.
HEARTBEAT_INTERVAL_S = 5.0
CONNECTION_STALE_S = 3 * HEARTBEAT_INTERVAL_S


def valid_username(username: Any) -> bool:
    return isinstance(username, str) and bool(_USERNAME.match(username))


@dataclass(frozen=True)
class Agent:
    username: str
    name: str
    limit: int  # 0: the default limit applies


class AgentDirectory:
    """Accounts and presence of agents."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def add(
        self,
        username: str,
        name: str,
        password: str | None = None,
        *,
        password_hash: str | None = None,
        limit: int = 0,
    ) -> Agent:
        if not valid_username(username):
            raise ValueError(f"invalid username {username!r}: use a-z, 0-9, _ . - (max 40)")
        if not (password or password_hash):
            raise ValueError("a password or a password hash is required")
        stored = password_hash or hash_password(password or "")
        await self._redis.hset(
            self._keys.agent(username),
            mapping={"name": name or username, "password": stored, "limit": str(max(limit, 0))},
        )
        await self._redis.sadd(self._keys.agents, username)
        return Agent(username, name or username, max(limit, 0))

    async def remove(self, username: str) -> bool:
        removed = await self._redis.srem(self._keys.agents, username)
        await self._redis.delete(self._keys.agent(username))
        return bool(removed)

    async def get(self, username: str) -> Agent | None:
        raw = await self._redis.hgetall(self._keys.agent(username))
        if not raw or "password" not in raw:
            return None
        return Agent(username, raw.get("name", username), int(raw.get("limit") or 0))

    async def usernames(self) -> list[str]:
        return sorted(await self._redis.smembers(self._keys.agents))

    async def authenticate(self, username: Any, password: Any) -> Agent | None:
        """The agent when the password matches; takes as long for unknown usernames."""
        if not isinstance(password, str) or not valid_username(username):
            return None
        stored = await self._redis.hget(self._keys.agent(username), "password")
        matches = await asyncio.to_thread(check_password, password, stored or DUMMY_HASH)
        return await self.get(username) if matches and stored else None

    async def load_file(self, path: str) -> int:
        """Upsert the accounts of a YAML/JSON file: `agents: [{username, name, password |
        password_hash, limit}]`. Returns how many were loaded."""
        data = yaml.safe_load(Path(path).read_text()) or {}
        accounts = data.get("agents", []) if isinstance(data, dict) else data
        for account in accounts:
            await self.add(
                str(account["username"]),
                str(account.get("name") or ""),
                account.get("password"),
                password_hash=account.get("password_hash"),
                limit=int(account.get("limit") or 0),
            )
        return len(accounts)

    async def connected(self, username: str, connection: str) -> None:
        now = time.time()
        await self._redis.zadd(self._keys.agent_sockets(username), {connection: now})
        await self._redis.hset(self._keys.agent(username), "last_seen", f"{now:.3f}")
        await self._redis.hsetnx(self._keys.agent(username), "status", Presence.AVAILABLE)

    async def disconnected(self, username: str, connection: str) -> None:
        await self._redis.zrem(self._keys.agent_sockets(username), connection)
        await self._redis.hset(self._keys.agent(username), "last_seen", f"{time.time():.3f}")

    async def heartbeat(self, connections: dict[str, str]) -> None:
        """Refresh `{connection: username}` of this process, so they stay live."""
        if not connections:
            return
        now = time.time()
        async with self._redis.pipeline(transaction=False) as pipe:
            for connection, username in connections.items():
                pipe.zadd(self._keys.agent_sockets(username), {connection: now})
                pipe.hset(self._keys.agent(username), "last_seen", f"{now:.3f}")
            await pipe.execute()

    async def set_status(self, username: str, status: Presence) -> None:
        await self._redis.hset(self._keys.agent(username), "status", status)

    async def is_online(self, username: str) -> bool:
        live = await self._redis.zcount(
            self._keys.agent_sockets(username), time.time() - CONNECTION_STALE_S, "+inf"
        )
        return bool(live)

    async def roster(self, default_limit: int) -> list[RosterRow]:
        """The `agents` event: everyone with status (offline when not connected)."""
        usernames = await self.usernames()
        stale = time.time() - CONNECTION_STALE_S
        async with self._redis.pipeline(transaction=False) as pipe:
            for username in usernames:
                pipe.hmget(self._keys.agent(username), "name", "status", "limit")
                pipe.zcount(self._keys.agent_sockets(username), stale, "+inf")
                pipe.scard(self._keys.agent_chats(username))
            replies = await pipe.execute()
        roster: list[RosterRow] = []
        for index, username in enumerate(usernames):
            (name, status, limit), live, chats = replies[3 * index : 3 * index + 3]
            roster.append(
                {
                    "username": username,
                    "name": name or username,
                    "status": Presence(status or Presence.AVAILABLE) if live else Presence.OFFLINE,
                    "open_chats": int(chats),
                    "limit": int(limit or 0) or default_limit or None,
                }
            )
        return roster

    async def available_count(self) -> int:
        return sum(1 for agent in await self.roster(0) if agent["status"] is Presence.AVAILABLE)

    async def vanished(self, grace_s: float) -> list[str]:
        """Agents holding chats who have had no live connection for longer than `grace_s`."""
        now = time.time()
        gone = []
        for username in await self.usernames():
            if not await self._redis.scard(self._keys.agent_chats(username)):
                continue
            sockets = self._keys.agent_sockets(username)
            await self._redis.zremrangebyscore(sockets, "-inf", now - CONNECTION_STALE_S)
            if await self._redis.zcard(sockets):
                continue
            last_seen = float(await self._redis.hget(self._keys.agent(username), "last_seen") or 0)
            if now - last_seen > grace_s:
                gone.append(username)
        return gone
