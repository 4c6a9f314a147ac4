"""The two customer views of an entry: stock Rasa shapes by default, ours on request."""

from __future__ import annotations

from typing import Any

from handoff.protocol import CustomerView, EntryEvent, ErrorCode, InputError, Role, State
from handoff.protocol.entries import (
    agent_message,
    bot_message,
    customer_message,
    extended_view,
    late,
    note,
    rasa_view,
    system_event,
)

BUTTON = {"content_type": "text", "title": "Yes", "payload": "/affirm"}


def test_the_rasa_view_has_exactly_stock_rasa_shapes() -> None:
    """rasa-webchat renders text only when `text` is the payload's one key."""
    shapes: list[dict[str, Any] | None] = [
        rasa_view({**bot_message(text="Hi"), "id": "1-0", "faq_id": "x", "faq_confidence": 0.9}),
        rasa_view(bot_message(text="Pick", quick_replies=[BUTTON])),  # type: ignore[list-item]
        rasa_view(bot_message(attachment={"type": "image", "payload": {"src": "/a.png"}})),
        rasa_view(bot_message(custom={"kind": "card"})),
        rasa_view(agent_message("On it", "ada", "Ada")),
        rasa_view(system_event(EntryEvent.CLAIMED, text="Ada joined.", agent="ada")),
    ]
    assert shapes == [
        {"text": "Hi"},
        {"text": "Pick", "quick_replies": [BUTTON]},
        {"attachment": {"type": "image", "payload": {"src": "/a.png"}}},
        {"custom": {"kind": "card"}},
        {"text": "On it"},
        {"text": "Ada joined."},
    ]


def test_neither_view_shows_internals_or_echoes_the_customer() -> None:
    hidden = [
        note("vip", "ada", "Ada"),
        late(bot_message(text="x")),
        system_event(EntryEvent.REQUEUED),  # no text: for agents only
    ]
    for entry in hidden:
        assert rasa_view(entry) is None and extended_view(entry) is None
    assert rasa_view(customer_message("hello")) is None


def test_the_extended_view_keeps_ids_roles_and_events_only() -> None:
    handoff = system_event(EntryEvent.HANDOFF, text="wait", reason="low_confidence", confidence=0.3)
    assert extended_view({**handoff, "id": "1-0"}) == {
        "id": "1-0",
        "ts": handoff["ts"],
        "role": Role.SYSTEM,
        "text": "wait",
        "event": EntryEvent.HANDOFF,
    }
    assert CustomerView("rasa") is CustomerView.RASA


def test_named_values_serialise_as_their_wire_strings() -> None:
    assert f"{State.WITH_AGENT}" == str(State.WITH_AGENT) == "with_agent"
    assert State("queued") is State.QUEUED
    refusal = InputError(ErrorCode.RATE_LIMITED, "Slow down.")
    assert refusal.as_payload() == {"code": "rate_limited", "message": "Slow down."}
    assert refusal.as_ack() == {"ok": False, "error": "rate_limited", "message": "Slow down."}
    assert (refusal.status, InputError(ErrorCode.FILE_TOO_LARGE, "").status) == (429, 413)
