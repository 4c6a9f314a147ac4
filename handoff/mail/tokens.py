"""Signed, expiring tokens for the two ways back into a conversation from an email: the
resume link (`/?resume=<token>`) and the reply address (`reply+<token>@<domain>`).

Each purpose has its own key, so a reply token does not open the widget and vice versa.
The token fits an address's 64-character local part: conversation id, expiry in base 36,
80 bits of HMAC-SHA256 in lower-case base 32.

    tokens = MailTokens(secret, ttl_s=30 * 86400)
    token = tokens.issue("c1", Purpose.REPLY)
    assert tokens.verify(token, Purpose.REPLY) == "c1"
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from handoff.protocol.enums import WireEnum

_SEPARATOR = "."
REPLY_PREFIX = "reply+"


class Purpose(WireEnum):
    RESUME = "resume"
    REPLY = "reply"


class MailTokens:
    """Issues and verifies `<conversation id>.<expiry>.<signature>` tokens."""

    def __init__(self, secret: str, ttl_s: int) -> None:
        self._secret = secret.encode()
        self._ttl_s = ttl_s

    def issue(self, conversation_id: str, purpose: Purpose, now: float | None = None) -> str:
        expiry = _base36(int((time.time() if now is None else now) + self._ttl_s))
        body = f"{conversation_id}{_SEPARATOR}{expiry}"
        return f"{body}{_SEPARATOR}{self._sign(body, purpose)}"

    def verify(self, token: Any, purpose: Purpose) -> str | None:
        """The conversation id of a genuine, unexpired token; None for anything else."""
        if not isinstance(token, str) or len(token) > 120 or token.count(_SEPARATOR) != 2:
            return None
        conversation_id, expiry, signature = token.split(_SEPARATOR)
        body = f"{conversation_id}{_SEPARATOR}{expiry}"
        if not conversation_id or not hmac.compare_digest(
            signature.lower(), self._sign(body, purpose)
        ):
            return None
        try:
            expires = int(expiry, 36)
        except ValueError:
            return None
        return conversation_id if expires > time.time() else None

    def reply_address(self, conversation_id: str, domain: str) -> str:
        return f"{REPLY_PREFIX}{self.issue(conversation_id, Purpose.REPLY)}@{domain}"

    def conversation_of_address(self, address: str, domain: str) -> str | None:
        """The conversation a reply address names; None: forged, expired or not ours."""
        local, _, at = address.strip().strip("<>").rpartition("@")
        if at.lower() != domain.lower() or not local.startswith(REPLY_PREFIX):
            return None
        return self.verify(local[len(REPLY_PREFIX) :], Purpose.REPLY)

    def _sign(self, body: str, purpose: Purpose) -> str:
        key = hashlib.sha256(f"mail-{purpose}:".encode() + self._secret).digest()
        digest = hmac.new(key, body.encode(), hashlib.sha256).digest()[:10]
        return base64.b32encode(digest).decode().lower()


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"
