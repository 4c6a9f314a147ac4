"""What the gateway takes off the wire: every Socket.IO frame is checked once, as it is
decoded, and only values a browser and Redis carry unchanged reach a handler."""

from __future__ import annotations

import json
from typing import Any

import pytest

from handoff.services.validation import (
    MAX_NESTING,
    ConnectionCounter,
    RateLimiter,
    client_address,
    dumps_safe,
    valid_last_id,
)
from handoff.sockets.wire import RefusedEvent, WirePacket


def decoded(frame: Any) -> WirePacket:
    return WirePacket(encoded_packet=frame)


def refusal(frame: Any) -> tuple[str, str]:
    """The code the gateway answers `frame` with (and its ack id), or fails."""
    packet = decoded(frame)
    assert packet.packet_type == 2, frame  # an EVENT, so the namespace answers it
    event = packet.data[0]
    assert isinstance(event, RefusedEvent), (frame, packet.data)
    return event.error.code.value, str(packet.id)


@pytest.mark.parametrize(
    "value",
    [
        "NaN",
        "Infinity",
        "-Infinity",
        "1e999",
        "9007199254740992",
        "-9007199254740992",
        "9" * 5000,  # beyond Python's own int parsing limit: was dropped silently
        '"\\ud800 lone surrogate"',
        '{"\\udfff": 1}',
        "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1),
        "[" * 5000 + "]" * 5000,  # beyond the recursion limit: was dropped silently
    ],
)
def test_values_a_browser_cannot_read_are_refused_with_the_ack(value: str) -> None:
    frame = f'27["user_uttered",{{"message":"hi","metadata":{{"x":{value}}}}}]'
    assert refusal(frame) == ("invalid_payload", "7")


@pytest.mark.parametrize(
    "frame",
    ['2["connect",{}]', '2["disconnect"]', '2["connect","/agents"]', "2[5]", "2[]", '2{"a":1}'],
)
def test_reserved_or_missing_event_names_are_refused(frame: str) -> None:
    assert refusal(frame)[0] == "unknown_event"


def test_broken_json_binary_events_and_other_garbage_are_refused() -> None:
    assert refusal('23["user_uttered",{]')[0] == "invalid_payload"
    for garbage in ("9", "4{}", "x", "2[", "", None, {"a": 1}, [2], 0, False):
        assert refusal(garbage)[0] == "invalid_payload"
    assert decoded("0{broken").data is None  # a connect goes on, without its auth
    assert refusal('51-["user_uttered",{"_placeholder":true,"num":0}]')[0] == "invalid_payload"


def test_ordinary_events_pass_unchanged() -> None:
    frame = '2/agents,3["message",{"conversation_id":"c1","text":"héllo 👋","n":9007199254740991}]'
    packet = decoded(frame)
    assert packet.namespace == "/agents" and packet.id == 3
    assert packet.data == [
        "message",
        {"conversation_id": "c1", "text": "héllo 👋", "n": 9007199254740991},
    ]


def test_a_connect_with_unreadable_auth_goes_on_without_it() -> None:
    packet = decoded('0/agents,{"token":NaN}')
    assert packet.packet_type == 0 and packet.namespace == "/agents" and packet.data is None


def test_nothing_non_finite_is_ever_written() -> None:
    assert json.loads(dumps_safe({"a": float("nan"), "b": [float("inf"), 1.5]})) == {
        "a": None,
        "b": [None, 1.5],
    }
    assert WirePacket(2, data=["entry", {"x": float("-inf")}]).encode() == '2["entry",{"x":null}]'


def test_out_of_range_last_ids_replay_the_history() -> None:
    assert valid_last_id("1700000000000-0") == "1700000000000-0"
    assert valid_last_id("99999999999999999999-0") is None
    assert valid_last_id("18446744073709551615-18446744073709551615") is None
    assert valid_last_id(5) is None


def test_forwarded_for_is_believed_only_from_trusted_proxies() -> None:
    proxies = frozenset({"10.0.0.1", "10.0.0.2"})
    assert client_address("203.0.113.9", "1.2.3.4", proxies) == "203.0.113.9"
    assert client_address("10.0.0.1", "1.2.3.4", proxies) == "1.2.3.4"
    # The client may write anything left of what our proxies appended.
    assert client_address("10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.2", proxies) == "1.2.3.4"
    assert client_address("10.0.0.1", None, proxies) == "10.0.0.1"


def test_limits_refuse_with_rate_limited_and_count_per_key() -> None:
    limiter = RateLimiter(2, what="requests")
    limiter.check("a")
    limiter.check("a")
    limiter.check("b")
    with pytest.raises(Exception) as refused:
        limiter.check("a")
    assert getattr(refused.value, "code", None) == "rate_limited"

    sockets = ConnectionCounter(2)
    assert sockets.open("1.2.3.4") and sockets.open("1.2.3.4")
    assert not sockets.open("1.2.3.4") and sockets.open("5.6.7.8")
    sockets.close("1.2.3.4")
    assert sockets.open("1.2.3.4")
