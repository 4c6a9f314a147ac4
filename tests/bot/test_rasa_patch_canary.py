"""A Rasa upgrade fails here first: the source of every Rasa function we replace is pinned.

When a hash below no longer matches, Rasa's function changed: read its new code, carry
the change into our module named in the failure (or drop that patch), run
tests/bot/test_rasa_speedups.py, then pin the new hash and bump `RASA_VERSION`.
"""

from __future__ import annotations

import hashlib
import inspect

import pytest
import rasa.version

from bot import rasa_speedups
from bot.rasa_speedups.patching import Patch

# sha256 of `inspect.getsource` of each replaced function, as Rasa 3.6.21 ships it.
PINNED = {
    "rasa.core.actions.action.RemoteAction._validate_action_result": (
        "f8cdb4be6812396167ced74161b2ccd65c5ea676ad86d7d359d8c322d9d8dc42"
    ),
    "rasa.shared.core.events.Event.resolve_by_type": (
        "b5cf570fa7f286c7059ec73d8880528d03a78b28cf4e80285a46079c0fa65968"
    ),
    "rasa.shared.core.domain.Domain.is_empty": (
        "884be90ef485f1d2c0f140657a47f106a7d2785b63b03e46cd699b4072e95369"
    ),
    "rasa.shared.core.trackers.DialogueStateTracker.past_states": (
        "5463eefb5c69d27f82cdc7eca84e23b4b82851e9a5ff575bd02447d4d987103b"
    ),
    "rasa.utils.endpoints.EndpointConfig.session": (
        "e55aa13d9d4fb4bc440ac33b870a97ee162b76dda7ccb6bf68433567475fdffb"
    ),
    "rasa.engine.runner.dask.DaskGraphRunner.run": (
        "45f0f52f574f3aa9546a552bf671183e171092c18b66e97f5771a7fa295de37e"
    ),
    "rasa.core.tracker_store.SerializedTrackerAsText.serialise_tracker": (
        "e969bf6dc6fe886d2e8370eec37dffbb36665bc65c46c6c3fd66569e82f206cc"
    ),
    "rasa.core.tracker_store.TrackerStore.deserialise_tracker": (
        "66ba831c277f103b5d6bb55871d8162128e3e185ed62b37bd31cfd90aee7de47"
    ),
}


def test_the_installed_rasa_is_the_one_the_patches_were_written_for() -> None:
    assert rasa.version.__version__ == rasa_speedups.RASA_VERSION, (
        f"Rasa {rasa.version.__version__} is installed; bot/rasa_speedups was written for "
        f"Rasa {rasa_speedups.RASA_VERSION} and will not apply: see docs/rasa-patches.md"
    )


def test_every_patched_function_is_pinned() -> None:
    assert sorted(PINNED) == sorted(patch.qualified_name for patch in rasa_speedups.PATCHES)


@pytest.mark.parametrize("patch", rasa_speedups.PATCHES, ids=lambda patch: patch.qualified_name)
def test_rasas_patched_function_is_unchanged(patch: Patch) -> None:
    source = inspect.getsource(patch.rasa_function)
    assert hashlib.sha256(source.encode()).hexdigest() == PINNED[patch.qualified_name], (
        f"Rasa's {patch.qualified_name} is not the code {patch.module} was written against: "
        f"re-check {patch.module.replace('.', '/')}.py against it (see this file's docstring)"
    )
