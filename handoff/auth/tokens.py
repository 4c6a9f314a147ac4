"""Signed tokens: customers' sessions and agents' logins, and the secret that signs both.

A customer's token is the conversation id plus a signature only the gateway can make:
knowing someone's conversation id (or guessing a token) gets a stranger nothing, the
gateway treats it as unknown and opens a fresh conversation. An agent's token names the
agent and its expiry, signed the same way; nothing is stored per token.

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
        if not conversation_id or not hmac.compare_digest(signature, self._sign(conversation_id)):
            return None
        return conversation_id

    def _sign(self, conversation_id: str) -> str:
        return hmac.new(self._key, conversation_id.encode(), hashlib.sha256).hexdigest()[:32]


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


async def resolve_secret(redis: Redis, keys: Keys, configured: str) -> str:
    """GATEWAY_SECRET, or one random secret shared through Redis by every process."""
    if configured:
        return configured
    await redis.set(keys.secret, uuid.uuid4().hex + uuid.uuid4().hex, nx=True)
    return str(await redis.get(keys.secret))
