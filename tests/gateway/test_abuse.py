"""Attacks a customer (or anyone on the network) could make on a real gateway process, each
answered with a documented refusal while everyone else keeps being served: raw frames a
browser cannot read back, reserved event names, floods, too many sockets from one
address, forged tokens, slow and oversized requests."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest
import socketio
from redis.asyncio import Redis

from devstack.clients import Agent, Customer, disconnect_all, eventually, queued_customer
from handoff.stores.agents import AgentDirectory
from handoff.stores.keys import Keys
from handoff.stores.transcript import TranscriptStore
from tests.gateway.conftest import GatewayFactory
from tests.support.fake_rasa import FakeRasa

pytestmark = pytest.mark.asyncio

# Raw Socket.IO EVENT frames Python's json would take but a browser's client cannot read
# back (or Redis cannot store): each must be refused, none stored or passed on.
UNREADABLE = [
    '2["user_uttered",{"message":"hi","metadata":{"score":NaN}}]',
    '2["user_uttered",{"message":"hi","customData":{"n":Infinity}}]',
    '2["user_uttered",{"message":"hi","metadata":{"n":1e999}}]',
    '2["user_uttered",{"message":"hi","metadata":{"n":123456789012345678901234567890}}]',
    '2["user_uttered",{"message":"\\ud83d lone surrogate"}]',
    '2["user_uttered",{"message":"hi","metadata":' + "[" * 200 + "]" * 200 + "}]",
    '2["contact_details",{"email":"a@b.c","name":"\\udc00"}]',
]


async def refused_connect(url: str, namespace: str = "/", **options: Any) -> Any:
    """The `connect_error` payload of a connection the gateway refuses."""
    client = socketio.AsyncClient(reconnection=False)
    errors: list[Any] = []
    client.on("connect_error", errors.append, namespace=namespace)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(
            url, namespaces=[namespace], transports=["websocket"], wait_timeout=5, **options
        )
    return errors[-1]


def browser_readable(data: Any) -> bool:
    """What a browser's JSON.parse takes: no NaN or Infinity anywhere."""
    try:
        json.dumps(data, allow_nan=False)
    except ValueError:
        return False
    return True


async def test_a_hostile_customer_cannot_lock_the_agent_console(
    start_gateway: GatewayFactory,
    fake_rasa: FakeRasa,
    agents: AgentDirectory,
    redis: Redis,
    prefix: str,
) -> None:
    gateway = start_gateway(fake_rasa.url)
    ada = await Agent.connect(gateway.url, "ada")
    customer = await queued_customer(gateway.url)
    cid = customer.conversation_id
    preview = await ada.call("transcript", {"conversation_id": cid})
    assert (await ada.call("claim", {"conversation_id": cid}))["ok"]
    stored_before = await TranscriptStore(redis, Keys(prefix)).read(cid)

    for frame in UNREADABLE:
        mark = customer.mark()
        await customer.sio.eio.send(frame)
        error = await customer.wait_for("error", after=mark)
        assert error["code"] == "invalid_payload", (frame, error)
    assert await TranscriptStore(redis, Keys(prefix)).read(cid) == stored_before

    mark = ada.mark()
    await customer.say("still there?")
    entry = await ada.wait_for("entry", lambda e: e["entry"].get("text") == "still there?")
    assert entry["conversation_id"] == cid
    # The console that held the chat, and one that signs in afterwards, read everything.
    again = await Agent.connect(gateway.url, "ada")
    chats = again.of("chats")[-1]["items"]
    assert [c["conversation_id"] for c in chats] == [cid] and chats[0]["transcript"]
    for agent in (ada, again):
        await gateway.settled(agent)
        assert agent.sio.connected
        assert all(browser_readable(data) for _, data in agent.events), agent.events
    assert browser_readable(preview)
    await disconnect_all(customer, ada, again)


async def test_reserved_events_forged_tokens_and_odd_ids_are_answered_clearly(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    gateway = start_gateway(fake_rasa.url)
    customer = await Customer.connect(gateway.url)
    session = await customer.start_session()
    for frame in ('2["disconnect"]', '2["connect",{"token":"x"}]', "2[42]"):
        mark = customer.mark()
        await customer.sio.eio.send(frame)
        assert (await customer.wait_for("error", after=mark))["code"] == "unknown_event"
    await customer.say("hello")
    await customer.bot_message(lambda m: m.get("text") == "You said: hello")

    # An out-of-range last_id replays the history instead of claiming an outage.
    again = await Customer.connect(gateway.url)
    resumed = await again.start_session(session["token"], last_id="99999999999999999999-0")
    assert [m["text"] for m in resumed["history"] if m["role"] == "customer"] == ["hello"]

    async with aiohttp.ClientSession() as http:
        for token in ("é.ü", "ä" * 40):
            async with http.get(
                f"{gateway.url}/api/transcript", params={"session": token}
            ) as answer:
                assert answer.status == 404 and (await answer.json())["error"] == (
                    "invalid_session"
                )
    refused = await refused_connect(
        gateway.url, namespace="/agents", auth={"token": "é" * 10 + ".x"}
    )
    assert refused["data"]["code"] == "unauthorized", refused
    await disconnect_all(customer, again)


async def test_every_customer_event_is_throttled(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa
) -> None:
    gateway = start_gateway(
        fake_rasa.url, customer_requests_per_minute=2, sessions_per_socket_per_minute=2
    )
    customer = await Customer.connect(gateway.url)
    await customer.start_session()
    refused = await customer.call("rating", {"score": 5})
    assert refused["error"] == "wrong_state"  # no one resolved anything yet
    for _ in range(2):
        assert (await customer.call("contact_details", {"email": "a@b.co"}))["ok"]
    assert (await customer.call("contact_details", {"email": "a@b.co"}))["error"] == (
        "rate_limited"
    )
    await customer.start_session()  # the second of this socket this minute
    mark = customer.mark()
    await customer.emit("session_request", {"extended": True})
    assert (await customer.error("rate_limited", after=mark))["message"]
    await customer.disconnect()


async def test_sockets_are_capped_per_address_behind_trusted_proxies_only(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa
) -> None:
    async def connect(url: str, forwarded_for: str) -> socketio.AsyncClient:
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(
            url,
            headers={"X-Forwarded-For": forwarded_for},
            transports=["websocket"],
            wait_timeout=5,
        )
        return client

    behind_proxy = start_gateway(fake_rasa.url, sockets_per_address=2, trusted_proxies="127.0.0.1")
    opened = [await connect(behind_proxy.url, "198.51.100.7") for _ in range(2)]
    refused = await refused_connect(behind_proxy.url, headers={"X-Forwarded-For": "198.51.100.7"})
    assert refused["data"]["code"] == "too_many_connections", refused
    opened.append(await connect(behind_proxy.url, "203.0.113.5"))  # someone else
    await opened[0].disconnect()
    opened[0] = await connect(behind_proxy.url, "198.51.100.7")  # a place came free

    # Without trusted proxies the header is the client's word: it changes nothing.
    direct = start_gateway(fake_rasa.url, sockets_per_address=2)
    opened += [await connect(direct.url, f"192.0.2.{n}") for n in range(2)]
    refused = await refused_connect(direct.url, headers={"X-Forwarded-For": "192.0.2.99"})
    assert refused["data"]["code"] == "too_many_connections", refused
    await asyncio.gather(*(client.disconnect() for client in opened))


async def _answer_to_trickle(port: int, head: bytes, trickle: bytes) -> bytes:
    """Send `head`, then `trickle` one byte at a time, each well within any timeout;
    everything the server answered until it closed the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head)

    async def dribble() -> None:
        for byte in trickle:
            await asyncio.sleep(0.2)
            writer.write(bytes([byte]))
            await writer.drain()

    async def answer() -> bytes:
        received = await reader.read(65536)
        sender.cancel()  # answered: bytes sent after the server's close would reset it
        try:
            while chunk := await reader.read(65536):
                received += chunk
        except ConnectionResetError:  # the answer is already in hand
            pass
        return received

    sender = asyncio.create_task(dribble())
    try:
        return await asyncio.wait_for(answer(), timeout=20)
    finally:
        sender.cancel()
        writer.close()


async def test_slow_clients_are_cut_off_and_large_bodies_refused(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa
) -> None:
    gateway = start_gateway(
        fake_rasa.url, request_timeout_s=1, response_timeout_s=2, keep_alive_timeout_s=2
    )
    customer = await Customer.connect(gateway.url)
    await customer.start_session()
    post = b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n"
    started = time.monotonic()
    headers, body, leftover = await asyncio.gather(
        _answer_to_trickle(gateway.port, b"GET / HTTP/1.1\r\n", b"X-Slow: " + b"a" * 200),
        _answer_to_trickle(gateway.port, post % b"/api/agents/login", b"{" * 900),
        # Answered at once (no such session); the rest of its body may not trickle on.
        _answer_to_trickle(gateway.port, post % b"/api/attachments?session=x", b"a" * 900),
    )
    assert time.monotonic() - started < 10  # each would take 3 minutes at that pace
    assert headers.startswith(b"HTTP/1.1 408") and b'"request_timeout"' in headers, headers
    assert body.startswith(b"HTTP/1.1 503"), body
    assert leftover.startswith(b"HTTP/1.1 404"), leftover
    # The customer was never held up by them.
    await customer.say("quick")
    await customer.bot_message(lambda m: m.get("text") == "You said: quick")

    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{gateway.url}/api/agents/login", data=b"x" * (200 * 1024)) as answer,
    ):
        assert answer.status == 413
        assert (await answer.json())["error"] == "payload_too_large"
    await customer.disconnect()


async def test_an_oversized_frame_ends_only_its_own_socket(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa
) -> None:
    gateway = start_gateway(fake_rasa.url)
    bystander = await Customer.connect(gateway.url)
    await bystander.start_session()
    flooder = await Customer.connect(gateway.url)
    session = await flooder.start_session()
    await flooder.say("x" * 70_000)  # over the 64,000-byte frame limit: close 1009
    await eventually(lambda: not flooder.sio.connected, what="the flooder's socket closed")
    # The customer comes back where they were; nothing of the flood was recorded.
    back = await Customer.connect(gateway.url)
    assert (await back.start_session(session["token"]))["history"] == []
    await bystander.say("still fine")
    await bystander.bot_message(lambda m: m.get("text") == "You said: still fine")
    await disconnect_all(bystander, back)
