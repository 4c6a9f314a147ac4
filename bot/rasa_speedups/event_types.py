"""Replaces `Event.resolve_by_type`: event classes found by name in a table.

Rasa 3.6 finds an event's class by walking every Event subclass (with
`inspect.isabstract`) for each event of each stored tracker it loads. We keep the
name-to-class table and rebuild it only for a name it does not hold.
"""

from __future__ import annotations

from typing import Dict

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from bot.rasa_speedups.patching import Patch

rasa_resolve_by_type = Event.resolve_by_type
_event_classes: Dict[str, type[Event]] = {}


def _resolve_event_class(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """Rasa's answer (the first non-abstract subclass with that name), from the table."""
    if type_name not in _event_classes:
        table: Dict[str, type[Event]] = {}
        for cls in all_subclasses(Event):
            table.setdefault(cls.type_name, cls)
        _event_classes.clear()
        _event_classes.update(table)
    if type_name in _event_classes:
        return _event_classes[type_name]
    resolved: type[Event] | None = rasa_resolve_by_type(type_name, default)
    return resolved  # unknown names: Rasa's own answer (or error)


PATCHES = (Patch.replacing(Event, "resolve_by_type", _resolve_event_class),)
