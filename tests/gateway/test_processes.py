"""Gateway processes coming and going: restarts, two processes sharing Redis, Redis dying."""

from __future__ import annotations

import aiohttp
import pytest

from devstack.clients import Agent, Customer, disconnect_all
from devstack.gateways import GatewayProcess
from devstack.servers import RedisServer
from handoff.stores.agents import AgentDirectory
from tests.gateway.conftest import GatewayFactory
from tests.support.fake_rasa import FakeRasa

STOP_DEADLINE_S = 2.0

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


async def test_queued_conversation_survives_gateway_restart(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    gateway = start_gateway(fake_rasa.url)
    customer = await Customer.connect(gateway.url)
    await customer.start_session()
    await customer.emit("request_human", {})
    await customer.bot_message(lambda m: "No one from our team is online" in m.get("text", ""))
    await customer.emit("contact_details", {"email": "ann@example.com"})
    await customer.bot_message(lambda m: "ann@example.com" in m.get("text", ""))
    last_seen = customer.messages()[-1]["id"]

    gateway.restart()  # the customer's socket goes down with the old process
    await customer.disconnect()
    back = await Customer.connect(gateway.url)
    resumed = await back.start_session(customer.token, last_id=last_seen)
    assert resumed["token"] == customer.token and resumed["history"] == []
    assert resumed["status"]["state"] == "queued" and resumed["status"]["position"] == 1

    ada = await Agent.connect(gateway.url, "ada")
    items = ada.of("queue")[-1]["items"]
    assert [i["conversation_id"] for i in items] == [customer.conversation_id]
    assert items[0]["contact"] == {"email": "ann@example.com", "name": ""}
    assert (await ada.call("claim", {"conversation_id": customer.conversation_id}))["ok"]
    await ada.call(
        "message", {"conversation_id": customer.conversation_id, "text": "Sorry for the wait!"}
    )
    assert (await back.bot_message(lambda m: m["role"] == "agent"))["text"] == "Sorry for the wait!"
    await back.disconnect()
    await ada.disconnect()


async def test_customer_and_agent_on_different_processes(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    one, two = start_gateway(fake_rasa.url), start_gateway(fake_rasa.url)
    ada = await Agent.connect(two.url, "ada")
    bob = await Agent.connect(one.url, "bob")
    customer = await Customer.connect(one.url)
    await customer.start_session()
    mark = ada.mark()
    await customer.say("I need a human")
    await ada.sees_queued(customer.conversation_id, after=mark)  # queue pushed across
    cid = customer.conversation_id
    assert (await ada.call("claim", {"conversation_id": cid}))["ok"]
    await bob.wait_for("taken", lambda t: t["conversation_id"] == cid)
    joined = await customer.wait_for("status", lambda s: s["state"] == "with_agent")
    assert joined["agent"] == "Ada"

    for index in range(3):
        await customer.say(f"question {index}")
        await ada.wait_for("entry", lambda e, i=index: e["entry"]["text"] == f"question {i}")
        await ada.call("message", {"conversation_id": cid, "text": f"answer {index}"})
        await customer.bot_message(lambda m, i=index: m["text"] == f"answer {i}")
    await ada.call("typing", {"conversation_id": cid, "typing": True})
    await customer.wait_for("typing", lambda t: t["role"] == "agent")

    # The customer moves to the other process (a load balancer may do that on reconnect).
    last_id = customer.messages()[-1]["id"]
    await customer.disconnect()
    await ada.call("message", {"conversation_id": cid, "text": "while you were away"})
    moved = await Customer.connect(two.url)
    resumed = await moved.start_session(customer.token, last_id=last_id)
    assert [m["text"] for m in resumed["history"]] == ["while you were away"]
    assert (await ada.call("resolve", {"conversation_id": cid}))["ok"]
    await moved.wait_for("status", lambda s: s["state"] == "resolved")
    await disconnect_all(moved, ada, bob)


async def test_dead_redis_gives_clear_errors_without_crashing(fake_rasa: FakeRasa) -> None:
    redis = RedisServer()  # a Redis of this test's own, so it can die
    gateway = GatewayProcess(redis, "dying:", fake_rasa.url)
    try:
        customer = await Customer.connect(gateway.url)
        await customer.start_session()
        await customer.say("hello")
        await customer.bot_message()

        redis.stop()
        mark = customer.mark()
        await customer.say("is anyone there?")
        error = await customer.error("unavailable", after=mark)
        assert "try again" in error["message"].lower()
        await customer.emit("request_human", {})
        await customer.error("unavailable", after=mark + 1)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{gateway.url}/health") as response:
                assert response.status == 503
                assert (await response.json())["redis"] is False
            async with http.post(
                f"{gateway.url}/api/agents/login", json={"username": "ada", "password": "pw"}
            ) as response:
                assert response.status == 503
        late = await Customer.connect(gateway.url)
        await late.emit("session_request", {"session_id": None, "extended": True})
        await late.error("unavailable")
        stock = await Customer.connect(gateway.url)  # a stock Rasa widget is told in words
        await stock.emit("session_request", {"session_id": None})
        assert "temporarily unavailable" in (await stock.bot_message())["text"]
        assert gateway.running
        await disconnect_all(late, stock)
        await customer.disconnect()
    finally:
        gateway.stop()
        redis.stop()


async def test_a_gateway_stops_at_once_with_sockets_open(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    """A deploy or `make run`'s Ctrl-C must not wait out Sanic's graceful timeout."""
    gateway = start_gateway(fake_rasa.url)
    ada = await Agent.connect(gateway.url, "ada")
    customer = await Customer.connect(gateway.url)
    await customer.start_session()
    await customer.say("hello")
    await customer.bot_message()
    polling = await Customer.connect(gateway.url, transports=["polling"])
    await polling.start_session()
    log = gateway.terminate(timeout=STOP_DEADLINE_S)  # fails if it is still running then
    assert "Server Stopped" in log
    for noise in ("Traceback", "Task was destroyed", "Exception"):
        assert noise not in log, log
    await disconnect_all(ada, customer, polling)
