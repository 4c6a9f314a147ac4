"""Customer session tokens: the conversation id plus a signature only the gateway can make.

Knowing someone's conversation id (or guessing a token) gets a stranger nothing: without
the signature the gateway treats the token as unknown and opens a fresh conversation.

    tokens = SessionTokens(secret)
    conversation_id, token = tokens.issue()
    assert tokens.verify(token) == conversation_id
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

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
