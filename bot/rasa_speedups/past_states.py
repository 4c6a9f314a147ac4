"""Replaces `DialogueStateTracker.past_states`: a conversation's states derived once per
prediction, not once per policy call.

To predict one action, Rasa 3.6 replays the whole conversation into dialogue states three
times (the rule policy for the message's text, again for its intent, then the
memoization policy), and twice more for the action after it; all five give the same
states. We keep a tracker's last answer until an event is added, and hand every caller
its own copy, since featurizers edit the last state in place.

Only live conversations (plain `DialogueStateTracker`s) are cached: training trackers
already cache their states in Rasa's own subclass.
"""

from __future__ import annotations

import copy
from typing import Any, Deque, Dict, List, NamedTuple, Tuple

from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_speedups.object_cache import ObjectCache
from bot.rasa_speedups.patching import Patch

rasa_past_states = DialogueStateTracker.past_states


class _Derived(NamedTuple):
    """States and what they were derived from; objects compared by identity, since an id
    can be reused once an object is gone."""

    events: Deque[Event]
    length: int
    last_event: Event | None
    domain: Domain
    options: Tuple[Any, ...]
    states: List[State]

    def still_valid(
        self, tracker: DialogueStateTracker, domain: Domain, options: Tuple[Any, ...]
    ) -> bool:
        events = tracker.events
        return (
            self.events is events
            and self.length == len(events)
            and self.last_event is (events[-1] if events else None)
            and self.domain is domain
            and self.options == options
        )


# Per live tracker: its last states and what they were derived from.
_derived: ObjectCache[DialogueStateTracker, _Derived] = ObjectCache()


def _copy_states(states: List[State]) -> List[State]:
    """Fresh state and sub-state dicts (callers delete keys); their values are immutable."""
    return [{key: dict(sub_state) for key, sub_state in state.items()} for state in states]


def _past_states(
    self: DialogueStateTracker,
    domain: Domain,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Dict[str, Any] | None = None,
) -> List[State]:
    options = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    if type(self) is not DialogueStateTracker:
        replayed: List[State] = rasa_past_states(self, domain, *options)
        return replayed
    derived = _derived.get(self)
    if derived is None or not derived.still_valid(self, domain, options):
        events = self.events
        derived = _Derived(
            events,
            len(events),
            events[-1] if events else None,
            domain,
            copy.deepcopy(options),
            rasa_past_states(self, domain, *options),
        )
        _derived.set(self, derived)
    return _copy_states(derived.states)


PATCHES = (Patch.replacing(DialogueStateTracker, "past_states", _past_states),)
