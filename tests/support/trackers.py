"""Trackers of known shape for tracker-store tests."""

from __future__ import annotations

from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker


def conversation(sender: str, sessions: int) -> DialogueStateTracker:
    """`sessions` conversation sessions of five events each (a question and its answer)."""
    events: list[Event] = []
    for session in range(sessions):
        events += [
            ActionExecuted(ACTION_SESSION_START_NAME, timestamp=100.0 * session + 1),
            SessionStarted(timestamp=100.0 * session + 2),
            ActionExecuted(ACTION_LISTEN_NAME, timestamp=100.0 * session + 3),
            UserUttered(f"question {session}", {"name": "faq"}, timestamp=100.0 * session + 4),
            BotUttered(f"answer {session}", timestamp=100.0 * session + 5),
        ]
    return DialogueStateTracker.from_events(sender, events)
