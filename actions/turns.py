"""Reading the current turn from a tracker: what NLU said, and what the bot did last."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from bot.signals import ANSWER, SIGNAL_KEY

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


def rejected_answer(tracker: Tracker) -> dict[str, Any]:
    """The FAQ answer in the bot's reply before the latest message, as `faq_id`,
    `faq_confidence` and `text` (the question it answered); {} when that reply had none.

    Only that reply counts: "not what I meant" said later is not about an older answer.
    """
    answer: dict[str, Any] = {}
    user_messages_seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            user_messages_seen += 1
            if user_messages_seen == 2:
                return {**answer, "text": event.get("text")} if answer else {}
        elif user_messages_seen == 1 and event.get("event") == "bot":
            custom = (event.get("data") or {}).get("custom") or {}
            if custom.get(SIGNAL_KEY) == ANSWER:
                answer = {key: custom.get(key) for key in ("faq_id", "faq_confidence")}
    return {}
