"""What a patch remembers about one Rasa object, kept beside the object instead of in it.

    plans: ObjectCache[DaskGraphRunner, dict] = ObjectCache()
    plans.set(runner, {})      # forgotten when `runner` is garbage-collected
    plans.get(runner)          # {} (None for an object never set)

Rasa's objects stay as Rasa built them (nothing added to their `__dict__`, so nothing of
ours is copied, compared or serialised with them). Keyed on identity, since trackers and
endpoints define `__eq__` without `__hash__` and so cannot key a `WeakKeyDictionary`.
"""

from __future__ import annotations

import weakref
from typing import Generic, TypeVar

Owner = TypeVar("Owner")
Value = TypeVar("Value")


class ObjectCache(Generic[Owner, Value]):
    """Values for objects, keyed on identity and dropped with their object (see above)."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[weakref.ref[Owner], Value]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, owner: Owner) -> Value | None:
        entry = self._entries.get(id(owner))
        if entry is None or entry[0]() is not owner:
            return None
        return entry[1]

    def set(self, owner: Owner, value: Value) -> None:
        key = id(owner)

        def forget(dead: weakref.ref[Owner]) -> None:
            entry = self._entries.get(key)
            if entry is not None and entry[0] is dead:  # not a newer object with the same id
                del self._entries[key]

        self._entries[key] = (weakref.ref(owner, forget), value)
