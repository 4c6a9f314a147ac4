"""Answer the FAQ the retriever matched, or hand off when no FAQ fits well enough."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_off
from actions.turns import faq_result
from bot.signals import HandoffReason, answer_signal

# Under every answer (data/rules.yml): thanks for the first, a person for the second.
FEEDBACK_BUTTONS = [
    {"title": "That helped", "payload": "/faq_helped"},
    {"title": "Not what I meant", "payload": "/faq_rejected"},
]


class ActionAnswerFaq(Action):
    """Utter `utter_faq/<id>` for a confident match, with quick replies to say whether it
    helped; else a low-confidence hand-off."""

    def name(self) -> str:
        return "action_answer_faq"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        faq = faq_result(tracker)
        faq_id = faq.get("answer_id")
        if not faq_id:
            return hand_off(
                dispatcher, tracker, HandoffReason.LOW_CONFIDENCE, faq.get("confidence", 0.0)
            )
        dispatcher.utter_message(response=f"utter_faq/{faq_id}", buttons=FEEDBACK_BUTTONS)
        dispatcher.utter_message(json_message=answer_signal(faq_id, faq["confidence"]))
        return []
