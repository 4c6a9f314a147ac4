"""Signed tokens: customers' sessions and agents' logins, and the secret that signs both.

A customer's token is the conversation id plus a signature only the gateway can make:
knowing someone's conversation id (or guessing a token) gets a stranger nothing, the
gateway treats it as unknown and opens a fresh conversation. An agent's token names the
agent, the account's token generation, its expiry and a random id, signed the same way:
bumping the generation (password change, disabled account) revokes every token of an
agent, and the id alone can be revoked (logout).

    tokens = SessionTokens(secret)
    conversation_id, token = tokens.issue()
    assert tokens.verify(token) == conversation_id
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from handoff.stores.keys import Keys

_SEPARATOR = "."


class SessionTokens:
    """Issues and verifies `<conversation id>.<HMAC-SHA256 of it>` tokens."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"customer-session:" + secret.encode()).digest()

    def issue(self) -> tuple[str, str]:
        conversation_id = secrets.token_urlsafe(18)
        return conversation_id, self.token_for(conversation_id)

    def token_for(self, conversation_id: str) -> str:
        return f"{conversation_id}{_SEPARATOR}{self._sign(conversation_id)}"

    def verify(self, token: Any) -> str | None:
        """The conversation id of a genuine token; None for anything else."""
        if not isinstance(token, str) or len(token) > 200 or _SEPARATOR not in token:
            return None
        conversation_id, signature = token.rsplit(_SEPARATOR, 1)
        if not conversation_id or not _same(signature, self._sign(conversation_id)):
            return None
        return conversation_id

    def _sign(self, conversation_id: str) -> str:
        return hmac.new(self._key, conversation_id.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class AgentClaims:
    """What a genuine agent token says; still to be checked against the account."""

    username: str
    generation: int
    expires_at: int
    token_id: str


class AgentTokens:
    """Login tokens: `<base64 username:generation:expiry:id>.<HMAC>`.

    tokens = AgentTokens(secret, ttl_s=3600)
    claims = tokens.verify(tokens.issue("ada", generation=3))  # AgentClaims("ada", 3, ...)
    """

    def __init__(self, secret: str, ttl_s: int) -> None:
        self._key = hashlib.sha256(b"agent-login:" + secret.encode()).digest()
        self._ttl = ttl_s

    def issue(self, username: str, generation: int = 0) -> str:
        expiry = int(time.time()) + self._ttl
        claims = f"{username}:{generation}:{expiry}:{secrets.token_urlsafe(12)}"
        body = base64.urlsafe_b64encode(claims.encode())
        return f"{body.decode()}.{self._sign(body)}"

    def verify(self, token: Any) -> AgentClaims | None:
        """The claims of a genuine, unexpired token; None for anything else."""
        if not isinstance(token, str) or token.count(".") != 1 or len(token) > 300:
            return None
        body, signature = token.split(".")
        if not body.isascii() or not _same(signature, self._sign(body.encode())):
            return None
        username, generation, expiry, token_id = base64.urlsafe_b64decode(body).decode().split(":")
        if not (generation.isdigit() and expiry.isdigit()) or int(expiry) <= time.time():
            return None
        return AgentClaims(username, int(generation), int(expiry), token_id)

    def _sign(self, body: bytes) -> str:
        return hmac.new(self._key, body, hashlib.sha256).hexdigest()


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison that also takes non-ASCII input (a forged token)."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


async def resolve_secret(redis: Redis, keys: Keys, configured: str) -> str:
    """GATEWAY_SECRET, or one random secret shared through Redis by every process."""
    if configured:
        return configured
    await redis.set(keys.secret, uuid.uuid4().hex + uuid.uuid4().hex, nx=True)
    return str(await redis.get(keys.secret))
