"""Our cached validator for action-server responses accepts and refuses what Rasa's does."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

import bot.components  # noqa: F401  (importing our components applies the speed-up)

GOOD: dict[str, Any] = {
    "events": [{"event": "slot", "name": "x", "value": 1}],
    "responses": [{"response": "utter_handoff"}, {"custom": {"signal": "handoff"}}],
}
BAD: list[dict[str, Any]] = [
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": "not a list", "responses": []},
    {"events": [], "responses": ["not an object"]},
]


def test_patched_validator_is_in_place() -> None:
    assert RemoteAction._validate_action_result.__module__ == "bot.rasa_speedups"


def test_accepts_a_valid_response_like_rasa() -> None:
    validate(GOOD, RemoteAction.action_response_format_spec())
    assert RemoteAction("action_x", None)._validate_action_result(GOOD)


@pytest.mark.parametrize("response", BAD)
def test_refuses_what_rasa_refuses(response: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        validate(response, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        RemoteAction("action_x", None)._validate_action_result(response)
