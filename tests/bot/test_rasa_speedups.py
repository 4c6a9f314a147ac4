"""Our cached Rasa hot paths answer exactly what Rasa's own code answers."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from aiohttp import web
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from threadpoolctl import threadpool_info

import bot.components  # noqa: F401  (importing our components applies the speed-ups)
from bot.rasa_speedups import blas_threads, tracker_saving
from tests.support.processes import free_port
from tests.support.servers import RedisServer

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
    assert RemoteAction._validate_action_result.__module__.startswith("bot.rasa_speedups")


def test_accepts_a_valid_response_like_rasa() -> None:
    validate(GOOD, RemoteAction.action_response_format_spec())
    assert RemoteAction("action_x", None)._validate_action_result(GOOD)


@pytest.mark.parametrize("response", BAD)
def test_refuses_what_rasa_refuses(response: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        validate(response, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        RemoteAction("action_x", None)._validate_action_result(response)


def test_event_classes_resolve_like_rasa() -> None:
    from rasa.shared.core.events import Event, UserUttered
    from rasa.shared.utils.common import all_subclasses

    from bot.rasa_speedups.event_types import rasa_resolve_by_type

    names = {cls.type_name for cls in all_subclasses(Event)}
    assert {"user", "action", "slot", "bot"} <= names
    for name in names:
        assert Event.resolve_by_type(name) is rasa_resolve_by_type(name)
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", UserUttered) is UserUttered
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")


def conversation(sender: str, sessions: int) -> DialogueStateTracker:
    events: list[Event] = []
    for session in range(sessions):
        events += [
            ActionExecuted(ACTION_SESSION_START_NAME, timestamp=100.0 * session + 1),
            SessionStarted(timestamp=100.0 * session + 2),
            ActionExecuted(ACTION_LISTEN_NAME, timestamp=100.0 * session + 3),
            UserUttered(f"question {session}", {"name": "faq"}, timestamp=100.0 * session + 4),
            BotUttered(f"answer {session}", timestamp=100.0 * session + 5),
        ]
    return DialogueStateTracker.from_events(sender, events)


@pytest.mark.parametrize("sessions", [1, 3])
def test_saved_trackers_hold_what_rasa_would_store(
    redis_server: RedisServer, sessions: int
) -> None:
    """Ours skips the re-read for one session and merges like Rasa's for several."""
    store = RedisTrackerStore(Domain.empty(), port=redis_server.port, key_prefix="speedup")
    stored: dict[str, Any] = {}
    for label, save in {"rasa": tracker_saving.rasa_save, "ours": RedisTrackerStore.save}.items():
        sender = f"{label}-{sessions}-{uuid.uuid4().hex}"
        asyncio.run(save(store, conversation(sender, sessions)))
        last_session = asyncio.run(store.retrieve(sender))
        assert last_session is not None
        last_session.update(UserUttered("one more question", timestamp=1000.0))
        asyncio.run(save(store, last_session))
        full = asyncio.run(store.retrieve_full_tracker(sender))
        assert full is not None
        stored[label] = [event.as_dict() for event in full.events]
    assert stored["ours"] == stored["rasa"]
    assert len(stored["ours"]) == 5 * sessions + 1


def test_action_calls_reuse_one_connection() -> None:
    async def scenario() -> set[int]:
        client_ports: set[int] = set()

        async def action(request: web.Request) -> web.Response:
            client_ports.add(request.transport.get_extra_info("peername")[1])
            return web.json_response({"events": [], "responses": []})

        app = web.Application()
        app.router.add_post("/webhook", action)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        try:
            for _ in range(3):
                assert await endpoint.request(json={}) == {"events": [], "responses": []}
        finally:
            await runner.cleanup()
        return client_ports

    assert len(asyncio.run(scenario())) == 1
    assert len(asyncio.run(scenario())) == 1  # a new event loop gets a working session


def test_numpy_blas_runs_on_one_thread() -> None:
    blas_threads.apply()
    pools = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert pools and all(pool["num_threads"] == 1 for pool in pools)
