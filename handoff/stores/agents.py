"""Agent accounts, login tokens and presence, all kept in Redis.

Accounts come from the CLI (salted scrypt hashes) or from AGENTS_FILE; a login returns a
signed, expiring token that the /agents Socket.IO handshake must carry. Presence is the
set of live connections per agent, refreshed by a heartbeat, so a crashed gateway process
does not leave its agents "online" forever.

    python -m handoff.agents add ada --name "Ada Lovelace" --limit 3   # prompts for password
    python -m handoff.agents hash-password                             # for AGENTS_FILE
    python -m handoff.agents list
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import getpass
import hashlib
import hmac
import json
import logging
import re
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import yaml
from redis.asyncio import Redis

from handoff.keys import Keys

log = logging.getLogger(__name__)

AVAILABLE = "available"
AWAY = "away"
OFFLINE = "offline"
PRESENCE_STATES = (AVAILABLE, AWAY)

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
# A connection counts as live while its heartbeat is younger than this many seconds.
HEARTBEAT_INTERVAL_S = 5.0
CONNECTION_STALE_S = 3 * HEARTBEAT_INTERVAL_S


def valid_username(username: Any) -> bool:
    return isinstance(username, str) and bool(_USERNAME.match(username))


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$hash`, safe to store in Redis or in AGENTS_FILE."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=int(r), p=int(p)
        )
    except ValueError:
        return False
    return hmac.compare_digest(computed.hex(), digest)


_DUMMY_HASH = hash_password(secrets.token_hex(8))


@dataclass(frozen=True)
class Agent:
    username: str
    name: str
    limit: int  # 0: the default limit applies


class AgentTokens:
    """Stateless login tokens: `<base64 username:expiry>.<HMAC>`."""

    def __init__(self, secret: str, ttl_s: int) -> None:
        self._key = hashlib.sha256(b"agent-login:" + secret.encode()).digest()
        self._ttl = ttl_s

    def issue(self, username: str) -> str:
        body = base64.urlsafe_b64encode(f"{username}:{int(time.time()) + self._ttl}".encode())
        return f"{body.decode()}.{self._sign(body)}"

    def verify(self, token: Any) -> str | None:
        """The username of a genuine, unexpired token; None otherwise."""
        if not isinstance(token, str) or token.count(".") != 1 or len(token) > 300:
            return None
        body, signature = token.split(".")
        if not hmac.compare_digest(signature, self._sign(body.encode())):
            return None
        username, _, expiry = base64.urlsafe_b64decode(body).decode().rpartition(":")
        return username if expiry.isdigit() and int(expiry) > time.time() else None

    def _sign(self, body: bytes) -> str:
        return hmac.new(self._key, body, hashlib.sha256).hexdigest()


class AgentDirectory:
    """Accounts and presence of agents.

    directory = AgentDirectory(redis, keys)
    await directory.add("ada", "Ada", "s3cret")
    agent = await directory.authenticate("ada", "s3cret")
    """

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    # accounts ---------------------------------------------------------------------------
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
        matches = await asyncio.to_thread(check_password, password, stored or _DUMMY_HASH)
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

    # presence ---------------------------------------------------------------------------
    async def connected(self, username: str, connection: str) -> None:
        now = time.time()
        await self._redis.zadd(self._keys.agent_sockets(username), {connection: now})
        await self._redis.hset(self._keys.agent(username), "last_seen", f"{now:.3f}")
        await self._redis.hsetnx(self._keys.agent(username), "status", AVAILABLE)

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

    async def set_status(self, username: str, status: str) -> None:
        await self._redis.hset(self._keys.agent(username), "status", status)

    async def is_online(self, username: str) -> bool:
        live = await self._redis.zcount(
            self._keys.agent_sockets(username), time.time() - CONNECTION_STALE_S, "+inf"
        )
        return bool(live)

    async def roster(self, default_limit: int) -> list[dict[str, Any]]:
        """The `agents` event: everyone with status (offline when not connected)."""
        usernames = await self.usernames()
        stale = time.time() - CONNECTION_STALE_S
        async with self._redis.pipeline(transaction=False) as pipe:
            for username in usernames:
                pipe.hmget(self._keys.agent(username), "name", "status", "limit")
                pipe.zcount(self._keys.agent_sockets(username), stale, "+inf")
                pipe.scard(self._keys.agent_chats(username))
            replies = await pipe.execute()
        roster = []
        for index, username in enumerate(usernames):
            (name, status, limit), live, chats = replies[3 * index : 3 * index + 3]
            roster.append(
                {
                    "username": username,
                    "name": name or username,
                    "status": (status or AVAILABLE) if live else OFFLINE,
                    "open_chats": int(chats),
                    "limit": int(limit or 0) or default_limit or None,
                }
            )
        return roster

    async def available_count(self) -> int:
        return sum(1 for agent in await self.roster(0) if agent["status"] == AVAILABLE)

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


# CLI ----------------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m handoff.agents", description="Manage agent accounts (stored in Redis)."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create or update an agent")
    add.add_argument("username")
    add.add_argument("--name", default="", help="name shown to customers")
    add.add_argument("--limit", type=int, default=0, help="max open chats (0: default)")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from stdin instead of prompting",
    )
    remove = commands.add_parser("remove", help="delete an agent")
    remove.add_argument("username")
    commands.add_parser("list", help="list agents")
    commands.add_parser("hash-password", help="print a password hash for AGENTS_FILE")
    return parser


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Repeat: "):
        raise SystemExit("passwords differ")
    return password


async def _run(args: argparse.Namespace) -> int:
    from handoff.settings import Settings

    settings = Settings.from_env()
    redis = Redis(
        host=settings.redis_host,
        port=settings.redis_port,
        db=settings.redis_db,
        decode_responses=True,
    )
    directory = AgentDirectory(redis, Keys(settings.redis_prefix))
    try:
        if args.command == "add":
            password = _read_password(args.password_stdin)
            if not password:
                raise SystemExit("empty password")
            agent = await directory.add(args.username, args.name, password, limit=args.limit)
            print(f"agent {agent.username} ({agent.name}) saved")
        elif args.command == "remove":
            found = await directory.remove(args.username)
            print(f"agent {args.username} {'removed' if found else 'not found'}")
        elif args.command == "list":
            for row in await directory.roster(settings.agent_chat_limit):
                print(json.dumps(row))
    finally:
        await redis.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "hash-password":
        print(hash_password(_read_password(sys.stdin.isatty() is False)))
        return 0
    return asyncio.run(_run(args))


if __name__ == "__main__":
    sys.exit(main())
