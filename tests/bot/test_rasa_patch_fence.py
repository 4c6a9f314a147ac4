"""Our Rasa patches go in only to serve, only on the Rasa they were written for, only once."""

from __future__ import annotations

import asyncio
import gc
import inspect
import json
import logging
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_speedups
from bot.rasa_speedups import action_http, past_states
from tests.support.trackers import conversation

ROOT = Path(__file__).resolve().parents[2]

# In a fresh interpreter: which patches are in after importing what `rasa train` and
# `rasa data validate` import, then after Rasa builds the channels of credentials.yml as
# `rasa run` does (rasa.core.run.serve_application, before it loads the model).
TRAINING_THEN_SERVING = """
import json
import bot.channels, bot.components, bot.importer, bot.lock_store, bot.tracker_store
from bot import rasa_speedups
from rasa.core.run import create_http_input_channels

def installed():
    return [patch.qualified_name for patch in rasa_speedups.PATCHES if patch.is_installed()]

imported = installed()
create_http_input_channels(None, "credentials.yml")
print(json.dumps({"imported": imported, "serving": installed()}))
"""


@pytest.fixture(autouse=True)
def unpatched(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts and ends with Rasa's own code, switch unset."""
    monkeypatch.delenv(rasa_speedups.SWITCH, raising=False)
    rasa_speedups.undo()
    yield
    rasa_speedups.undo()


def installed() -> list[bool]:
    return [patch.is_installed() for patch in rasa_speedups.PATCHES]


def test_training_leaves_rasa_unpatched_and_serving_patches_it() -> None:
    run = subprocess.run(
        [sys.executable, "-c", TRAINING_THEN_SERVING],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    seen = json.loads(run.stdout.splitlines()[-1])
    assert seen["imported"] == []
    assert seen["serving"] == [patch.qualified_name for patch in rasa_speedups.PATCHES]


def test_applying_twice_changes_nothing_and_undo_restores_rasa(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.rasa_speedups")
    assert rasa_speedups.apply() and all(installed())
    in_place = [patch.owner.__dict__[patch.name] for patch in rasa_speedups.PATCHES]
    assert rasa_speedups.apply()
    assert [patch.owner.__dict__[patch.name] for patch in rasa_speedups.PATCHES] == in_place
    assert [r.getMessage() for r in caplog.records if r.name == "bot.rasa_speedups"] == [
        "Rasa speed-ups applied: 8 patches of Rasa 3.6.21 (RASA_SPEEDUPS=off runs Rasa's own code)"
    ]
    rasa_speedups.undo()
    for patch in rasa_speedups.PATCHES:
        assert patch.owner.__dict__[patch.name] is patch.original


def test_each_replacement_carries_rasas_name_and_docstring() -> None:
    rasa_speedups.apply()
    for patch in rasa_speedups.PATCHES:
        ours = inspect.getattr_static(patch.owner, patch.name)
        assert type(ours) is type(patch.original)  # a staticmethod stays one
        function = getattr(patch.owner, patch.name)
        rasas = patch.rasa_function
        assert function is not rasas
        assert inspect.unwrap(function) is rasas
        for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
            assert getattr(function, attribute) == getattr(rasas, attribute)


def test_another_rasa_version_gets_one_warning_and_no_patch(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("rasa.version.__version__", "3.7.0")
    caplog.set_level(logging.INFO)
    assert not rasa_speedups.apply()
    assert not any(installed())
    ours = [r for r in caplog.records if r.name == "bot.rasa_speedups"]
    assert [(record.levelname, record.getMessage()) for record in ours] == [
        (
            "WARNING",
            "Rasa speed-ups not applied: written for Rasa 3.6.21, found Rasa 3.7.0; Rasa "
            "runs its own code (docs/rasa-patches.md says how to re-check them)",
        )
    ]


def test_the_switch_turns_every_patch_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_SPEEDUPS", "off")
    assert not rasa_speedups.apply()
    assert not any(installed())
    monkeypatch.setenv("RASA_SPEEDUPS", "of")
    with pytest.raises(ValueError, match="RASA_SPEEDUPS must be 'on' or 'off'"):
        rasa_speedups.apply()
    assert not any(installed())


def test_caches_live_beside_rasas_objects_and_go_with_them() -> None:
    rasa_speedups.apply()
    tracker = conversation("cache-" + uuid.uuid4().hex, 1)
    attributes = set(vars(tracker))
    cached = len(past_states._derived)
    tracker.past_states(Domain.load(ROOT / "domain.yml"))
    assert set(vars(tracker)) == attributes
    assert len(past_states._derived) == cached + 1
    del tracker
    gc.collect()
    assert len(past_states._derived) == cached

    async def open_session(endpoint: EndpointConfig) -> None:
        async with endpoint.session() as session:
            await session.close()

    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")
    attributes = set(vars(endpoint))
    asyncio.run(open_session(endpoint))
    assert set(vars(endpoint)) == attributes
    assert action_http._sessions.get(endpoint) is not None
