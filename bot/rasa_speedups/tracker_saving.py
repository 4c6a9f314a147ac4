"""Saving a tracker to Redis without re-reading what the processor just read.

Rasa 3.6's RedisTrackerStore.save deserialises the stored tracker and merges it with the
one being saved, because `retrieve` hands out only the last conversation session and the
earlier ones must survive. When the stored tracker holds a single session, `retrieve`
returned all of it, so the tracker being saved already contains every stored event and
Rasa's merge returns it unchanged: we skip that work (a JSON scan decides) and merge,
exactly as Rasa does, only when there are earlier sessions.
"""

from __future__ import annotations

from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_speedups import tracker_json


def has_earlier_sessions(stored: str) -> bool:
    """Whether a serialised tracker starts a conversation session after its first event."""
    events = tracker_json.loads(stored).get("events") or []
    return any(
        event.get("event") == "action" and event.get("name") == ACTION_SESSION_START_NAME
        for event in events[1:]
    )


rasa_save = RedisTrackerStore.save


async def _save(
    self: RedisTrackerStore, tracker: DialogueStateTracker, timeout: float | None = None
) -> None:
    await self.stream_events(tracker)
    if not timeout and self.record_exp:
        timeout = self.record_exp
    key = self.key_prefix + tracker.sender_id
    stored = self.red.get(key)
    if stored is not None and has_earlier_sessions(stored):
        prior_tracker = self.deserialise_tracker(tracker.sender_id, stored)
        tracker = self._merge_trackers(prior_tracker, tracker)
    self.red.set(key, self.serialise_tracker(tracker), ex=timeout)


def apply() -> None:
    RedisTrackerStore.save = _save
