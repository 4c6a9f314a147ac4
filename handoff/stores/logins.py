"""Failed agent logins per username and per client address, and the lockouts they earn,
in Redis: a guesser is stopped on every gateway process at once, whichever one it hits.

    logins = LoginAttempts(redis, keys, LoginLimits(per_username=5, per_address=20))
    await logins.check("ada", "10.0.0.7")      # raises rate_limited (Retry-After) if locked
    await logins.failed("ada", "10.0.0.7")     # the 5th failure in the window locks "ada"
    await logins.succeeded("ada")
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from handoff.protocol import ErrorCode, InputError
from handoff.stores.keys import Keys

USERNAME = "user"
ADDRESS = "addr"


@dataclass(frozen=True)
class LoginLimits:
    """Failures within `window_s` that lock a username or an address for `lockout_s`."""

    per_username: int = 5
    per_address: int = 20
    window_s: int = 900
    lockout_s: int = 900


class LoginAttempts:
    """Counts failures in a window; at the limit, locks that username or address out."""

    def __init__(self, redis: Redis, keys: Keys, limits: LoginLimits) -> None:
        self._redis = redis
        self._keys = keys
        self._limits = limits

    async def check(self, username: str | None, address: str) -> None:
        """Refuse (429, with the seconds left) while the username or the address is locked."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for kind, who in self._subjects(username, address):
                pipe.ttl(self._keys.login_lockout(kind, who))
            remaining = [ttl for ttl in await pipe.execute() if ttl and ttl > 0]
        if remaining:
            raise InputError(
                ErrorCode.RATE_LIMITED,
                "Too many failed sign-ins; try again later.",
                retry_after_s=max(remaining),
            )

    async def failed(self, username: str | None, address: str) -> None:
        """Count a failure; the one that reaches a limit starts that subject's lockout."""
        for kind, who in self._subjects(username, address):
            counter = self._keys.login_failures(kind, who)
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(counter, 0, ex=self._limits.window_s, nx=True)
                pipe.incr(counter)
                _, count = await pipe.execute()
            limit = self._limits.per_username if kind == USERNAME else self._limits.per_address
            if count >= limit:
                await self._redis.set(
                    self._keys.login_lockout(kind, who), "1", ex=self._limits.lockout_s
                )
                await self._redis.delete(counter)

    async def succeeded(self, username: str) -> None:
        await self._redis.delete(self._keys.login_failures(USERNAME, username))

    async def unlock(self, username: str) -> None:
        """An admin set a new password: the account may sign in again at once."""
        await self._redis.delete(
            self._keys.login_failures(USERNAME, username),
            self._keys.login_lockout(USERNAME, username),
        )

    def _subjects(self, username: str | None, address: str) -> list[tuple[str, str]]:
        """Only valid usernames get counters, so a guesser cannot fill Redis with names."""
        subjects = [(ADDRESS, address)] if address else []
        return subjects + ([(USERNAME, username)] if username else [])
