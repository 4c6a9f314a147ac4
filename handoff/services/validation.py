"""What the gateway accepts from clients, and the clear refusals for everything else.

Every check raises `InputError` with a code the widget and console understand, so a bad
payload never gets half processed and nothing already recorded is lost.
"""

from __future__ import annotations

import json
import time
from collections import deque
from typing import Any

from handoff.protocol import ErrorCode, InputError
from handoff.stores.conversations import AppendStatus, Refusal, TransitionResult

MAX_METADATA_CHARS = 4000


def valid_text(text: Any, max_chars: int) -> str:
    if not isinstance(text, str):
        raise InputError(ErrorCode.INVALID_MESSAGE, "The message must be a string.")
    if not text.strip():
        raise InputError(ErrorCode.EMPTY_MESSAGE, "The message is empty.")
    if len(text) > max_chars:
        raise InputError(
            ErrorCode.MESSAGE_TOO_LONG,
            f"Messages are limited to {max_chars} characters; nothing was sent.",
        )
    return text


def valid_metadata(metadata: Any) -> dict[str, Any] | None:
    if not isinstance(metadata, dict) or not metadata:
        return None
    if len(json.dumps(metadata, default=str)) > MAX_METADATA_CHARS:
        raise InputError(ErrorCode.INVALID_METADATA, "Message metadata is too large.")
    return metadata


def valid_id(conversation_id: Any) -> str:
    if not isinstance(conversation_id, str) or not 0 < len(conversation_id) <= 100:
        raise InputError(ErrorCode.INVALID_PAYLOAD, "conversation_id is required.")
    return conversation_id


def raise_for_append(status: AppendStatus) -> None:
    """Turn a refused transcript append into the refusal the client should see."""
    if status is AppendStatus.MISSING:
        raise InputError(ErrorCode.INVALID_SESSION, "Unknown conversation; send session_request.")
    if status is AppendStatus.CLOSED:
        raise InputError(
            ErrorCode.CONVERSATION_CLOSED,
            "This conversation is closed; send session_request for a new one.",
        )
    if status is AppendStatus.AGENT:
        raise InputError(ErrorCode.NOT_YOUR_CHAT, "You do not hold this conversation.")


def refusal(result: TransitionResult) -> InputError:
    """Turn a refused state transition into the refusal the agent should see."""
    if result.refused is Refusal.MISSING:
        return InputError(ErrorCode.NOT_FOUND, "No such conversation.")
    if result.refused is Refusal.LIMIT:
        return InputError(ErrorCode.LIMIT_REACHED, "You already hold as many chats as allowed.")
    if result.refused is Refusal.AGENT:
        return InputError(ErrorCode.NOT_YOUR_CHAT, "You do not hold this conversation.")
    return InputError(ErrorCode.WRONG_STATE, f"The conversation is {result.previous_state}.")


class RateLimiter:
    """At most `per_minute` messages per conversation in any 60 s (0: no limit).

    Kept per process: a flood is stopped where it arrives.
    """

    MAX_TRACKED = 10000

    def __init__(self, per_minute: int) -> None:
        self._per_minute = per_minute
        self._recent: dict[str, deque[float]] = {}

    def check(self, key: str) -> None:
        if self._per_minute <= 0:
            return
        now = time.monotonic()
        recent = self._recent.setdefault(key, deque())
        while recent and now - recent[0] > 60:
            recent.popleft()
        if len(recent) >= self._per_minute:
            raise InputError(ErrorCode.RATE_LIMITED, "Too many messages; please wait a moment.")
        recent.append(now)
        if len(self._recent) > self.MAX_TRACKED:
            self._recent = {k: v for k, v in self._recent.items() if v and now - v[-1] < 60}
