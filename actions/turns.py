"""Reading the current turn from a tracker: what NLU said, and what the bot did last."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

IGNORED_ACTIONS = {"action_listen", "action_session_start", "action_unlikely_intent", None}


def intent_confidence(tracker: Tracker) -> float | None:
    intent = tracker.latest_message.get("intent") or {}
    confidence = intent.get("confidence")
    return float(confidence) if confidence is not None else None


def faq_result(tracker: Tracker) -> dict[str, Any]:
    """The FaqRetriever output for the latest message ({} when there is none)."""
    return tracker.latest_message.get("faq") or {}


def previous_bot_action(tracker: Tracker) -> str | None:
    """The last action the bot ran before the latest customer message."""
    seen_latest_user_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_latest_user_message:
                return None
            seen_latest_user_message = True
        elif (
            seen_latest_user_message
            and event.get("event") == "action"
            and event.get("name") not in IGNORED_ACTIONS
        ):
            return str(event.get("name"))
    return None
