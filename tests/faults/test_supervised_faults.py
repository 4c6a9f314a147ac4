"""Faults on real processes under `make run`'s supervisor (issue 11), while customers chat
through real Socket.IO clients: Rasa killed with SIGKILL, then the action server.

While a part of the bot is down, every customer who writes is handed to a person, and the
agent can take the chat at once; once supervisord has restarted the part, the bot answers
again. Afterwards every conversation's transcript, as the customer downloads it from the
gateway, holds every message in order, once, and every message the server acknowledged.

How long a part stays down is the test's to decide, not a race with the restart: the
killed service's port is held by a stand-in that hangs up on every connection, so each
restart fails (as in a crash loop) and supervisord keeps retrying until the stand-in goes.

One `make run` serves the whole module (Rasa with two workers, as on a real machine, so a
killed Rasa must not leave a worker holding its port).
"""

from __future__ import annotations

import asyncio
import contextlib
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import aiohttp
import pytest
import pytest_asyncio

from devstack.clients import Agent, Customer, disconnect_all, eventually
from tests.commands.stack import MakeRun, make_run, source_env

pytestmark = pytest.mark.slow

FAQ_QUESTION = "How do I reset my password?"
RESTARTED_WITHIN_S = 180.0  # a busy 2-core machine loads Rasa's model in well under that


@pytest.fixture(scope="module")
def stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MakeRun]:
    # A bot that cannot answer within 5 s counts as down: a Rasa still loading its model
    # accepts connections but answers none.
    with make_run(tmp_path_factory.mktemp("faults"), RASA_WORKERS="2", BOT_TIMEOUT_S="5") as run:
        yield run


@pytest.fixture(scope="module")
def gateway(stack: MakeRun) -> str:
    return f"http://127.0.0.1:{stack.ports['GATEWAY']}"


@pytest_asyncio.fixture
async def agent(stack: MakeRun, gateway: str) -> AsyncIterator[Agent]:
    """`make run`'s demo account, signed in to the console."""
    password = source_env(stack.run_dir)["DEMO_AGENT_PASSWORD"]
    demo = await Agent.connect(gateway, "demo", password)
    yield demo
    await demo.disconnect()


@dataclass
class Chat:
    """A customer, what they typed, and the ids the server acknowledged for this chat."""

    customer: Customer
    said: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)

    @classmethod
    async def open(cls, gateway: str) -> Chat:
        customer = await Customer.connect(gateway)
        await customer.start_session()
        return cls(customer)

    async def say(self, text: str) -> None:
        self.said.append(text)
        await self.customer.say(text)

    async def asks_the_bot(self, text: str, timeout: float = 60.0) -> dict[str, Any]:
        """The bot's first answer to `text`."""
        mark = self.customer.mark()
        await self.say(text)
        return await self.customer.bot_message(lambda m: m["role"] == "bot", mark, timeout)

    async def is_handed_off(self, text: str) -> None:
        """`text` reaches no bot: the customer is told they wait for a person."""
        mark = self.customer.mark()
        await self.say(text)
        await self.customer.wait_for("status", lambda s: s["state"] == "queued", 30, mark)


async def transcript(gateway: str, chat: Chat) -> list[dict[str, Any]]:
    """What the customer downloads (GET /api/transcript), read from Redis by the gateway."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{gateway}/api/transcript", params={"session": chat.customer.token}) as got,
    ):
        assert got.status == 200
        messages: list[dict[str, Any]] = (await got.json())["messages"]
        return messages


async def assert_nothing_lost(gateway: str, chats: list[Chat]) -> None:
    """Each transcript: every customer message once and in order, entries in stream order
    without a repeated id, every acknowledged entry kept."""
    for chat in chats:
        entries = await transcript(gateway, chat)
        ids = [entry["id"] for entry in entries]
        order = [tuple(int(part) for part in entry_id.split("-")) for entry_id in ids]
        assert order == sorted(set(order)), ids
        assert [e["text"] for e in entries if e["role"] == "customer"] == chat.said
        assert [entry_id for entry_id in chat.acknowledged if entry_id not in ids] == []


def health_url(stack: MakeRun, service: str) -> str:
    """Where the service answers 200 once it serves (Rasa: with its model loaded)."""
    if service == "rasa":
        token = source_env(stack.run_dir)["RASA_TOKEN"]
        return f"http://127.0.0.1:{stack.ports['RASA']}/status?token={token}"
    return f"http://127.0.0.1:{stack.ports['ACTION_SERVER']}/health"


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


@contextlib.asynccontextmanager
async def held_down(port: int) -> AsyncIterator[None]:
    """A stand-in on `port` as soon as the killed service let go of it: it hangs up on
    every connection, and a restarted service cannot bind the port, until the block ends."""

    async def hang_up(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    deadline = asyncio.get_running_loop().time() + 10
    while True:
        try:
            stand_in = await asyncio.start_server(hang_up, "127.0.0.1", port, reuse_address=True)
            break
        except OSError:  # still held by the killed service's last workers
            assert asyncio.get_running_loop().time() < deadline, f"port {port} stays taken"
            await asyncio.sleep(0.02)
    try:
        yield
    finally:
        stand_in.close()
        await stand_in.wait_closed()


async def restarted(stack: MakeRun, service: str) -> None:
    """supervisord logged the crash, and the service serves again."""
    assert f"exited: {service} (terminated by SIGKILL; not expected)" in stack.supervisor_log
    url = health_url(stack, service)
    deadline = asyncio.get_running_loop().time() + RESTARTED_WITHIN_S
    while not await asyncio.to_thread(answers, url):
        assert asyncio.get_running_loop().time() < deadline, f"{service} is not back"
        await asyncio.sleep(0.5)


async def a_person_takes_over(agent: Agent, chat: Chat) -> None:
    """The agent claims the queued chat and answers; the customer reads it and replies."""
    conversation_id = chat.customer.conversation_id
    claimed = await agent.call("claim", {"conversation_id": conversation_id})
    assert claimed["ok"], claimed
    sent = await agent.call("message", {"conversation_id": conversation_id, "text": "Demo here"})
    assert sent["ok"], sent
    chat.acknowledged.append(sent["entry"]["id"])
    await chat.customer.bot_message(lambda m: m.get("text") == "Demo here")
    mark = agent.mark()
    await chat.say("thanks, Demo")
    await agent.wait_for("entry", lambda e: e["entry"].get("text") == "thanks, Demo", after=mark)


@pytest.mark.parametrize(("killed", "port"), [("rasa", "RASA"), ("actions", "ACTION_SERVER")])
async def test_a_killed_bot_part_hands_customers_to_a_person_until_it_is_back(
    stack: MakeRun, gateway: str, agent: Agent, killed: str, port: str
) -> None:
    chats = [await Chat.open(gateway) for _ in range(3)]
    for chat in chats:
        assert "password" in (await chat.asks_the_bot(FAQ_QUESTION))["text"].lower()
    writing, waiting, quiet = chats

    restarts_before = stack.supervisor_log.count(f"spawned: '{killed}'")
    stack.kill_service(killed)
    async with held_down(stack.ports[port]):
        # Customers who write meanwhile are not left talking to nobody: a person is asked in.
        await writing.is_handed_off("I want to talk to a person")
        await waiting.is_handed_off(FAQ_QUESTION)
        await agent.sees_queued(waiting.customer.conversation_id)
        await a_person_takes_over(agent, writing)
        await eventually(  # supervisord keeps trying meanwhile
            lambda: stack.supervisor_log.count(f"spawned: '{killed}'") >= restarts_before + 2,
            timeout=RESTARTED_WITHIN_S,
            what=f"supervisord to retry {killed}",
        )

    await restarted(stack, killed)
    # The bot answers again, in a conversation that went on with it.
    assert "password" in (await quiet.asks_the_bot(FAQ_QUESTION))["text"].lower()

    await assert_nothing_lost(gateway, chats)
    await disconnect_all(*(chat.customer for chat in chats))
