"""Agent accounts and presence, kept in Redis.

Accounts come from `python -m handoff.accounts`, the admin API or AGENTS_FILE, with salted
scrypt hashes (handoff/auth/passwords.py), a role and a token generation: a new password,
a disabled or removed account bumps it, which invalidates every login token issued
before (handoff/auth/tokens.py). Presence is the set of live connections per agent, refreshed
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
from typing import Any, TypeGuard, Union

import yaml
from redis.asyncio import Redis

from handoff.auth.passwords import DUMMY_HASH, check_password, hash_password
from handoff.protocol import AgentRole, Presence, RosterRow
from handoff.protocol.shapes import AccountRow
from handoff.stores.keys import Keys

# What redis-py's hset takes as a mapping.
HashFields = dict[Union[str, bytes], Union[bytes, float, int, str]]
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
# A connection counts as live while its heartbeat is younger than this many seconds.
HEARTBEAT_INTERVAL_S = 5.0
CONNECTION_STALE_S = 3 * HEARTBEAT_INTERVAL_S


def valid_username(username: Any) -> TypeGuard[str]:
    return isinstance(username, str) and bool(_USERNAME.match(username))


@dataclass(frozen=True)
class Agent:
    username: str
    name: str
    limit: int  # 0: the default limit applies
    role: AgentRole = AgentRole.AGENT
    disabled: bool = False
    token_generation: int = 0

    @property
    def is_admin(self) -> bool:
        return self.role is AgentRole.ADMIN and not self.disabled

    def account(self) -> AccountRow:
        """The account as admins see it (never the password hash)."""
        return {
            "username": self.username,
            "name": self.name,
            "role": self.role,
            "disabled": self.disabled,
            "limit": self.limit,
        }


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
        role: AgentRole | None = None,
    ) -> Agent:
        """Create or update an account. Only a password that differs from the stored one
        is written, and only that revokes the agent's tokens: loading the same
        AGENTS_FILE at every start signs no one out."""
        if not valid_username(username):
            raise ValueError(f"invalid username {username!r}: use a-z, 0-9, _ . - (max 40)")
        if not (password or password_hash):
            raise ValueError("a password or a password hash is required")
        key = self._keys.agent(username)
        fields: HashFields = {"name": name or username, "limit": str(max(limit, 0))}
        if role is not None:
            fields["role"] = AgentRole(role)
        await self._redis.hset(key, mapping=fields)
        await self._redis.sadd(self._keys.agents, username)
        if not await self._same_password(username, password, password_hash):
            await self._set_password_hash(username, password_hash or hash_password(password or ""))
        agent = await self.get(username)
        assert agent is not None
        return agent

    async def set_password(self, username: str, password: str) -> bool:
        """A new password; every token issued before stops working. False: no such agent."""
        if await self.get(username) is None:
            return False
        await self._set_password_hash(username, hash_password(password))
        return True

    async def update(
        self,
        username: str,
        *,
        name: str | None = None,
        role: AgentRole | None = None,
        limit: int | None = None,
        disabled: bool | None = None,
    ) -> Agent | None:
        """Change an account's fields; disabling it revokes its tokens. None: no such agent."""
        agent = await self.get(username)
        if agent is None:
            return None
        fields: HashFields = {}
        if name is not None:
            fields["name"] = name or username
        if role is not None:
            fields["role"] = AgentRole(role)
        if limit is not None:
            fields["limit"] = str(max(limit, 0))
        if disabled is not None:
            fields["disabled"] = "1" if disabled else ""
        if fields:
            await self._redis.hset(self._keys.agent(username), mapping=fields)
        if disabled:
            await self.revoke_all(username)
        return await self.get(username)

    async def revoke_all(self, username: str) -> None:
        """Every login token of this agent issued so far stops working, on every process."""
        await self._redis.hincrby(self._keys.agent(username), "token_generation", 1)

    async def revoke_token(self, token_id: str, expires_at: int) -> None:
        """One login token stops working (logout); remembered until it would expire."""
        ttl = max(int(expires_at - time.time()), 1)
        await self._redis.set(self._keys.revoked_token(token_id), "1", ex=ttl)

    async def is_revoked(self, token_id: str) -> bool:
        return bool(await self._redis.exists(self._keys.revoked_token(token_id)))

    async def remove(self, username: str) -> bool:
        removed = await self._redis.srem(self._keys.agents, username)
        await self._redis.delete(self._keys.agent(username))
        return bool(removed)

    async def get(self, username: str) -> Agent | None:
        raw = await self._redis.hgetall(self._keys.agent(username))
        if not raw or "password" not in raw:
            return None
        return Agent(
            username,
            raw.get("name", username),
            int(raw.get("limit") or 0),
            AgentRole(raw.get("role") or AgentRole.AGENT),
            bool(raw.get("disabled")),
            int(raw.get("token_generation") or 0),
        )

    async def accounts(self) -> list[AccountRow]:
        found = [await self.get(username) for username in await self.usernames()]
        return [agent.account() for agent in found if agent is not None]

    async def usernames(self) -> list[str]:
        return sorted(await self._redis.smembers(self._keys.agents))

    async def authenticate(self, username: Any, password: Any) -> Agent | None:
        """The agent when the password matches and the account is enabled; takes as long
        for unknown usernames."""
        if not isinstance(password, str) or not valid_username(username):
            return None
        stored = await self._redis.hget(self._keys.agent(username), "password")
        matches = await asyncio.to_thread(check_password, password, stored or DUMMY_HASH)
        agent = await self.get(username) if matches and stored else None
        return agent if agent is not None and not agent.disabled else None

    async def connections(self, username: str) -> list[str]:
        """The agent's `<process>:<sid>` connections, live or not yet swept."""
        return list(await self._redis.zrange(self._keys.agent_sockets(username), 0, -1))

    async def _same_password(
        self, username: str, password: str | None, password_hash: str | None
    ) -> bool:
        stored = await self._redis.hget(self._keys.agent(username), "password")
        if not stored:
            return False
        if password_hash:
            return bool(password_hash == stored)
        return await asyncio.to_thread(check_password, password or "", stored)

    async def _set_password_hash(self, username: str, stored: str) -> None:
        await self._redis.hset(self._keys.agent(username), "password", stored)
        await self.revoke_all(username)

    async def load_file(self, path: str) -> int:
        """Upsert the accounts of a YAML/JSON file: `agents: [{username, name, password |
        password_hash, limit, role}]`. Returns how many were loaded."""
        data = yaml.safe_load(Path(path).read_text()) or {}
        accounts = data.get("agents", []) if isinstance(data, dict) else data
        for account in accounts:
            await self.add(
                str(account["username"]),
                str(account.get("name") or ""),
                account.get("password"),
                password_hash=account.get("password_hash"),
                limit=int(account.get("limit") or 0),
                role=AgentRole(account.get("role") or AgentRole.AGENT),
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

    async def mark_away(self, username: str) -> bool:
        """Record that the agent's last socket went; False when it was already recorded."""
        return bool(
            await self._redis.hsetnx(self._keys.agent(username), "away_since", f"{time.time():.3f}")
        )

    async def mark_back(self, username: str) -> bool:
        """Clear the absence; True when the agent had been recorded as away."""
        return bool(await self._redis.hdel(self._keys.agent(username), "away_since"))

    async def is_away(self, username: str) -> bool:
        """Lost their last socket and not back yet (an agent who never connected is not)."""
        return bool(await self._redis.hexists(self._keys.agent(username), "away_since"))

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
