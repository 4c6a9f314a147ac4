"""Hot-path fixes for Rasa 3.6 itself, applied when Rasa imports our components.

Each replaces work Rasa repeats on every message and gives the same result; each module
says what it replaces and tests/bot/test_rasa_speedups.py checks it against Rasa's own.

- action_responses: validate action-server responses with a validator built once.
- event_types: look event classes up in a table instead of walking every subclass.
- empty_domain: tell an empty domain without building one per message.
- past_states: derive a conversation's dialogue states once per prediction, not per policy.
- tracker_json: read and write trackers (and action-server requests) with ujson.
- action_http: keep one HTTP session (and its connections) to the action server.
- graph_runner: run the model graph in an order worked out once, not planned by dask per run.
- blas_threads: run numpy's BLAS on one thread instead of letting idle threads spin.
"""

from __future__ import annotations

from bot.rasa_speedups import (
    action_http,
    action_responses,
    blas_threads,
    empty_domain,
    event_types,
    graph_runner,
    past_states,
    tracker_json,
)


def apply() -> None:
    action_responses.apply()
    event_types.apply()
    empty_domain.apply()
    past_states.apply()
    action_http.apply()
    blas_threads.apply()
    graph_runner.apply()
    tracker_json.apply()
