"""Load on the gateway: Socket.IO customers through handoff/ vs. Rasa's stock socketio channel.

    .venv/bin/python -m bench.gateway_load [--customers 20] [--messages 10] [--idle 1000] [--smoke]

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
  round trip through it while they are connected;

and last the figures as one JSON line. Every customer message of a run is a different
question, so no path is flattered by what the bot saw before.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import json
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterator

import aiohttp
import socketio

from bench.cli import add_rasa_workers, parse_args, start_rasa_stack
from bench.figures import Figures, print_json_line
from bench.rasa_rest import answerable_messages
from bot.training import ensure_model
from devstack.clients import Agent, Customer, eventually
from devstack.gateways import GatewayProcess
from devstack.processes import ROOT, ManagedProcess, free_port
from devstack.servers import RasaStack, RedisServer, rasa_server_command

AGENT = {"username": "bench", "name": "Bench", "password": "bench-password"}
PAUSE_S = 0.05  # between a customer's messages: lets the bot's last parts of an answer arrive


# ----------------------------------------------------------------------------- customers
def _answered_or_queued(customer: Customer, mark: int) -> Any:
    """The bot's answer since `mark`, or the status that says a person now has the chat
    (after a hand-off the bot answers no more, and the queue's status says so)."""
    for name, data in customer.events[mark:]:
        if name == "bot_uttered" and data.get("role") == "bot":
            return data
        if name == "status" and data.get("state") != "bot":
            return data
    return None


async def gateway_customer(url: str, messages: list[str], latencies: list[float]) -> None:
    customer = await Customer.connect(url)
    await customer.start_session()
    for text in messages:
        mark = customer.mark()
        started = time.perf_counter()
        await customer.say(text)
        reply = await eventually(
            functools.partial(_answered_or_queued, customer, mark),
            90,
            "the bot's answer or a hand-off",
        )
        if "state" in reply:  # handed to a person: this customer is done with the bot
            break
        latencies.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(PAUSE_S)
    await customer.disconnect()


async def stock_customer(url: str, messages: list[str], latencies: list[float]) -> None:
    client = socketio.AsyncClient(reconnection=False)
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    confirmed: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def on_confirm(data: Any) -> None:
        if not confirmed.done():
            confirmed.set_result(data if isinstance(data, str) else data.get("session_id"))

    client.on("session_confirm", on_confirm)
    client.on("bot_uttered", inbox.put)
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
        await asyncio.sleep(PAUSE_S)
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
                response.raise_for_status()
                await response.json()
            latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(PAUSE_S)


CustomerRun = Callable[[str, list[str], list[float]], Awaitable[None]]


async def drive(
    run: CustomerRun, url: str, pool: Iterator[str], customers: int, messages: int
) -> Figures:
    """`customers` at once, each sending `messages` questions from `pool` one by one."""
    latencies: list[float] = []
    scripts = [list(itertools.islice(pool, messages)) for _ in range(customers)]
    started = time.perf_counter()
    await asyncio.gather(*(run(url, script, latencies) for script in scripts))
    seconds = time.perf_counter() - started - PAUSE_S * messages
    return Figures(len(latencies), seconds, latencies)


async def handoff_latency(url: str, count: int, concurrency: int) -> Figures:
    """request_human -> the agent's `queue` event naming the conversation."""
    agent = await Agent.connect(url, AGENT["username"], AGENT["password"])
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
        cid = customer.conversation_id
        started = time.perf_counter()
        await customer.emit("request_human", {})
        await eventually(lambda: cid in seen, timeout=30, what=f"{cid} in the agent's queue")
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


async def idle_capacity(gateway: GatewayProcess, count: int, hold_s: float) -> dict[str, float]:
    """`count` customers connect and stay idle for `hold_s`; memory, and a round trip meanwhile."""
    before = rss_mb(gateway.pid)
    idle: list[Customer] = []
    started = time.perf_counter()
    for start in range(0, count, 50):
        batch = await asyncio.gather(
            *(Customer.connect(gateway.url) for _ in range(min(50, count - start)))
        )
        await asyncio.gather(*(c.start_session() for c in batch))
        idle.extend(batch)
    opened = time.perf_counter() - started
    await asyncio.sleep(hold_s)  # the span they must stay connected through
    connected = sum(1 for c in idle if c.sio.connected)
    after = rss_mb(gateway.pid)
    probe = await Customer.connect(gateway.url)
    await probe.start_session()
    mark = probe.mark()
    t0 = time.perf_counter()
    await probe.say("hello")
    await probe.bot_message(lambda m: m.get("role") == "bot", after=mark, timeout=60)
    round_trip = (time.perf_counter() - t0) * 1000
    await probe.disconnect()
    await asyncio.gather(*(c.disconnect() for c in idle), return_exceptions=True)
    each_kb = (after - before) * 1024 / max(count, 1)
    print(
        f"idle customers held by one gateway   {connected}/{count} connected after {hold_s:g} s "
        f"(opened in {opened:.1f} s)"
    )
    print(
        f"gateway memory                       {before:.0f} MB -> {after:.0f} MB "
        f"({each_kb:.1f} KB per idle customer)"
    )
    print(f"a round trip meanwhile               {round_trip:.0f} ms")
    return {
        "idle_customers": count,
        "idle_connected": connected,
        "gateway_rss_before_mb": before,
        "gateway_rss_after_mb": after,
        "idle_kb_per_customer": each_kb,
        "idle_round_trip_ms": round_trip,
    }


async def measure(
    args: argparse.Namespace, stack: RasaStack, gateway: GatewayProcess, stock_url: str | None
) -> dict[str, float]:
    """Every figure of the run, printed for a person as it comes and returned for the JSON."""
    print(f"# {args.customers} concurrent customers x {args.messages} messages, same bot")
    # Answerable questions on every path: a hand-off ends a gateway customer's run early,
    # which would lighten the gateway's load and flatter it.
    pool = answerable_messages()
    paths: dict[str, tuple[CustomerRun, str]] = {
        "rest": (rest_customer, stack.rasa_url),
        "gateway": (gateway_customer, gateway.url),
    }
    if stock_url:
        paths["stock_socketio"] = (stock_customer, stock_url)
    for run, url in paths.values():  # warm up: model caches, connections
        await drive(run, url, pool, 2, 2)
    figures: dict[str, float] = {"customers": args.customers, "messages": args.messages}

    rest = await drive(rest_customer, stack.rasa_url, pool, args.customers, args.messages)
    print(rest.line("Rasa REST webhook, no gateway"))
    cpu_before = cpu_seconds(gateway.pid)
    through = await drive(gateway_customer, gateway.url, pool, args.customers, args.messages)
    cpu_ms = (cpu_seconds(gateway.pid) - cpu_before) * 1000 / through.messages
    print(through.line("customers -> gateway -> Rasa REST"))
    overhead = through.p50 - rest.p50
    print(
        f"gateway overhead at p50              {overhead:+.1f} ms "
        f"({100 * overhead / through.p50:+.1f}% of end-to-end p50); "
        f"gateway CPU {cpu_ms:.1f} ms per message"
    )
    figures |= rest.as_dict("rest_") | through.as_dict("gateway_")
    figures |= {
        "gateway_overhead_ms": overhead,
        "gateway_overhead_pct": 100 * overhead / through.p50,
        "gateway_cpu_ms_per_msg": cpu_ms,
    }
    if stock_url:
        direct = await drive(stock_customer, stock_url, pool, args.customers, args.messages)
        print(direct.line("stock Rasa socketio channel"))
        print(
            f"throughput ratio gateway/stock       {through.rate / direct.rate:.2f}"
            f"   (p50 {through.p50:.0f} vs {direct.p50:.0f} ms)"
        )
        figures |= direct.as_dict("stock_socketio_") | {"ratio": through.rate / direct.rate}

    handoffs = await handoff_latency(gateway.url, args.handoffs, args.handoff_concurrency)
    print(
        f"handoff delivery (request_human -> agent queue event, "
        f"{args.handoff_concurrency} at a time): p50 {handoffs.p50:.1f} ms   "
        f"p99 {handoffs.p99:.1f} ms   (n={handoffs.messages})"
    )
    figures |= {
        "handoffs": handoffs.messages,
        "handoff_p50_ms": handoffs.p50,
        "handoff_p99_ms": handoffs.p99,
    }
    if args.idle:
        figures |= await idle_capacity(gateway, args.idle, args.idle_hold)
    return figures


# ----------------------------------------------------------------------------- processes
def start_stock_rasa(
    redis: RedisServer, model: Path, action_port: int, workdir: Path
) -> tuple[ManagedProcess, str]:
    """Our bot behind Rasa's stock socketio channel, still loading; its URL."""
    port = free_port()
    credentials = workdir / "credentials.yml"
    credentials.write_text(
        "socketio:\n  user_message_evt: user_uttered\n"
        "  bot_message_evt: bot_uttered\n  session_persistence: false\n"
    )
    process = ManagedProcess(
        f"bench-rasa-socketio-{port}",
        rasa_server_command(model, port, ROOT / "endpoints.yml", credentials),
        {
            "REDIS_HOST": redis.host,
            "REDIS_PORT": str(redis.port),
            "REDIS_DB": "0",
            "REDIS_PASSWORD": "",  # endpoints.yml names it; the bench's Redis has none
            "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
            "RASA_TELEMETRY_ENABLED": "false",
        },
    )
    return process, f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--handoffs", type=int, default=100)
    parser.add_argument("--handoff-concurrency", type=int, default=5)
    parser.add_argument("--idle", type=int, default=1000, help="idle customers (0: skip)")
    parser.add_argument(
        "--idle-hold", type=float, default=5.0, help="seconds the idle customers stay connected"
    )
    parser.add_argument(
        "--skip-stock",
        action="store_true",
        help="do not start the stock socketio Rasa for the ratio",
    )
    add_rasa_workers(parser)
    args = parse_args(
        parser,
        smoke={
            "customers": 3,
            "messages": 2,
            "handoffs": 3,
            "handoff_concurrency": 3,
            "idle": 20,
            "idle_hold": 0.5,
            "rasa_workers": 1,
        },
    )

    model = ensure_model()
    with contextlib.ExitStack() as running:
        workdir = Path(running.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        redis = RedisServer()
        running.callback(redis.stop)
        action_port = free_port()
        stock: ManagedProcess | None = None
        stock_url: str | None = None
        if not args.skip_stock:
            stock, stock_url = start_stock_rasa(redis, model, action_port, workdir)
            running.callback(stock.stop)  # loads while ours starts
        stack = start_rasa_stack(model, redis, args, action_port=action_port)
        running.callback(stack.stop)
        if stock and stock_url:
            stock.wait_for_http(stock_url, timeout=180)
        accounts = workdir / "agents.yml"  # JSON is YAML too
        accounts.write_text(json.dumps({"agents": [AGENT]}))
        gateway = GatewayProcess(
            redis,
            "bench:",
            stack.rasa_url,
            bot_timeout_s=60,
            customer_messages_per_minute=0,
            sockets_per_address=0,  # every simulated customer comes from loopback
            conversations_per_address_per_hour=0,
            log_level="WARNING",
            agents_file=str(accounts),
        )
        running.callback(gateway.stop)
        figures = asyncio.run(measure(args, stack, gateway, stock_url))
    print_json_line("gateway_load", figures)


if __name__ == "__main__":
    main()
