"""The customer namespace through a real gateway process and real Socket.IO clients.

The bot here is a scriptable fake (tests/gateway/fake_rasa.py) so replies can be slow or
broken on demand; test_with_rasa.py runs the same paths against the trained model.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from redis.asyncio import Redis

from devstack.clients import Customer
from handoff.services.core import NO_AGENTS_NO_MAIL_TEXT
from handoff.stores.keys import Keys
from handoff.stores.transcript import TranscriptStore
from tests.gateway.conftest import GatewayFactory
from tests.support.fake_rasa import FakeRasa

pytestmark = pytest.mark.asyncio


async def transcript(redis: Redis, prefix: str, token: str) -> list[dict]:
    return await TranscriptStore(redis, Keys(prefix)).read(token.rsplit(".", 1)[0])


async def test_rasa_protocol_shapes_and_metadata(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa
) -> None:
    gateway = start_gateway(fake_rasa.url)
    customer = await Customer.connect(gateway.url, transports=["polling", "websocket"])
    session = await customer.start_session()
    assert isinstance(session["token"], str)  # a bare string, like Rasa's session_confirm
    assert session["history"] == [] and session["status"]["state"] == "bot"

    await customer.say("hello", customData={"page": "/checkout"})  # rasa-webchat's key
    reply = await customer.bot_message()
    assert reply["text"] == "You said: hello" and reply["role"] == "bot" and reply["id"]
    assert "faq_id" not in reply and "confidence" not in reply  # signals stay internal
    assert fake_rasa.received[-1]["metadata"] == {"page": "/checkout"}

    mark = customer.mark()
    await customer.say("show me buttons", metadata={"lang": "en"})
    await customer.bot_message(lambda m: "attachment" in m, after=mark)
    parts = customer.messages()[-3:]
    assert [p.get("text") for p in parts[:2]] == ["First part", "Second part"]
    assert parts[1]["quick_replies"] == [
        {"content_type": "text", "title": "Yes", "payload": "/affirm"}
    ]
    assert parts[2]["attachment"] == {
        "type": "image",
        "payload": {"src": "https://example.com/a.png"},
    }
    assert fake_rasa.received[-1]["metadata"] == {"lang": "en"}
    await customer.disconnect()


async def test_reconnect_gets_missed_messages_exactly_once_in_order(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa
) -> None:
    gateway = start_gateway(fake_rasa.url)
    customer = await Customer.connect(gateway.url)
    session = await customer.start_session()
    await customer.say("one")
    seen = await customer.bot_message()
    await customer.disconnect()

    # While the customer is away, the bot answers a second device of the same session.
    other = await Customer.connect(gateway.url)
    await other.start_session(session["token"])
    await other.say("two")
    await other.bot_message()
    await other.say("three")
    await other.bot_message(lambda m: m["text"] == "You said: three")
    await other.disconnect()

    back = await Customer.connect(gateway.url)
    resumed = await back.start_session(session["token"], last_id=seen["id"])
    assert resumed["token"] == session["token"]
    assert [(m["role"], m["text"]) for m in resumed["history"]] == [
        ("customer", "two"),
        ("bot", "You said: two"),
        ("customer", "three"),
        ("bot", "You said: three"),
    ]
    ids = [m["id"] for m in resumed["history"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    await gateway.settled(back)
    assert back.messages() == []  # nothing replayed live on top of the history

    full = await Customer.connect(gateway.url)
    everything = await full.start_session(session["token"])
    assert [m["text"] for m in everything["history"]][:2] == ["one", "You said: one"]
    await back.disconnect()
    await full.disconnect()


async def test_stranger_with_conversation_id_learns_nothing(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa
) -> None:
    gateway = start_gateway(fake_rasa.url)
    victim = await Customer.connect(gateway.url)
    session = await victim.start_session()
    await victim.say("my address is 1 Secret Road")
    await victim.bot_message()
    conversation_id, signature = session["token"].rsplit(".", 1)

    for attempt in (
        conversation_id,
        f"{conversation_id}.{'0' * len(signature)}",
        f"{conversation_id}.",
        session["token"] + "x",
    ):
        stranger = await Customer.connect(gateway.url)
        got = await stranger.start_session(attempt)
        assert got["token"] != session["token"] and got["history"] == []
        assert not got["token"].startswith(conversation_id)
        # Naming the victim's session on a message does not reach it either.
        await stranger.say("hello?", session_id=attempt)
        await stranger.bot_message()
        await gateway.settled(stranger)
        assert all("Secret" not in str(data) for _, data in stranger.events)
        await stranger.disconnect()
    # The victim saw none of the strangers' traffic.
    assert all("hello?" not in str(data) for _, data in victim.events)
    await victim.disconnect()


async def test_bad_input_gets_clear_errors_and_loses_nothing(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, redis: Redis, prefix: str
) -> None:
    gateway = start_gateway(fake_rasa.url, max_message_chars=50, customer_messages_per_minute=3)
    customer = await Customer.connect(gateway.url)

    # Before session_request the socket counts as a stock Rasa client: it is told in words.
    await customer.say("before any session")
    refusal = await customer.bot_message()
    assert refusal == {"text": "No session yet: send session_request first."}

    session = await customer.start_session()
    assert customer.of("history")[-1]["max_message_chars"] == 50  # what the widget counts against
    cases = [
        ("user_uttered", {"message": "x" * 51}, "message_too_long"),
        ("user_uttered", {"message": "   "}, "empty_message"),
        ("user_uttered", {"message": 42}, "invalid_message"),
        ("user_uttered", {"message": ["a"]}, "invalid_message"),
        ("user_uttered", "just a string", "invalid_payload"),
        ("user_uttered", None, "invalid_message"),
        ("session_request", [1, 2], "invalid_payload"),
        ("contact_details", {"email": "not an email"}, "invalid_contact"),
        ("rating", {"score": 9}, "invalid_score"),
        ("no_such_event", {}, "unknown_event"),
    ]
    for event, data, code in cases:
        mark = customer.mark()
        await customer.emit(event, data)
        try:
            error = await customer.error(code, after=mark)
        except AssertionError:
            raise AssertionError((event, data, customer.events[mark:])) from None
        assert error["message"], (event, data, error)
    await customer.say("x" * 50)  # exactly at the limit is fine
    await customer.bot_message()

    script = '<script>alert("hi")</script> & <b>bold</b>'
    await customer.say(script)
    echoed = await customer.bot_message(lambda m: script in m["text"])
    assert echoed["text"] == f"You said: {script}"  # relayed verbatim, as plain text
    stored = await transcript(redis, prefix, session["token"])
    assert [e["text"] for e in stored if e["role"] == "customer"] == ["x" * 50, script]
    await customer.say("third message this minute")
    await customer.bot_message(lambda m: "third" in m["text"])
    mark = customer.mark()
    await customer.say("fourth message this minute")
    await customer.error("rate_limited", after=mark)
    assert gateway.running
    await customer.disconnect()


async def test_bot_unavailable_hands_off(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, redis: Redis, prefix: str
) -> None:
    gateway = start_gateway(fake_rasa.url, bot_timeout_s=1)
    for breakage in ("error", "timeout"):
        customer = await Customer.connect(gateway.url)
        session = await customer.start_session()
        fake_rasa.status, fake_rasa.delay = (500, 0.0) if breakage == "error" else (200, 3.0)
        await customer.say("where is my parcel?")
        notice = await customer.bot_message(lambda m: m["role"] == "system")
        assert "unavailable" in notice["text"]
        status = await customer.wait_for("status", lambda s: s["state"] == "queued")
        assert status["position"] >= 1
        assert {"role": "bot", "typing": False} in customer.of("typing")
        handoff = [
            e
            for e in await transcript(redis, prefix, session["token"])
            if e.get("event") == "handoff"
        ]
        assert [h["reason"] for h in handoff] == ["bot_unavailable"]
        await customer.disconnect()
    fake_rasa.status, fake_rasa.delay = 200, 0.0


async def test_request_human_twice_makes_one_handoff(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, redis: Redis, prefix: str
) -> None:
    gateway = start_gateway(fake_rasa.url)
    customer = await Customer.connect(gateway.url)
    session = await customer.start_session()
    await asyncio.gather(customer.call("request_human", {}), customer.call("request_human"))
    assert (await customer.call("request_human", {}))["state"] == "queued"
    await gateway.settled(customer)
    handoffs = [
        e for e in await transcript(redis, prefix, session["token"]) if e.get("event") == "handoff"
    ]
    assert len(handoffs) == 1 and handoffs[0]["reason"] == "customer_request"
    # Nobody is online: the customer is told so and can leave contact details.
    texts = [m["text"] for m in customer.messages()]
    assert sum("No one from our team is online" in t for t in texts) == 1
    assert customer.of("status")[-1]["agents_online"] == 0
    await customer.emit("contact_details", {"email": "ann@example.com", "name": "Ann"})
    thanks = await customer.bot_message(lambda m: "ann@example.com" in m.get("text", ""))
    assert thanks["role"] == "system"
    await customer.disconnect()


async def test_late_bot_reply_is_recorded_not_shown(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, redis: Redis, prefix: str
) -> None:
    gateway = start_gateway(fake_rasa.url)
    customer = await Customer.connect(gateway.url)
    session = await customer.start_session()
    fake_rasa.delay = 1.0
    await customer.say("a slow question")
    await customer.wait_for("typing", lambda t: t == {"role": "bot", "typing": True})
    await customer.emit("request_human", {})
    await customer.wait_for("status", lambda s: s["state"] == "queued")
    await customer.wait_for("typing", lambda t: t == {"role": "bot", "typing": False}, timeout=5)
    await gateway.settled(customer)
    assert not [m for m in customer.messages() if m["role"] == "bot"]
    stored = await transcript(redis, prefix, session["token"])
    late = [e for e in stored if e["role"] == "bot"]
    assert [(e["text"], e.get("late")) for e in late] == [("You said: a slow question", True)]
    # ...and it is not replayed to the customer as if the bot were in charge.
    again = await Customer.connect(gateway.url)
    resumed = await again.start_session(session["token"])
    assert not [m for m in resumed["history"] if m["role"] == "bot"]
    await again.disconnect()
    await customer.disconnect()


async def test_transcript_download_is_the_customers_view(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa
) -> None:
    gateway = start_gateway(fake_rasa.url)
    customer = await Customer.connect(gateway.url)
    session = await customer.start_session()
    await customer.say("hello")
    await customer.bot_message()
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{gateway.url}/api/transcript", params={"session": session["token"]}
        ) as response:
            body = await response.json()
        assert [m["text"] for m in body["messages"]] == ["hello", "You said: hello"]
        assert all("faq_id" not in m for m in body["messages"])
        async with http.get(
            f"{gateway.url}/api/transcript", params={"session": session["token"].split(".")[0]}
        ) as response:
            assert response.status == 404
        async with http.get(f"{gateway.url}/health") as response:
            assert (await response.json())["redis"] is True
    await customer.disconnect()


async def test_a_stock_rasa_client_gets_exactly_rasas_shapes(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa
) -> None:
    """What rasa-webchat and other widgets written for Rasa's socketio channel render."""
    gateway = start_gateway(fake_rasa.url, max_message_chars=50)
    stock = await Customer.connect(gateway.url)
    session = await stock.start_session(extended=False)
    await stock.emit("user_uttered", {"session_id": session["token"], "customData": {}})
    await stock.say("show me buttons")
    await stock.wait_for("bot_uttered", lambda data: "attachment" in data)
    await stock.say("x" * 51)
    await stock.bot_message(lambda data: "limited" in data.get("text", ""))
    await stock.say("I want a human")
    await stock.bot_message(lambda data: data.get("text", "").startswith("No one from our team"))
    assert stock.of("bot_uttered") == [
        {"text": "First part"},
        {
            "text": "Second part",
            "quick_replies": [{"content_type": "text", "title": "Yes", "payload": "/affirm"}],
        },
        {"attachment": {"type": "image", "payload": {"src": "https://example.com/a.png"}}},
        {"text": "Messages are limited to 50 characters; nothing was sent."},
        {"text": "I'm bringing in a person."},
        {"text": "You're in the queue for a person from our team."},
        {"text": NO_AGENTS_NO_MAIL_TEXT},
    ]
    assert {name for name, _ in stock.events} == {"session_confirm", "bot_uttered"}
    # Our widget, opening the same session, gets the history with ids and roles.
    ours = await Customer.connect(gateway.url)
    resumed = await ours.start_session(session["token"])
    assert [entry["role"] for entry in resumed["history"]] == [
        "customer", "bot", "bot", "bot", "customer", "bot", "system", "system"
    ]  # fmt: skip
    assert resumed["status"]["state"] == "queued"
    await stock.disconnect()
    await ours.disconnect()
