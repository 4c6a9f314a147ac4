"""Reading a one-session tracker from Redis without replaying its events a second time.

Rasa 3.6's RedisTrackerStore.retrieve rebuilds the stored tracker from its events, then
splits it into conversation sessions, which rebuilds a tracker per session from the same
events again, only to return the original tracker when there is a single session. We
look for a later session start first (cheap) and split, exactly as Rasa does, only when
there is one.
"""

from __future__ import annotations

from typing import Iterable

from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import (
    DialogueStateTracker,
    get_trackers_for_conversation_sessions,
)

rasa_retrieve = RedisTrackerStore._retrieve


def starts_a_later_session(events: Iterable[Event]) -> bool:
    """Whether a session starts after the first event (where Rasa splits sessions)."""
    return any(
        isinstance(event, ActionExecuted) and event.action_name == ACTION_SESSION_START_NAME
        for index, event in enumerate(events)
        if index > 0
    )


async def _retrieve(
    self: RedisTrackerStore, sender_id: str, fetch_all_sessions: bool
) -> DialogueStateTracker | None:
    stored = self.red.get(self.key_prefix + sender_id)
    if stored is None:
        return None
    tracker = self.deserialise_tracker(sender_id, stored)
    if tracker is None or fetch_all_sessions or not starts_a_later_session(tracker.events):
        return tracker
    return get_trackers_for_conversation_sessions(tracker)[-1]


def apply() -> None:
    RedisTrackerStore._retrieve = _retrieve
