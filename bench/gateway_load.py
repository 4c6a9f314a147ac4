"""Load on the gateway: Socket.IO customers through handoff/ vs. Rasa's stock socketio channel.

    .venv/bin/python -m bench.gateway_load [--customers 20] [--messages 10] [--idle 1000]

Starts a private Redis, the action server, a Rasa server with the REST channel (behind the
gateway), a second Rasa server with the stock socketio channel (no session_persistence),
and one gateway process. Then prints:

- end to end: N concurrent customers, each sending M messages and waiting for the bot's
  answer: straight to Rasa's REST webhook (the bot alone), through the gateway
  (python-socketio clients), and through stock Rasa socketio: msgs/s, p50, p99, the
  gateway's overhead as a share of its end-to-end p50, and the gateway's CPU per message;
- handoff delivery: customer presses "talk to a person" -> an online agent's `queue` event
  lists the conversation (p50, p99);
- idle capacity: K idle connected customers on the one gateway process, its memory, and a
  round trip through it while they are connected.

Figures only; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import socketio

from bench.figures import Figures
from bench.rasa_rest import MESSAGES
from bot.training import ensure_model
from devstack.clients import Agent, Customer
from devstack.gateways import GatewayProcess
from devstack.processes import ManagedProcess, free_port
from devstack.servers import RasaStack, RedisServer, rasa_server_command
from handoff.agents import AgentDirectory
from handoff.keys import Keys

ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- customers
async def gateway_customer(url: str, messages: list[str], latencies: list[float]) -> None:
    customer = await Customer.connect(url)
    await customer.start_session()
    for text in messages:
        mark = customer.mark()
        started = time.perf_counter()
        await customer.say(text)
        reply = await customer.wait_for(
            "bot_uttered", lambda m: m.get("role") != "customer", after=mark, timeout=90
        )
        if reply.get("role") != "bot":  # the bot timed out: handed to a person, stop here
            print(f"  (a conversation was handed off: {reply.get('text')})")
            break
        latencies.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.05)  # the rest of the bot's parts
    await customer.disconnect()


async def stock_customer(url: str, messages: list[str], latencies: list[float]) -> None:
    client = socketio.AsyncClient(reconnection=False)
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    confirmed: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    @client.on("session_confirm")
    async def on_confirm(data: Any) -> None:
        if not confirmed.done():
            confirmed.set_result(data if isinstance(data, str) else data.get("session_id"))

    @client.on("bot_uttered")
    async def on_bot(data: Any) -> None:
        await inbox.put(data)

    await client.connect(url, transports=["websocket"], wait_timeout=10)
    await client.emit("session_request", {"session_id": None})
    session_id = await asyncio.wait_for(confirmed, 10)
    for text in messages:
        while not inbox.empty():
            inbox.get_nowait()
        started = time.perf_counter()
        await client.emit("user_uttered", {"message": text, "session_id": session_id})
        await asyncio.wait_for(inbox.get(), 60)
        latencies.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.05)
    await client.disconnect()


async def rest_customer(url: str, messages: list[str], latencies: list[float]) -> None:
    """Rasa's REST webhook directly: the bot's own time, without any Socket.IO layer."""
    sender = uuid.uuid4().hex
    async with aiohttp.ClientSession() as http:
        for text in messages:
            started = time.perf_counter()
            async with http.post(
                f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
            ) as response:
                await response.json()
            latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.05)


async def drive(kind: str, url: str, customers: int, messages: int) -> Figures:
    latencies: list[float] = []
    run = {"gateway": gateway_customer, "stock": stock_customer, "rest": rest_customer}[kind]
    scripts = [
        [MESSAGES[(i + j) % len(MESSAGES)] for j in range(messages)] for i in range(customers)
    ]
    started = time.perf_counter()
    await asyncio.gather(*(run(url, script, latencies) for script in scripts))
    seconds = time.perf_counter() - started - 0.05 * messages  # minus the pauses
    return Figures(len(latencies), seconds, latencies)


async def handoff_latency(url: str, count: int, concurrency: int) -> Figures:
    """request_human -> the agent's `queue` event naming the conversation."""
    agent = await Agent.connect(url, "bench", "bench-password")
    seen: dict[str, float] = {}

    async def record(data: Any) -> None:
        now = time.perf_counter()
        for item in data["items"]:
            seen.setdefault(item["conversation_id"], now)

    agent.sio.on("queue", record, namespace="/agents")
    latencies: list[float] = []

    async def one() -> None:
        customer = await Customer.connect(url)
        await customer.start_session()
        assert customer.token
        cid = customer.token.rsplit(".", 1)[0]
        started = time.perf_counter()
        await customer.emit("request_human", {})
        while cid not in seen:
            await asyncio.sleep(0.001)
        latencies.append((seen[cid] - started) * 1000)
        await agent.call("close", {"conversation_id": cid})  # keep the queue short
        await customer.disconnect()

    started = time.perf_counter()
    for start in range(0, count, concurrency):
        await asyncio.gather(*(one() for _ in range(min(concurrency, count - start))))
    figures = Figures(len(latencies), time.perf_counter() - started, latencies)
    await agent.disconnect()
    return figures


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def idle_capacity(gateway: GatewayProcess, count: int) -> None:
    pid = gateway.pid
    before = rss_mb(pid)
    idle: list[Customer] = []
    started = time.perf_counter()
    for start in range(0, count, 50):
        batch = await asyncio.gather(
            *(Customer.connect(gateway.url) for _ in range(min(50, count - start)))
        )
        await asyncio.gather(*(c.start_session() for c in batch))
        idle.extend(batch)
    opened = time.perf_counter() - started
    await asyncio.sleep(5)
    connected = sum(1 for c in idle if c.sio.connected)
    after = rss_mb(pid)
    probe = await Customer.connect(gateway.url)
    await probe.start_session()
    t0 = time.perf_counter()
    await probe.say("hello")
    await probe.wait_for("bot_uttered", lambda m: m.get("role") == "bot", timeout=60)
    round_trip = (time.perf_counter() - t0) * 1000
    print(
        f"idle customers held by one gateway   {connected}/{count} connected after 5 s "
        f"(opened in {opened:.1f} s)"
    )
    print(
        f"gateway memory                       {before:.0f} MB -> {after:.0f} MB "
        f"({(after - before) * 1024 / max(count, 1):.1f} KB per idle customer)"
    )
    print(f"a round trip meanwhile               {round_trip:.0f} ms")
    await probe.disconnect()
    await asyncio.gather(*(c.disconnect() for c in idle), return_exceptions=True)


# ----------------------------------------------------------------------------- processes
def start_stock_rasa(
    stack: RasaStack, redis: RedisServer, model: Path
) -> tuple[ManagedProcess, str]:
    port = free_port()
    credentials = Path(tempfile.mkdtemp(prefix="bench-socketio-")) / "credentials.yml"
    credentials.write_text(
        "socketio:\n  user_message_evt: user_uttered\n"
        "  bot_message_evt: bot_uttered\n  session_persistence: false\n"
    )
    process = ManagedProcess(
        f"rasa-socketio-{port}",
        rasa_server_command(model, port, ROOT / "endpoints.yml", credentials),
        {
            "REDIS_HOST": redis.host,
            "REDIS_PORT": str(redis.port),
            "REDIS_DB": "0",
            "ACTION_SERVER_URL": f"http://127.0.0.1:{stack.action_port}/webhook",
            "RASA_TELEMETRY_ENABLED": "false",
        },
    )
    url = f"http://127.0.0.1:{port}"
    process.wait_for_http(url, timeout=180)
    return process, url


async def main_async(args: argparse.Namespace) -> None:
    model = ensure_model()
    redis = RedisServer()
    stack = RasaStack(model, redis)
    stock, stock_url = (None, "") if args.skip_stock else start_stock_rasa(stack, redis, model)
    prefix = f"bench-{uuid.uuid4().hex[:6]}:"
    from redis.asyncio import Redis

    client = Redis(host=redis.host, port=redis.port, decode_responses=True)
    await AgentDirectory(client, Keys(prefix)).add("bench", "Bench", "bench-password")
    await client.close()
    gateway = GatewayProcess(
        redis,
        prefix,
        stack.rasa_url,
        bot_timeout_s=60,
        customer_messages_per_minute=0,
        log_level="WARNING",
    )
    try:
        print(
            f"# {args.customers} concurrent customers x {args.messages} messages, "
            "same bot, same Redis"
        )
        # Warm both paths (model caches, connections) before measuring.
        await drive("gateway", gateway.url, 2, 2)
        await drive("rest", stack.rasa_url, 2, 2)
        if stock:
            await drive("stock", stock_url, 2, 2)
        rest = await drive("rest", stack.rasa_url, args.customers, args.messages)
        print(rest.line("Rasa REST webhook, no gateway"))
        cpu_before = cpu_seconds(gateway.pid)
        through_gateway = await drive("gateway", gateway.url, args.customers, args.messages)
        cpu_ms = (cpu_seconds(gateway.pid) - cpu_before) * 1000 / through_gateway.messages
        print(through_gateway.line("customers -> gateway -> Rasa REST"))
        overhead = through_gateway.p50 - rest.p50
        print(
            f"gateway overhead at p50              {overhead:+.1f} ms "
            f"({100 * overhead / through_gateway.p50:+.1f}% of end-to-end p50); "
            f"gateway CPU {cpu_ms:.1f} ms per message"
        )
        if stock:
            direct = await drive("stock", stock_url, args.customers, args.messages)
            print(direct.line("stock Rasa socketio channel"))
            print(
                f"throughput ratio gateway/stock       {through_gateway.rate / direct.rate:.2f}"
                f"   (p50 {through_gateway.p50:.0f} vs {direct.p50:.0f} ms)"
            )
        handoffs = await handoff_latency(gateway.url, args.handoffs, args.handoff_concurrency)
        print(
            f"handoff delivery (request_human -> agent queue event, "
            f"{args.handoff_concurrency} at a time): p50 {handoffs.p50:.1f} ms   "
            f"p99 {handoffs.p99:.1f} ms   (n={handoffs.messages})"
        )
        if args.idle:
            await idle_capacity(gateway, args.idle)
    finally:
        gateway.stop()
        if stock:
            stock.stop()
        stack.stop()
        redis.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--handoffs", type=int, default=100)
    parser.add_argument("--handoff-concurrency", type=int, default=5)
    parser.add_argument("--idle", type=int, default=1000, help="idle customers (0: skip)")
    parser.add_argument(
        "--skip-stock",
        action="store_true",
        help="do not start the stock socketio Rasa for the ratio",
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
