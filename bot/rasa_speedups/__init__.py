"""Hot-path fixes for Rasa 3.6 itself, installed only to serve.

    rasa_speedups.apply()   # bot/channels.py, when Rasa builds our channel to serve
    rasa_speedups.undo()    # Rasa's own code again (tests compare the two)

Each replaces work Rasa repeats on every message and gives the same result; each module
says what it replaces, and tests/bot/test_rasa_speedups.py checks it against Rasa's own.

- action_responses: validate action-server responses with a validator built once.
- event_types: look event classes up in a table instead of walking every subclass.
- empty_domain: tell an empty domain without building one per message.
- past_states: derive a conversation's dialogue states once per prediction, not per policy.
- tracker_json: read and write trackers (and action-server requests) with ujson.
- action_http: keep one HTTP session (and its connections) to the action server.
- graph_runner: run the model graph in an order worked out once, not planned by dask per run.

They are fenced: `apply()` installs nothing on a Rasa other than `RASA_VERSION` (one
warning says so) or with `RASA_SPEEDUPS=off`, and a second call changes nothing.
tests/bot/test_rasa_patch_canary.py pins the source of every Rasa function replaced, so a
Rasa upgrade fails there first (docs/rasa-patches.md).
"""

from __future__ import annotations

import logging
import os

import rasa.version

from bot.rasa_speedups import (
    action_http,
    action_responses,
    empty_domain,
    event_types,
    graph_runner,
    past_states,
    tracker_json,
)
from bot.rasa_speedups.patching import Patch

logger = logging.getLogger(__name__)

# The only Rasa release whose code these patches were written against and checked with.
RASA_VERSION = "3.6.21"
SWITCH = "RASA_SPEEDUPS"

PATCHES: tuple[Patch, ...] = (
    *action_responses.PATCHES,
    *event_types.PATCHES,
    *empty_domain.PATCHES,
    *past_states.PATCHES,
    *action_http.PATCHES,
    *graph_runner.PATCHES,
    *tracker_json.PATCHES,
)


def switched_on() -> bool:
    """The `RASA_SPEEDUPS` setting: `on` (the default) or `off`."""
    setting = os.environ.get(SWITCH, "").strip().lower() or "on"
    if setting not in ("on", "off"):
        raise ValueError(f"{SWITCH} must be 'on' or 'off', not {setting!r}")
    return setting == "on"


def apply() -> bool:
    """Install every patch unless switched off or on another Rasa; True if they are in."""
    if not switched_on():
        logger.info("Rasa speed-ups switched off (%s=off): Rasa runs its own code", SWITCH)
        return False
    installed = rasa.version.__version__
    if installed != RASA_VERSION:
        logger.warning(
            "Rasa speed-ups not applied: written for Rasa %s, found Rasa %s; Rasa runs its "
            "own code (docs/rasa-patches.md says how to re-check them)",
            RASA_VERSION,
            installed,
        )
        return False
    missing = [patch for patch in PATCHES if not patch.is_installed()]
    for patch in missing:
        patch.install()
    if missing:
        logger.info(
            "Rasa speed-ups applied: %d patches of Rasa %s (%s=off runs Rasa's own code)",
            len(missing),
            RASA_VERSION,
            SWITCH,
        )
    return True


def undo() -> None:
    """Put Rasa's own code back in place of every patch."""
    for patch in PATCHES:
        patch.remove()
