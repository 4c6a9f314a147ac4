"""Actions that hand the conversation to a person, and the fallback that leads there."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.turns import faq_result, intent_confidence, previous_bot_action, rejected_answer
from bot.signals import HandoffReason, handoff_signal

ACTION_FALLBACK = "action_fallback"


def hand_off(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    reason: HandoffReason,
    confidence: float | None,
    **about: Any,
) -> list[dict[str, Any]]:
    """Tell the customer a person is coming, and signal the gateway why.

    The signal describes the latest message (its text, intent, best FAQ); `about`
    overrides that when the reason lies in an earlier turn.
    """
    faq = faq_result(tracker)
    details = {
        "text": tracker.latest_message.get("text"),
        "intent": (tracker.latest_message.get("intent") or {}).get("name"),
        "intent_confidence": intent_confidence(tracker),
        "faq_id": (faq.get("ranking") or [{}])[0].get("id"),
        "faq_confidence": faq.get("confidence"),
        **about,
    }
    dispatcher.utter_message(response="utter_handoff")
    dispatcher.utter_message(json_message=handoff_signal(reason, confidence, **details))
    return []


class ActionHandoff(Action):
    """The customer asked for a person."""

    def name(self) -> str:
        return "action_handoff"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return hand_off(
            dispatcher, tracker, HandoffReason.CUSTOMER_REQUEST, intent_confidence(tracker)
        )


class ActionFaqRejected(Action):
    """The customer says an FAQ answer missed: a person, told which FAQ missed which question."""

    def name(self) -> str:
        return "action_faq_rejected"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        # Said without an answer before it: no FAQ to name, the complaint is the text.
        about = rejected_answer(tracker) or {"faq_id": None, "faq_confidence": None}
        return hand_off(
            dispatcher, tracker, HandoffReason.FAQ_REJECTED, intent_confidence(tracker), **about
        )


class ActionFallback(Action):
    """Off-topic or unreadable input: ask to rephrase once, hand off the second time."""

    def name(self) -> str:
        return ACTION_FALLBACK

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if previous_bot_action(tracker) == ACTION_FALLBACK:
            return hand_off(
                dispatcher, tracker, HandoffReason.REPEATED_FALLBACK, intent_confidence(tracker)
            )
        dispatcher.utter_message(response="utter_rephrase")
        return []
