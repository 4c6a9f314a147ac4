"""The agent namespace: login, the live queue, claiming, chatting, notes, transfers,
resolving and the grace period, through real gateway processes and Socket.IO clients."""

from __future__ import annotations

import asyncio

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


async def test_unauthenticated_agents_are_refused(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    gateway = start_gateway(fake_rasa.url)
    assert (await Agent.login(gateway.url, "ada", "wrong"))["status"] == 401
    assert (await Agent.login(gateway.url, "nobody", "pw"))["status"] == 401
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{gateway.url}/api/agents/login", data=b"not json") as response,
    ):
        assert response.status == 400
    good = await Agent.login(gateway.url, "ada", "pw")
    assert good["status"] == 200 and good["name"] == "Ada"
    body, signature = good["token"].split(".")
    for auth in (None, {}, {"token": "nonsense"}, {"token": f"{body}.{'0' * len(signature)}"}):
        client = socketio.AsyncClient(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(
                gateway.url,
                namespaces=["/agents"],
                auth=auth,
                transports=["websocket"],
                wait_timeout=5,
            )
        await client.disconnect()


async def test_handoff_reaches_every_agent_and_claimer_gets_full_transcript(
    start_gateway: GatewayFactory,
    fake_rasa: FakeRasa,
    agents: AgentDirectory,
    redis: Redis,
    prefix: str,
) -> None:
    gateway = start_gateway(fake_rasa.url)
    ada = await Agent.connect(gateway.url, "ada")
    bob = await Agent.connect(gateway.url, "bob")
    marks = ada.mark(), bob.mark()

    customer = await Customer.connect(gateway.url)
    await customer.start_session()
    await customer.say("hello")
    await customer.bot_message()
    await customer.say("my wifi is broken")  # the fake bot gives up: low confidence 0.31
    status = await customer.wait_for("status", lambda s: s["state"] == "queued")
    assert status["position"] == 1 and status["agents_online"] == 2
    assert isinstance(status["estimated_wait_s"], int)
    cid = customer.conversation_id
    for agent, mark in zip((ada, bob), marks, strict=True):
        queue = await agent.sees_queued(cid, after=mark)
        item = queue["items"][0]
        assert (item["reason"], item["confidence"], item["last_message"]) == (
            "low_confidence",
            0.31,
            "my wifi is broken",
        )

    claimed, lost = await asyncio.gather(
        ada.call("claim", {"conversation_id": cid}), bob.call("claim", {"conversation_id": cid})
    )
    if not claimed["ok"]:
        ada, bob, claimed, lost = bob, ada, lost, claimed
    assert lost == {"ok": False, "error": "taken", "message": lost["message"]}
    await bob.wait_for("taken", lambda t: t["conversation_id"] == cid)
    roles = [(e["role"], e.get("event")) for e in claimed["transcript"]]
    assert roles == [
        ("customer", None),
        ("bot", None),
        ("customer", None),
        ("bot", None),
        ("system", "handoff"),
        ("system", "claimed"),
    ]
    handoff = claimed["transcript"][4]
    assert (handoff["reason"], handoff["confidence"]) == ("low_confidence", 0.31)
    assert claimed["transcript"][1]["faq_id"] == "echo"  # the answer signal, for agents
    joined = await customer.wait_for("status", lambda s: s["state"] == "with_agent")
    assert joined["agent"] == ada.name

    # With a person in charge, customer messages go to the agent, never to Rasa.
    asked = len(fake_rasa.received)
    mark = ada.mark()
    await customer.emit("typing", {"typing": True})
    await customer.say("are you there?")
    entry = await ada.wait_for("entry", lambda e: e["entry"]["role"] == "customer", after=mark)
    assert entry["entry"]["text"] == "are you there?"
    assert await ada.wait_for("typing", after=mark) == {"conversation_id": cid, "typing": True}
    await ada.call("typing", {"conversation_id": cid, "typing": True})
    assert await customer.wait_for("typing", lambda t: t["role"] == "agent") == {
        "role": "agent",
        "name": ada.name,
        "typing": True,
    }
    sent = await ada.call("message", {"conversation_id": cid, "text": "Yes, how can I help?"})
    reply = await customer.bot_message(lambda m: m["role"] == "agent")
    assert (reply["text"], reply["name"], reply["id"]) == (
        "Yes, how can I help?",
        ada.name,
        sent["entry"]["id"],
    )
    assert len(fake_rasa.received) == asked

    # Only the holder may write to the customer.
    refused = await bob.call("message", {"conversation_id": cid, "text": "me too"})
    assert refused["error"] == "not_your_chat"

    # Internal notes: recorded, shown to agents, never to the customer.
    note = await ada.call("note", {"conversation_id": cid, "text": "VIP customer"})
    await ada.wait_for("entry", lambda e: e["entry"]["id"] == note["entry"]["id"])
    await gateway.settled(customer)
    assert "VIP" not in str(customer.events)
    stored = await TranscriptStore(redis, Keys(prefix)).read(cid)
    assert any(e["role"] == "note" and e["text"] == "VIP customer" for e in stored)
    again = await Customer.connect(gateway.url)
    history = (await again.start_session(customer.token))["history"]
    assert "VIP" not in str(history) and "reason" not in str(history)
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{gateway.url}/api/transcript", params={"session": customer.token}) as response,
    ):
        assert "VIP" not in await response.text()
    await disconnect_all(again, customer, ada, bob)


async def test_crossing_messages_all_land_in_order(
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
    assert (await ada.call("claim", {"conversation_id": cid}))["ok"]

    async def customer_side() -> None:
        for index in range(10):
            await customer.say(f"customer {index}")

    async def agent_side() -> None:
        for index in range(10):
            await ada.sio.emit(
                "message", {"conversation_id": cid, "text": f"agent {index}"}, namespace="/agents"
            )

    await asyncio.gather(customer_side(), agent_side())
    await eventually(
        lambda: len([m for m in customer.messages() if m["role"] == "agent"]) == 10,
        what="10 agent messages at the customer",
    )
    await eventually(
        lambda: len([e for e in ada.of("entry") if e["entry"]["role"] == "customer"]) == 10,
        what="10 customer messages at the agent",
    )
    stored = [
        e
        for e in await TranscriptStore(redis, Keys(prefix)).read(cid)
        if e["role"] in ("customer", "agent") and e["text"][-1].isdigit()
    ]
    assert sorted(e["text"] for e in stored) == sorted(
        [f"customer {i}" for i in range(10)] + [f"agent {i}" for i in range(10)]
    )
    # Each side's own messages keep their order in the one transcript, and each side
    # receives the other's in transcript order.
    for role in ("customer", "agent"):
        assert [e["text"] for e in stored if e["role"] == role] == [
            f"{role} {i}" for i in range(10)
        ]
    at_customer = [m["id"] for m in customer.messages() if m["role"] == "agent"]
    at_agent = [e["entry"]["id"] for e in ada.of("entry") if e["entry"]["role"] == "customer"]
    assert at_customer == [e["id"] for e in stored if e["role"] == "agent"]
    assert at_agent == [e["id"] for e in stored if e["role"] == "customer"]
    await customer.disconnect()
    await ada.disconnect()


async def test_transfer_and_resolve(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    gateway = start_gateway(fake_rasa.url)
    ada = await Agent.connect(gateway.url, "ada")
    bob = await Agent.connect(gateway.url, "bob")
    earlier = await queued_customer(gateway.url, "my wifi is broken, first")
    customer = await queued_customer(gateway.url)
    cid = customer.conversation_id
    assert (await ada.call("claim", {"conversation_id": cid}))["ok"]

    assert (await ada.call("transfer", {"conversation_id": cid, "to": "cy"}))[
        "error"
    ] == "agent_offline"
    assert (await ada.call("transfer", {"conversation_id": cid, "to": "bob"}))["ok"]
    assigned = await bob.wait_for("assigned", lambda a: a["conversation_id"] == cid)
    assert assigned["transcript"][-1]["event"] == "transferred"
    assert await ada.wait_for("closed") == {"conversation_id": cid, "state": "transferred"}
    status = await customer.wait_for("status", lambda s: s.get("agent") == bob.name)
    assert status["state"] == "with_agent"

    # Back to the queue: at its head, ahead of the customer who waited before.
    mark = ada.mark()
    assert (await bob.call("transfer", {"conversation_id": cid, "to": None}))["ok"]
    queue = await ada.sees_queued(cid, after=mark)
    assert [i["conversation_id"] for i in queue["items"]] == [cid, earlier.conversation_id]
    assert queue["items"][0]["reason"] == "agent_transfer"
    await customer.wait_for("status", lambda s: s["state"] == "queued" and s["position"] == 1)

    assert (await ada.call("claim", {"conversation_id": cid}))["ok"]
    mark = customer.mark()
    assert (await ada.call("resolve", {"conversation_id": cid}))["ok"]
    resolved = await customer.wait_for("status", lambda s: s["state"] == "resolved", after=mark)
    assert resolved["agent"] == ada.name
    told = await customer.bot_message(lambda m: m.get("role") == "system", after=mark)
    assert "resolved" in told["text"]
    # The bot is in charge again.
    await customer.say("thanks")
    assert (await customer.bot_message(lambda m: m["role"] == "bot", after=mark))[
        "text"
    ] == "You said: thanks"
    await customer.emit("rating", {"score": 5})
    await customer.bot_message(lambda m: m["text"] == "Thanks for your feedback!")
    await disconnect_all(earlier, customer, ada, bob)


async def test_vanished_agent_chats_go_back_to_head_of_queue(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    gateway = start_gateway(fake_rasa.url, agent_grace_s=1.5)
    ada = await Agent.connect(gateway.url, "ada")
    bob = await Agent.connect(gateway.url, "bob")
    waiting = await queued_customer(gateway.url, "my wifi is broken, waiting")
    helped = await queued_customer(gateway.url)
    cid = helped.conversation_id
    assert (await ada.call("claim", {"conversation_id": cid}))["ok"]

    # A short drop keeps the chat (tests/unit: even after the grace period's sweep).
    await ada.disconnect()
    ada = await Agent.connect(gateway.url, "ada")
    chats = ada.of("chats")[-1]["items"]
    assert [c["conversation_id"] for c in chats] == [cid] and chats[0]["transcript"]
    assert (await ada.call("message", {"conversation_id": cid, "text": "still here"}))["ok"]

    # Gone for longer than the grace period: the chat goes back, at the head of the queue.
    mark = bob.mark()
    await ada.disconnect()
    queue = await bob.sees_queued(cid, after=mark)
    assert [i["conversation_id"] for i in queue["items"]] == [cid, waiting.conversation_id]
    assert queue["items"][0]["reason"] == "agent_disconnected"
    notice = await helped.bot_message(lambda m: "disconnected" in m.get("text", ""))
    assert notice["role"] == "system"
    await helped.wait_for("status", lambda s: s["state"] == "queued" and s["position"] == 1)
    await disconnect_all(waiting, helped, bob)


async def test_a_claim_moves_the_next_customer_up_with_one_status_update(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    gateway = start_gateway(fake_rasa.url)
    ada = await Agent.connect(gateway.url, "ada")
    first, second = await queued_customer(gateway.url), await queued_customer(gateway.url)
    await second.wait_for("status", lambda s: s.get("position") == 2)
    await gateway.settled(second)  # earlier broadcasts have landed
    mark = second.mark()
    assert (await ada.call("claim", {"conversation_id": first.conversation_id}))["ok"]
    moved = await second.wait_for("status", lambda s: s.get("position") == 1, after=mark)
    assert moved["state"] == "queued" and moved["agents_online"] == 1
    assert isinstance(moved["estimated_wait_s"], int) and moved["estimated_wait_s"] > 0
    await gateway.settled(second)
    assert [name for name, _ in second.events[mark:]].count("status") == 1
    await disconnect_all(first, second, ada)


async def test_presence_and_concurrency_limit(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    gateway = start_gateway(fake_rasa.url, agent_chat_limit=1)
    ada = await Agent.connect(gateway.url, "ada")
    first, second = await queued_customer(gateway.url), await queued_customer(gateway.url)
    assert (await ada.call("claim", {"conversation_id": first.conversation_id}))["ok"]
    refused = await ada.call("claim", {"conversation_id": second.conversation_id})
    assert refused["error"] == "limit_reached"
    roster = (await ada.call("sync"))["agents"]["agents"]
    assert {a["username"]: (a["status"], a["open_chats"], a["limit"]) for a in roster} == {
        "ada": ("available", 1, 1),
        "bob": ("offline", 0, 1),
        "cy": ("offline", 0, 1),
    }

    mark = second.mark()
    assert (await ada.call("presence", {"status": "away"}))["ok"]
    status = await second.wait_for("status", after=mark)
    assert status["agents_online"] == 0 and status["estimated_wait_s"] is None
    agents_event = await ada.wait_for(
        "agents", lambda a: any(x["status"] == "away" for x in a["agents"])
    )
    assert [x["status"] for x in agents_event["agents"] if x["username"] == "ada"] == ["away"]
    assert (await ada.call("presence", {"status": "asleep"}))["error"] == "invalid_status"
    await disconnect_all(first, second, ada)


async def test_claim_race_exactly_one_winner_50_times(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    """Two agents on two gateway processes claim each of 50 conversations at once."""
    one = start_gateway(fake_rasa.url, sessions_per_socket_per_minute=0)  # 50 on one socket
    two = start_gateway(fake_rasa.url)
    ada = await Agent.connect(one.url, "ada")
    bob = await Agent.connect(two.url, "bob")
    customer = await Customer.connect(one.url)
    winners = []
    for _ in range(50):
        await customer.start_session()  # a fresh conversation each round
        mark = customer.mark()
        await customer.emit("request_human", {})
        await customer.wait_for("status", lambda s: s["state"] == "queued", after=mark)
        cid = customer.conversation_id
        acks = await asyncio.gather(
            ada.call("claim", {"conversation_id": cid}), bob.call("claim", {"conversation_id": cid})
        )
        assert sorted(bool(a["ok"]) for a in acks) == [False, True], acks
        assert [a["error"] for a in acks if not a["ok"]] == ["taken"]
        winner = ada if acks[0]["ok"] else bob
        winners.append(winner.name)
        assert (await winner.call("resolve", {"conversation_id": cid}))["ok"]
    assert len(winners) == 50
    await disconnect_all(customer, ada, bob)
