"""Machine-readable messages the bot sends to the gateway alongside what customers read.

They travel as Rasa custom JSON payloads (`dispatcher.utter_message(json_message=...)`).
The action server builds them here and the gateway reads them here, so the schema is
defined once. Customers never see a signal: the gateway records it and acts on it.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

SIGNAL_KEY = "signal"
HANDOFF = "handoff"
ANSWER = "answer"
# The other way: the header with RASA_CHANNEL_SECRET the gateway sends with each message,
# without which Rasa's channel refuses it (bot/channels.py).
SECRET_HEADER = "X-Gateway-Secret"


class HandoffReason(str, Enum):
    """Why a conversation went to a person; recorded with every hand-off.

    The bot sends the first four; the gateway records the others itself.
    """

    CUSTOMER_REQUEST = "customer_request"
    LOW_CONFIDENCE = "low_confidence"
    REPEATED_FALLBACK = "repeated_fallback"
    FAQ_REJECTED = "faq_rejected"  # "not what I meant" after an FAQ answer
    BOT_UNAVAILABLE = "bot_unavailable"
    AGENT_TRANSFER = "agent_transfer"
    AGENT_DISCONNECTED = "agent_disconnected"

    def __str__(self) -> str:
        return str(self.value)


def handoff_signal(
    reason: HandoffReason,
    confidence: float | None,
    text: str | None = None,
    **details: Any,
) -> dict[str, Any]:
    """The bot gives up: who should take over and why (`confidence` caused it)."""
    return {
        SIGNAL_KEY: HANDOFF,
        "reason": reason.value,
        "confidence": _rounded(confidence),
        "text": text,
        **{key: _rounded(value) for key, value in details.items()},
    }


def answer_signal(faq_id: str, faq_confidence: float) -> dict[str, Any]:
    """Which FAQ the bot answered with and how sure it was (shown to agents only)."""
    return {SIGNAL_KEY: ANSWER, "faq_id": faq_id, "faq_confidence": _rounded(faq_confidence)}


def signal_kind(custom: Any) -> str | None:
    """`handoff`, `answer` or None when a custom payload is not a signal."""
    if isinstance(custom, dict) and custom.get(SIGNAL_KEY) in (HANDOFF, ANSWER):
        return str(custom[SIGNAL_KEY])
    return None


def _rounded(value: Any) -> Any:
    return round(float(value), 4) if isinstance(value, float) else value
