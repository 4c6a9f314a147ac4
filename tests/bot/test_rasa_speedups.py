"""Our cached Rasa hot paths answer exactly what Rasa's own code answers."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
from aiohttp import web
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import (
    RedisTrackerStore,
    SerializedTrackerAsText,
    TrackerDeserialisationException,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_speedups
from bot.rasa_speedups import empty_domain, graph_runner, past_states, tracker_json
from devstack.processes import free_port
from tests.support.trackers import conversation

ROOT = Path(__file__).resolve().parents[2]

GOOD: dict[str, Any] = {
    "events": [{"event": "slot", "name": "x", "value": 1}],
    "responses": [{"response": "utter_handoff"}, {"custom": {"signal": "handoff"}}],
}
BAD: list[dict[str, Any]] = [
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": "not a list", "responses": []},
    {"events": [], "responses": ["not an object"]},
]


@pytest.fixture(autouse=True, scope="module")
def patched() -> Iterator[None]:
    """Rasa as it serves (patched) for this module's tests, and Rasa's own code after."""
    with pytest.MonkeyPatch.context() as env:
        env.delenv(rasa_speedups.SWITCH, raising=False)
        assert rasa_speedups.apply()
        yield
    rasa_speedups.undo()


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
    from rasa.shared.core.events import UserUttered
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


def test_trackers_read_and_write_as_rasa_reads_and_writes_them() -> None:
    tracker = conversation("json-" + uuid.uuid4().hex, 2)
    tracker.update(UserUttered('<b>ünïcode</b> / "quotes" \u2028 😀', {"name": "faq"}))
    ours = SerializedTrackerAsText.serialise_tracker(tracker)
    theirs = tracker_json.rasa_serialise(tracker)
    assert json.loads(ours) == json.loads(theirs)
    store = RedisTrackerStore(Domain.empty(), port=free_port())  # never connects here
    sender = tracker.sender_id
    for text in (ours, theirs, theirs.encode()):
        ours_read = store.deserialise_tracker(sender, text)
        theirs_read = tracker_json.rasa_deserialise(store, sender, text)
        assert ours_read is not None and theirs_read is not None
        expected = [event.as_dict() for event in tracker.events]
        assert [event.as_dict() for event in ours_read.events] == expected
        assert [event.as_dict() for event in theirs_read.events] == expected
    with pytest.raises(TrackerDeserialisationException):
        store.deserialise_tracker(tracker.sender_id, b"\x80\x04pickled")


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


def test_the_model_predicts_what_rasas_own_code_predicts(trained_model: Path) -> None:
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.runner.dask import DaskGraphRunner

    assert DaskGraphRunner.run is not graph_runner.rasa_run  # ours runs first
    agent = Agent.load(str(trained_model))
    processor = agent.processor
    assert processor is not None and agent.tracker_store is not None
    texts = ["where is my parcel?", "I want a real person", "hello", "", "x" * 10000]

    async def conversation() -> list[Any]:
        seen: list[Any] = []
        tracker = await agent.tracker_store.get_or_create_tracker(uuid.uuid4().hex)
        for text in texts:
            parsed = await processor.parse_message(UserMessage(text))
            tracker.update(UserUttered(text, parsed["intent"], parse_data=parsed))
            prediction = processor._predict_next_with_tracker(tracker)
            action = processor.domain.action_names_or_texts[prediction.max_confidence_index]
            seen.append((parsed, action, prediction.policy_name, prediction.probabilities))
        return seen

    runner_attributes = set(vars(processor.graph_runner))
    ours = asyncio.run(conversation())
    assert set(vars(processor.graph_runner)) == runner_attributes  # its plans are kept beside it
    rasa_speedups.undo()
    try:
        assert asyncio.run(conversation()) == ours
    finally:
        rasa_speedups.apply()
    assert ours[0][0]["faq"]["answer_id"] == "track_order"  # the model really answered
    assert ours[0][1] == "action_answer_faq" and ours[1][1] == "action_handoff"


def test_past_states_are_rasas_and_a_caller_cannot_spoil_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    domain = Domain.load(ROOT / "domain.yml")
    tracker = conversation("states-" + uuid.uuid4().hex, 2)
    replays: list[DialogueStateTracker] = []
    rasa_own = past_states.rasa_past_states

    def counted(self: DialogueStateTracker, *args: Any) -> Any:
        replays.append(self)
        return rasa_own(self, *args)

    monkeypatch.setattr(past_states, "rasa_past_states", counted)
    first = tracker.past_states(domain)
    assert first == DialogueStateTracker.from_events(
        tracker.sender_id, list(tracker.events)
    ).past_states(domain)  # a fresh tracker: Rasa's own answer, not a cached one
    del first[-1]["user"]["intent"]  # featurizers edit the last state in place
    del first[-1]["prev_action"]
    again = tracker.past_states(domain)
    assert again[-1] == {
        "user": {"text": "question 1", "intent": "faq"},
        "prev_action": {"action_name": "action_listen"},
    }
    assert len(replays) == 2  # one replay for our tracker, one for the fresh one

    rule_only = {"slots": [], "active_loops": ["some_form"]}
    tracker.past_states(domain, rule_only_data=rule_only)
    tracker.past_states(domain, omit_unset_slots=True)
    assert len(replays) == 4  # other options are other states

    tracker.update(ActionExecuted("utter_greet"))
    longer = tracker.past_states(domain)
    assert len(replays) == 5 and len(longer) == len(again) + 1
    assert longer[-1]["prev_action"] == {"action_name": "utter_greet"}


def test_tells_an_empty_domain_like_rasa() -> None:
    assert Domain.empty().is_empty() and empty_domain.rasa_is_empty(Domain.empty())
    assert not Domain.load(ROOT / "domain.yml").is_empty()
    assert Domain.from_dict({"intents": ["greet"]}).is_empty() is False
