"""An agent's connection drops, across two gateway processes: their customer is told at
once (long before the grace period ends), hears when they are back, and a message written
while they are away reaches the rest of the team at once (issue 11)."""

from __future__ import annotations

import pytest

from devstack.clients import Agent, Customer, disconnect_all
from handoff.stores.agents import AgentDirectory
from tests.gateway.conftest import GatewayFactory
from tests.support.fake_rasa import FakeRasa

pytestmark = pytest.mark.asyncio

GRACE_S = 120.0  # far longer than any wait below: nothing here waits for the sweep


async def test_the_customer_sees_the_agent_go_and_come_back_then_reaches_the_team(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    front = start_gateway(fake_rasa.url, agent_grace_s=GRACE_S)
    back = start_gateway(fake_rasa.url, agent_grace_s=GRACE_S)
    customer = await Customer.connect(front.url)
    await customer.start_session()
    await customer.emit("request_human")
    await customer.wait_for("status", lambda s: s["state"] == "queued")
    ada = await Agent.connect(back.url, "ada")
    assert (await ada.call("claim", {"conversation_id": customer.conversation_id}))["ok"]
    await customer.wait_for("status", lambda s: s.get("agent_connected") is True)

    mark = customer.mark()
    await ada.disconnect()
    away = await customer.bot_message(lambda m: "lost" in m.get("text", ""), after=mark)
    assert (away["role"], away["text"]) == ("system", "Ada lost connection, reconnecting...")
    status = await customer.wait_for("status", after=mark)
    assert (status["state"], status["agent"], status["agent_connected"]) == (
        "with_agent",
        "Ada",
        False,
    )

    mark = customer.mark()
    ada = await Agent.connect(front.url, "ada")  # back, through the other gateway
    await customer.bot_message(lambda m: m["text"] == "Ada is back.", after=mark)
    await customer.wait_for("status", lambda s: s.get("agent_connected") is True, after=mark)
    assert [c["conversation_id"] for c in ada.of("chats")[-1]["items"]] == [
        customer.conversation_id
    ]

    bob = await Agent.connect(back.url, "bob")
    mark = customer.mark()
    await ada.disconnect()
    await customer.wait_for("status", lambda s: s.get("agent_connected") is False, after=mark)
    mark = bob.mark()
    await customer.say("hello? is anyone there?")
    queue = await bob.sees_queued(customer.conversation_id, after=mark)
    [item] = queue["items"]
    assert (item["reason"], item["last_message"]) == (
        "agent_disconnected",
        "hello? is anyone there?",
    )
    await customer.wait_for("status", lambda s: s["state"] == "queued" and s["position"] == 1)
    await disconnect_all(customer, bob)
