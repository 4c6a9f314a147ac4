"""Replaces `RemoteAction._validate_action_result`: a validator built once.

Rasa 3.6 checks every action-server response with `jsonschema.validate(result, schema)`,
which also re-checks its large events schema against the JSON-Schema meta-schema on every
call: most of a custom action's cost. We validate against the same schema.
"""

from __future__ import annotations

import functools
from typing import Any, Dict

from jsonschema import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

from bot.rasa_speedups.patching import Patch


@functools.lru_cache(maxsize=1)
def _action_response_validator() -> Validator:
    """The validator class `jsonschema.validate` would pick, checked and built once."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    try:
        _action_response_validator().validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. See {DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


PATCHES = (
    Patch.replacing(
        RemoteAction,
        "_validate_action_result",
        _validate_action_result,
        prepare=_action_response_validator,  # built at start, not in a customer's request
    ),
)
