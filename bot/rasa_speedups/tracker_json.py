"""Replaces `SerializedTrackerAsText.serialise_tracker` and `TrackerStore.deserialise_tracker`:
trackers to and from JSON with ujson instead of the standard library's `json`.

A tracker is read, written and sent to the action server with every message, and grows
with every turn. The JSON text differs only in spelling (ujson escapes "/" as "\\/"); it
reads back to the same tracker, so trackers written before and after this change mix
freely. `dumps` and `loads` also serve our tracker store and the action-server session.
"""

from __future__ import annotations

from typing import Any

import ujson
from rasa.core.tracker_store import SerializedTrackerAsText, TrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.training_data.structures import Dialogue

from bot.rasa_speedups.patching import Patch

rasa_serialise = SerializedTrackerAsText.serialise_tracker
rasa_deserialise = TrackerStore.deserialise_tracker


def dumps(value: object) -> str:
    """What `json.dumps` writes, spelt by ujson."""
    return ujson.dumps(value, ensure_ascii=True)


def loads(serialised: str | bytes) -> Any:
    """`json.loads`, by ujson; invalid UTF-8 still raises UnicodeDecodeError as with json."""
    text = serialised.decode("utf-8") if isinstance(serialised, bytes) else serialised
    return ujson.loads(text)


def _serialise(tracker: DialogueStateTracker) -> str:
    return dumps(tracker.as_dialogue().as_dict())


def _deserialise(
    self: TrackerStore, sender_id: str, serialised_tracker: str | bytes
) -> DialogueStateTracker | None:
    # Rasa's own body, with ujson; undecodable bytes fall back to Rasa for its error.
    try:
        parameters = loads(serialised_tracker)
    except UnicodeDecodeError:
        return rasa_deserialise(self, sender_id, serialised_tracker)
    tracker = self.init_tracker(sender_id)
    tracker.recreate_from_dialogue(Dialogue.from_parameters(parameters))
    return tracker


PATCHES = (
    Patch.replacing(SerializedTrackerAsText, "serialise_tracker", _serialise),
    Patch.replacing(TrackerStore, "deserialise_tracker", _deserialise),
)
