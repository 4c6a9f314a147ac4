"""nginx with sticky sessions in front of two gateway processes, exactly as docs/scaling.md
configures it: customers (long-polling, then WebSocket) and agents connect through nginx,
the gateway serving them is killed with SIGKILL, and everyone reconnects through nginx to
the other one and carries on with the full history, nothing lost or doubled (issue 11).

Needs Debian's nginx (`scripts/setup.sh --browser` installs it); this test starts its own
on a free loopback port, in the foreground, and stops it afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import textwrap
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import aiohttp
import pytest
import pytest_asyncio
from redis.asyncio import Redis

from devstack.clients import Agent, Customer, disconnect_all, eventually
from devstack.gateways import GatewayProcess
from devstack.processes import ROOT, ManagedProcess, free_port
from handoff.stores.agents import AgentDirectory
from handoff.stores.keys import Keys
from handoff.stores.transcript import TranscriptStore
from tests.gateway.conftest import GatewayFactory
from tests.support.fake_rasa import FakeRasa

pytestmark = pytest.mark.asyncio

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
POLLING_FIRST = ["polling", "websocket"]  # rasa-webchat's default: needs stickiness


def nginx_config(port: int, gateway_ports: list[int], scratch: Path) -> str:
    """docs/scaling.md's nginx block on our ports, inside a minimal foreground config."""
    documented = re.search(r"```nginx\n(.*?)```", (ROOT / "docs" / "scaling.md").read_text(), re.S)
    assert documented, "docs/scaling.md has no nginx block"
    block = textwrap.dedent(documented.group(1)).replace("listen 80;", f"listen 127.0.0.1:{port};")
    upstreams = iter(gateway_ports)
    block = re.sub(
        r"server 127\.0\.0\.1:\d+;", lambda _: f"server 127.0.0.1:{next(upstreams)};", block
    )
    temp = "\n".join(
        f"    {kind}_temp_path {scratch / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"daemon off;\nworker_processes 1;\npid {scratch / 'nginx.pid'};\nerror_log stderr;\n"
        f"events {{ worker_connections 512; }}\n"
        f"http {{\n    access_log off;\n{temp}\n{textwrap.indent(block, '    ')}}}\n"
    )


@pytest.fixture
def gateways(start_gateway: GatewayFactory, fake_rasa: FakeRasa) -> list[GatewayProcess]:
    return [start_gateway(fake_rasa.url, trusted_proxies="127.0.0.1") for _ in range(2)]


@pytest.fixture
def balancer(gateways: list[GatewayProcess], tmp_path: Path) -> Iterator[str]:
    """nginx in front of both gateways; its URL."""
    if not os.access(NGINX, os.X_OK):
        pytest.fail("nginx is needed: run scripts/setup.sh --browser")
    port = free_port()
    config = tmp_path / "nginx.conf"
    config.write_text(nginx_config(port, [g.port for g in gateways], tmp_path))
    nginx = ManagedProcess("nginx", [NGINX, "-e", "stderr", "-p", str(tmp_path), "-c", str(config)])
    try:
        nginx.wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        nginx.stop()


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def process_of(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(f"{url}/health") as response:
        body: dict[str, Any] = await response.json()
        return str(body["process"])


def stream_order(entry: dict[str, Any]) -> tuple[int, int]:
    milliseconds, sequence = entry["id"].split("-")
    return int(milliseconds), int(sequence)


async def test_a_gateway_killed_behind_nginx_loses_nothing(
    gateways: list[GatewayProcess],
    balancer: str,
    agents: AgentDirectory,
    http: aiohttp.ClientSession,
    redis: Redis,
    prefix: str,
) -> None:
    ada = await Agent.connect(balancer, "ada")
    helped = await Customer.connect(balancer, transports=POLLING_FIRST)
    await helped.start_session()
    await helped.say("my wifi is broken")  # the fake bot gives up: queued
    await helped.wait_for("status", lambda s: s["state"] == "queued")
    assert (await ada.call("claim", {"conversation_id": helped.conversation_id}))["ok"]
    await helped.say("before the failover")
    await ada.wait_for("entry", lambda e: e["entry"].get("text") == "before the failover")
    await ada.call("message", {"conversation_id": helped.conversation_id, "text": "Ada here"})
    await helped.bot_message(lambda m: m.get("text") == "Ada here")
    chatting = await Customer.connect(balancer, transports=POLLING_FIRST)
    await chatting.start_session()
    await chatting.say("hello")
    await chatting.bot_message(lambda m: m.get("text") == "You said: hello")
    seen_before = [m["id"] for m in helped.messages()]

    # The process nginx sends us to dies at once: no socket is closed cleanly.
    serving = await process_of(http, balancer)
    [victim] = [g for g in gateways if await process_of(http, g.url) == serving]
    [survivor] = [g for g in gateways if g is not victim]
    os.kill(victim.pid, signal.SIGKILL)
    await eventually(lambda: not victim.running, what="the killed gateway to exit")
    await eventually(
        lambda: not any(c.sio.connected for c in (ada, helped, chatting)),
        what="every client to see its connection drop",
    )

    # Everyone comes back through nginx, which now sends them to the other process.
    assert await process_of(http, balancer) == await process_of(http, survivor.url)
    ada = await Agent.connect(balancer, "ada")
    [held] = ada.of("chats")[-1]["items"]
    assert held["conversation_id"] == helped.conversation_id
    helped_again = await Customer.connect(balancer, transports=POLLING_FIRST)
    resumed = await helped_again.start_session(token=helped.token)
    history = resumed["history"]
    assert [e["id"] for e in history if e["id"] in seen_before] == seen_before
    assert [e["text"] for e in history if e["role"] == "customer"] == [
        "my wifi is broken",
        "before the failover",
    ]
    chatting_again = await Customer.connect(balancer, transports=POLLING_FIRST)
    await chatting_again.start_session(token=chatting.token)

    # And carries on.
    await helped_again.say("after the failover")
    await ada.wait_for("entry", lambda e: e["entry"].get("text") == "after the failover")
    await ada.call("message", {"conversation_id": helped.conversation_id, "text": "still here"})
    await helped_again.bot_message(lambda m: m.get("text") == "still here")
    await chatting_again.say("hello again")
    await chatting_again.bot_message(lambda m: m.get("text") == "You said: hello again")

    transcripts = TranscriptStore(redis, Keys(prefix))
    for customer, said in (
        (helped, ["my wifi is broken", "before the failover", "after the failover"]),
        (chatting, ["hello", "hello again"]),
    ):
        stored = await transcripts.read(customer.conversation_id)
        assert [e["text"] for e in stored if e["role"] == "customer"] == said
        assert [stream_order(e) for e in stored] == sorted({stream_order(e) for e in stored})
    stored = await transcripts.read(helped.conversation_id)
    assert [e["text"] for e in stored if e["role"] == "agent"] == ["Ada here", "still here"]
    await disconnect_all(ada, helped_again, chatting_again)
