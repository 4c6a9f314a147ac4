"""An agent's network drops without a goodbye (no Socket.IO disconnect, no TCP close: the
gateway only notices missed pings): the customer is told, what they write meanwhile
reaches a person, and the agent, back within the grace period, sees everything (issue 11;
test_agent_absence.py covers a clean disconnect)."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from devstack.clients import Agent, Customer, disconnect_all
from devstack.proxy import CuttableProxy
from handoff.stores.agents import AgentDirectory
from handoff.stores.keys import Keys
from handoff.stores.transcript import TranscriptStore
from tests.gateway.conftest import GatewayFactory
from tests.support.fake_rasa import FakeRasa

pytestmark = pytest.mark.asyncio

GRACE_S = 120.0  # far longer than the test: the chat may only leave Ada because of the customer
# The gateway pings every PING_S and gives up on a socket that has not answered within
# PONG_S: a cut is noticed within seconds, and a busy machine drops no healthy socket.
PING_S = 1.0
PONG_S = 3.0


async def test_a_dropped_agent_network_loses_nothing_and_nobody(
    start_gateway: GatewayFactory,
    fake_rasa: FakeRasa,
    agents: AgentDirectory,
    redis: Redis,
    prefix: str,
) -> None:
    gateway = start_gateway(
        fake_rasa.url,
        agent_grace_s=GRACE_S,
        socket_ping_interval_s=PING_S,
        socket_ping_timeout_s=PONG_S,
    )
    customer = await Customer.connect(gateway.url)
    await customer.start_session()
    cid = customer.conversation_id
    await customer.say_recorded("I want a human")
    await customer.wait_for("status", lambda s: s["state"] == "queued")
    ada_network = await CuttableProxy.start(gateway.port)
    ada = await Agent.connect(ada_network.url, "ada")
    bob = await Agent.connect(gateway.url, "bob")
    assert (await ada.call("claim", {"conversation_id": cid}))["ok"]
    await customer.say_recorded("my order never came")
    await ada.wait_for("entry", lambda e: e["entry"].get("text") == "my order never came")
    assert (await ada.call("message", {"conversation_id": cid, "text": "Let me check."}))["ok"]

    mark = customer.mark()
    ada_network.cut()
    notice = await customer.bot_message(lambda m: "lost" in m.get("text", ""), after=mark)
    assert notice["text"] == "Ada lost connection, reconnecting..."
    await customer.wait_for("status", lambda s: s.get("agent_connected") is False, after=mark)

    mark = bob.mark()
    await customer.say_recorded("hello? are you still there?")
    queue = await bob.sees_queued(cid, after=mark)
    assert queue["items"][0]["last_message"] == "hello? are you still there?"

    await ada_network.close()
    ada = await Agent.connect(gateway.url, "ada")  # her console, back within the grace
    assert cid in ada.queue_ids()
    claimed = await ada.call("claim", {"conversation_id": cid})
    assert claimed["ok"]
    await customer.wait_for(
        "status", lambda s: s.get("agent") == "Ada" and s["state"] == "with_agent"
    )
    said = [
        (entry["role"], entry["text"])
        for entry in claimed["transcript"]
        if entry["role"] in ("customer", "agent")
    ]
    assert said == [
        ("customer", "I want a human"),
        ("customer", "my order never came"),
        ("agent", "Let me check."),
        ("customer", "hello? are you still there?"),
    ]
    kept = await TranscriptStore(redis, Keys(prefix)).read(cid)
    assert len({entry["id"] for entry in kept}) == len(kept) == len(claimed["transcript"])
    await disconnect_all(customer, ada, bob)
