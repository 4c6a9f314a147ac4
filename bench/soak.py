"""A long run of real traffic: is anything lost, doubled or reordered, does memory grow?

    .venv/bin/python -m bench.soak [--customers 200] [--agents 10] [--minutes 5]
                                   [--kill-gateway | --restart-redis | --kill-rasa] [--smoke]

Starts a private Redis, the action server, Rasa and one gateway. For `--minutes`, each
customer keeps chatting on loopback through the gateway, pausing 0.5 to 2 s between turns:
FAQ questions and small talk to the bot, and now and then "talk to a person"; then they
write to the agent who claimed them until that agent resolves the chat (or puts it back in
the queue). Each agent claims from the live queue, answers every customer message and
resolves after a couple of replies, sometimes handing the chat back to the queue instead.

Every customer message carries a unique tag. At the end every conversation's transcript
is read back from Redis: `lost` counts messages sent but never recorded, `duplicated`
those recorded more than once, `out_of_order` conversations whose messages are recorded in
another order than sent. The last line is the figures as one JSON object: those counts,
`sent`, `delivered`, `handoffs`, the bot's latency (`p50_ms`, `p99_ms`: a customer message
to the bot's answer), the agents' (`agent_p50_ms`, `agent_p99_ms`: a customer message to
the holding agent's screen), and the resident memory of the gateway and of Rasa (all its
workers) at start and end; also `reconnects` (sockets opened again after a drop: a client
whose socket drops, e.g. a ping missed on a busy machine, resumes as the widget and the
console do), `queue_peak` (the longest queue an agent was shown), `gateway_cpu_s` and
`gateway_rss_half_mb` (memory half way: with start and end, growth or a plateau).

`--kill-gateway` runs two gateways with the clients spread over both, and kills one with
SIGKILL at half time: its customers resume on the other and send again what was never
recorded (as the widget does), its agents sign in there and answer what they missed.

`--restart-redis` runs Redis with its append-only file and restarts it (SIGKILL, then the
same port and data) at half time: meanwhile the gateway refuses events as `unavailable`,
and customers and agents send again what was refused, as the widget and the console do.
`--kill-rasa` kills Rasa (every worker) with SIGKILL at half time and starts it again
after a few seconds, as a supervisor would: meanwhile the gateway hands conversations to
the agents; afterwards the bot answers again. A fault run also reports `fault_s` (how
long the fault took, restart included) and `bot_answers_after_fault`.

It exits with status 1 when any message was lost, doubled or reordered.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterator, TypeVar

import aiohttp
import socketio
from redis.asyncio import Redis

from bench.cli import add_rasa_workers, parse_args, start_rasa_stack
from bench.figures import Figures, print_json_line
from bench.gateway_load import cpu_seconds, rss_mb
from bench.rasa_rest import customer_messages
from bot.training import ensure_model
from devstack.clients import Agent, Customer
from devstack.gateways import GatewayProcess
from devstack.servers import RasaStack, RedisServer
from handoff.stores.keys import Keys
from handoff.stores.transcript import TranscriptStore

PREFIX = "soak:"
PASSWORD = "soak-password"
SMALL_TALK = ["hello", "thanks!", "good morning", "ok, one more question"]
HUMAN_SHARE = 0.1  # of a customer's turns with the bot: "talk to a person"
REPLIES_BEFORE_RESOLVE = 2
REQUEUE_SHARE = 0.2  # of chats an agent hands back to the queue instead of resolving
WAIT_S = 120.0  # longest a customer waits for any answer before giving up on it
CALL_TIMEOUT_S = 60.0  # longest anyone waits for the gateway to acknowledge an event
RETRY_S = 1.0  # pause before sending again what the gateway refused as `unavailable`
RASA_DOWN_S = 5.0  # with --kill-rasa: how long Rasa stays dead before it is started again
THINK_S = (0.5, 2.0)  # a customer reads and types between two turns: seconds, at random

T = TypeVar("T")


@dataclass
class Ledger:
    """What the customers sent and when, and what everyone measured."""

    sent: dict[str, list[str]] = field(default_factory=dict)  # conversation -> tagged texts
    sent_at: dict[str, float] = field(default_factory=dict)  # tagged text -> perf_counter
    bot_ms: list[float] = field(default_factory=list)
    bot_answered_at: list[float] = field(default_factory=list)  # time.monotonic()
    agent_ms: list[float] = field(default_factory=list)
    handoffs: int = 0  # times a customer went to the queue for a person
    reconnects: int = 0  # sockets of customers and agents opened again after a drop
    queue_peak: int = 0  # the longest queue any agent was shown
    redis_url: str = ""

    async def explain(self, customer: Customer) -> str:
        """What Redis says of a customer's conversation, and what they were told last."""
        redis = Redis.from_url(self.redis_url, decode_responses=True)
        keys = Keys(PREFIX)
        cid = customer.conversation_id
        state = await redis.hgetall(keys.conversation(cid))
        rank = await redis.zrank(keys.queue, cid)
        await redis.close()
        return f"Redis: {state}, queue rank {rank}; last events: {customer.events[-4:]}"


class ConnectionLost(Exception):
    """The socket to the gateway dropped (the gateway died, or missed a ping)."""


class SoakCustomer:
    """One customer's loop: the bot, sometimes a person, until the deadline; when their
    socket drops, they resume (on `fallback` when their gateway died) and resend what was
    never recorded, as the widget does."""

    def __init__(self, index: int, ledger: Ledger, pool: Iterator[str]) -> None:
        self.index = index
        self.ledger = ledger
        self.pool = pool
        self.rng = random.Random(index)
        self.said = 0
        self.statuses: list[str] = []  # every state announced, across reconnects

    async def run(self, url: str, deadline: float, fallback: str | None) -> None:
        customer = await Customer.connect(url)
        await customer.start_session()
        cid = customer.conversation_id
        self.ledger.sent[cid] = []
        wants_person = self.index % 4 == 0  # some ask for a person straight away
        while time.monotonic() < deadline:
            await asyncio.sleep(self.rng.uniform(*THINK_S))
            try:
                state = state_of(customer)
                if state in ("bot", "resolved") and wants_person:
                    wants_person = False
                    mark = customer.mark()
                    await send(customer, "request_human", {})
                    await self.explained(customer, answered(customer, mark, keep_state=state))
                elif state in ("bot", "resolved"):
                    wants_person = self.rng.random() < HUMAN_SHARE
                    await self.ask_bot(customer, cid)
                elif state == "queued":
                    await self.wait_for_person(customer, deadline)
                else:
                    await self.talk_to_person(customer, cid)
            except ConnectionLost:
                customer = await self.resume(customer, fallback or url)
        await customer.disconnect()
        states = self.statuses + [status["state"] for status in customer.of("status")]
        self.ledger.handoffs += sum(
            1 for before, now in itertools.pairwise(["bot", *states]) if now == "queued" != before
        )

    async def say(self, customer: Customer, cid: str, text: str) -> int:
        """Send `text` with a unique tag; the mark to wait for answers from."""
        self.said += 1
        tagged = f"{text} [{self.index}.{self.said}]"
        self.ledger.sent[cid].append(tagged)
        mark = customer.mark()
        self.ledger.sent_at[tagged] = time.perf_counter()
        await send(customer, "user_uttered", {"message": tagged, "session_id": customer.token})
        return mark

    async def resume(self, lost: Customer, url: str) -> Customer:
        """The same conversation on a new socket to `url` (tried again until the gateway
        takes it); what was never recorded is sent again."""
        self.statuses += [status["state"] for status in lost.of("status")]
        self.ledger.reconnects += 1
        await lost.disconnect()
        while True:
            customer = Customer()
            try:
                await customer.sio.connect(url, transports=["websocket"], wait_timeout=10)
                resumed = await customer.start_session(token=lost.token)
                recorded = {e.get("text") for e in resumed["history"] if e["role"] == "customer"}
                for text in self.ledger.sent[customer.conversation_id]:
                    if text not in recorded:
                        await send(
                            customer, "user_uttered", {"message": text, "session_id": lost.token}
                        )
                return customer
            except (socketio.exceptions.SocketIOError, AssertionError, ConnectionLost):
                await customer.disconnect()  # the gateway was busy or Redis away: again
                await asyncio.sleep(RETRY_S)

    async def ask_bot(self, customer: Customer, cid: str) -> None:
        """A question or small talk; the bot's answer, or a hand-off to the queue."""
        text = next(self.pool) if self.rng.random() < 0.7 else self.rng.choice(SMALL_TALK)
        started = time.perf_counter()
        mark = await self.say(customer, cid, text)
        event, _ = await self.explained(customer, answered(customer, mark, keep_state="bot"))
        if event == "bot_uttered":
            self.ledger.bot_ms.append((time.perf_counter() - started) * 1000)
            self.ledger.bot_answered_at.append(time.monotonic())

    async def wait_for_person(self, customer: Customer, deadline: float) -> None:
        """Until someone claims the chat (the agents keep claiming after the deadline)."""

        def claimed() -> bool:
            connected(customer)
            return state_of(customer) != "queued"

        await self.explained(
            customer,
            customer.until(
                claimed,
                max(deadline - time.monotonic(), 0) + WAIT_S,
                f"customer {self.index} to be claimed",
            ),
        )

    async def talk_to_person(self, customer: Customer, cid: str) -> None:
        """One message to the agent, then their answer or a change of state."""
        mark = await self.say(customer, cid, "a question for the person")
        await self.explained(customer, answered(customer, mark, keep_state="with_agent"))

    async def explained(self, customer: Customer, waiting: Awaitable[T]) -> T:
        """`waiting`; when it times out, also what Redis holds and what they were told."""
        try:
            return await waiting
        except AssertionError as error:
            explanation = await self.ledger.explain(customer)
            raise AssertionError(f"customer {self.index}: {error}; {explanation}") from error


async def answered(customer: Customer, mark: int, keep_state: str) -> tuple[str, Any]:
    """The first answer after `mark` (a bot or agent message) or a `status` that leaves
    `keep_state` (handed off, claimed, resolved, requeued), whichever comes first."""

    def first() -> tuple[str, Any] | None:
        connected(customer)
        for event, data in customer.events[mark:]:
            if event == "bot_uttered" and data.get("role") in ("bot", "agent"):
                return event, data
            if event == "status" and data["state"] != keep_state:
                return event, data
        return None

    found: tuple[str, Any] = await customer.until(first, WAIT_S, "an answer")
    return found


def state_of(customer: Customer) -> str:
    """The last announced state: the gateway's word, trusted as the widget trusts it."""
    for event, data in reversed(customer.events):
        if event == "status":
            return str(data["state"])
    return "bot"


def connected(client: Customer) -> None:
    if not client.sio.connected:
        raise ConnectionLost


async def send(customer: Customer, event: str, data: Any) -> None:
    """Emit `event` until the gateway takes it: one refused as `unavailable` (Redis away,
    nothing recorded) is sent again after a pause, as the widget does."""
    while True:
        connected(customer)
        try:
            ack = await customer.sio.call(event, data, timeout=CALL_TIMEOUT_S)
        except socketio.exceptions.SocketIOError as error:
            raise ConnectionLost from error
        if not unavailable(ack):
            return
        await asyncio.sleep(RETRY_S)


def unavailable(ack: Any) -> bool:
    return isinstance(ack, dict) and ack.get("error") == "unavailable"


class SoakAgent:
    """Claims from the live queue, answers every customer message, resolves or requeues."""

    def __init__(self, number: int, ledger: Ledger) -> None:
        self.number = number
        self.username = f"agent{number}"
        self.ledger = ledger
        self.rng = random.Random(number)
        self.replies: Counter[str] = Counter()
        self.claiming: set[str] = set()
        self.open = True
        self.tasks: set[asyncio.Task[None]] = set()

    async def connect(self, url: str, fallback: str | None = None) -> None:
        """Sign in on `url`; when the socket drops, again (on `fallback` when that gateway
        died), answering what the customers of its chats wrote meanwhile."""
        self.agent = await Agent.connect(url, self.username, PASSWORD)
        self.agent.sio.on("queue", self.on_queue, namespace="/agents")
        self.agent.sio.on("entry", self.on_entry, namespace="/agents")
        await self.on_queue(self.agent.of("queue")[-1])  # the view it started from

        async def on_disconnect(*_: Any) -> None:
            if self.open:
                self.spawn(self.reconnect(fallback or url))

        self.agent.sio.on("disconnect", on_disconnect, namespace="/agents")

    async def reconnect(self, url: str) -> None:
        """Back on `url` (tried again until the gateway takes it): a word in every held
        chat, so what the customers wrote meanwhile is answered."""
        self.ledger.reconnects += 1
        while True:
            try:
                await self.connect(url)
                break
            except (socketio.exceptions.SocketIOError, AssertionError, aiohttp.ClientError):
                await asyncio.sleep(RETRY_S)  # the gateway was busy or Redis away: again
        for chat in self.agent.of("chats")[-1]["items"]:
            self.spawn(self.answer(chat["conversation_id"]))

    def spawn(self, work: Awaitable[None]) -> None:
        """Run `work` in the background; a call refused because this agent's gateway died
        meanwhile is dropped (the agent answers again after reconnecting)."""

        async def guarded() -> None:
            with contextlib.suppress(socketio.exceptions.SocketIOError):
                await work

        task = asyncio.get_running_loop().create_task(guarded())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def on_queue(self, data: dict[str, Any]) -> None:
        """Claim a waiting conversation this agent is not already trying to claim: agent n
        the n-th from the head, as a team shares a queue (all ten on the first one, each
        queue change would place one customer: one round trip of the whole queue each)."""
        items = data["items"]
        self.ledger.queue_peak = max(self.ledger.queue_peak, len(items))
        ids = (item["conversation_id"] for item in items)
        free = [cid for cid in ids if cid not in self.claiming]
        if self.open and free:
            cid = free[self.number % len(free)]
            self.claiming.add(cid)
            self.spawn(self.claim(cid))

    async def call(self, event: str, data: dict[str, Any]) -> None:
        """Until the gateway takes it or refuses it for good (taken, resolved meanwhile):
        one refused as `unavailable` is sent again after a pause, as the console does."""
        while unavailable(await self.agent.call(event, data, timeout=CALL_TIMEOUT_S)):
            await asyncio.sleep(RETRY_S)

    async def claim(self, cid: str) -> None:
        try:  # taken by someone else is fine too
            await self.call("claim", {"conversation_id": cid})
        finally:
            self.claiming.discard(cid)

    async def on_entry(self, data: dict[str, Any]) -> None:
        entry = data["entry"]
        if entry.get("role") != "customer":
            return
        sent = self.ledger.sent_at.get(entry.get("text", ""))
        if sent is not None:
            self.ledger.agent_ms.append((time.perf_counter() - sent) * 1000)
        self.spawn(self.answer(data["conversation_id"]))

    async def answer(self, cid: str) -> None:
        await self.call("message", {"conversation_id": cid, "text": "here is the answer"})
        self.replies[cid] += 1
        if self.replies[cid] >= REPLIES_BEFORE_RESOLVE:
            del self.replies[cid]
            if self.rng.random() < REQUEUE_SHARE:
                await self.call("transfer", {"conversation_id": cid, "to": None})
            else:
                await self.call("resolve", {"conversation_id": cid})

    async def close(self) -> None:
        self.open = False
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.agent.disconnect()


def rasa_leader(port: int) -> int:
    """The pid of the `rasa run` serving `port`: its workers share its process group."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            words = cmdline.read_bytes().split(b"\0")
            if b"rasa" in words and b"run" in words and str(port).encode() in words:
                return int(cmdline.parent.name)
    raise RuntimeError(f"no rasa run on port {port}")


def group_rss_mb(leader: int) -> float:
    """Resident memory of a process group (Rasa and its workers)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) == leader:
                total += rss_mb(int(stat.parent.name))
    return total


def audit(ledger: Ledger, recorded: dict[str, list[str]]) -> dict[str, int]:
    """Each conversation's sent texts against its transcript's customer messages."""
    counts = {"sent": 0, "delivered": 0, "lost": 0, "duplicated": 0, "out_of_order": 0}
    for cid, sent in ledger.sent.items():
        kept = Counter(recorded.get(cid, []))
        counts["sent"] += len(sent)
        counts["delivered"] += sum(1 for text in sent if kept[text])
        counts["lost"] += sum(1 for text in sent if not kept[text])
        counts["duplicated"] += sum(n - 1 for n in kept.values() if n > 1)
        first_seen = list(dict.fromkeys(recorded.get(cid, [])))
        counts["out_of_order"] += first_seen != [text for text in sent if kept[text]]
    return counts


Fault = tuple[str, Callable[[], None]]  # what happens, and the blocking call that does it


def fault_of(
    args: argparse.Namespace, redis: RedisServer, stack: RasaStack, gateways: list[GatewayProcess]
) -> Fault | None:
    """The fault the command line asked for, if any."""
    if args.kill_gateway:
        victim = gateways[0]
        return (
            f"SIGKILL to the gateway on port {victim.port}",
            lambda: os.kill(victim.pid, signal.SIGKILL),
        )
    if args.restart_redis:
        return "Redis killed and restarted on its append-only file", redis.restart
    if args.kill_rasa:
        return f"SIGKILL to Rasa, started again after {RASA_DOWN_S:g} s", partial(restart, stack)
    return None


def restart(stack: RasaStack) -> None:
    """Rasa killed, and started again after a supervisor's pause."""
    stack.kill_rasa()
    time.sleep(RASA_DOWN_S)
    stack.start_rasa()


async def at_half_time(minutes: float, fault: Fault) -> tuple[float, float]:
    """Does `fault` at half time, off the event loop; when it was over (time.monotonic())
    and the seconds it took (a restart includes the wait until the process serves again)."""
    await asyncio.sleep(minutes * 30)
    what, act = fault
    print(f"# {what}", flush=True)
    started = time.monotonic()
    await asyncio.to_thread(act)
    over = time.monotonic()
    print(f"# ... done in {over - started:.1f} s", flush=True)
    return over, over - started


async def rss_at_half_time(pid: int, minutes: float) -> float:
    """The gateway's memory half way: with start and end, growth or a plateau."""
    await asyncio.sleep(minutes * 30 - 1)  # just before a fault
    return rss_mb(pid)


async def soak(
    args: argparse.Namespace,
    gateways: list[GatewayProcess],
    redis_url: str,
    rasa_rss_mb: Callable[[], float],
    fault: Fault | None,
) -> dict[str, float]:
    """The run; with two `gateways`, clients are spread over both and the first is killed
    at half time (its clients move to the second, whose memory is the one reported)."""
    ledger = Ledger(redis_url=redis_url)
    questions = customer_messages()
    kept = gateways[-1]
    fallback = kept.url if len(gateways) > 1 else None
    figures: dict[str, float] = {
        "customers": args.customers,
        "agents": args.agents,
        "minutes": args.minutes,
        "gateway_rss_start_mb": rss_mb(kept.pid),
        "rasa_rss_start_mb": rasa_rss_mb(),
    }
    urls = [gateway.url for gateway in gateways]
    agents = [SoakAgent(n, ledger) for n in range(args.agents)]
    await asyncio.gather(
        *(agent.connect(urls[n % len(urls)], fallback) for n, agent in enumerate(agents))
    )
    deadline = time.monotonic() + args.minutes * 60
    print(f"# {args.customers} customers, {args.agents} agents, {args.minutes:g} min")
    customers = [SoakCustomer(n, ledger, questions) for n in range(args.customers)]
    runs = [c.run(urls[c.index % len(urls)], deadline, fallback) for c in customers]
    faulted = asyncio.ensure_future(at_half_time(args.minutes, fault)) if fault else None
    halfway = asyncio.ensure_future(rss_at_half_time(kept.pid, args.minutes))
    await asyncio.gather(*runs)
    await asyncio.gather(*(agent.close() for agent in agents))
    if faulted:
        over, figures["fault_s"] = await faulted
        figures["bot_answers_after_fault"] = sum(t > over for t in ledger.bot_answered_at)
    figures |= {
        "gateway_rss_half_mb": await halfway,
        "gateway_rss_end_mb": rss_mb(kept.pid),
        "rasa_rss_end_mb": rasa_rss_mb(),
        "gateway_cpu_s": cpu_seconds(kept.pid),
        "queue_peak": ledger.queue_peak,
    }

    redis = Redis.from_url(redis_url, decode_responses=True)
    transcripts = TranscriptStore(redis, Keys(PREFIX))
    recorded = {
        cid: [e["text"] for e in await transcripts.read(cid) if e.get("role") == "customer"]
        for cid in ledger.sent
    }
    await redis.close()
    counts = audit(ledger, recorded)
    bot = Figures(len(ledger.bot_ms), 1.0, ledger.bot_ms)
    people = Figures(len(ledger.agent_ms), 1.0, ledger.agent_ms)
    print(
        f"sent {counts['sent']}, delivered {counts['delivered']}, lost {counts['lost']}, "
        f"duplicated {counts['duplicated']}, out of order {counts['out_of_order']}; "
        f"{ledger.handoffs} handoffs, {ledger.reconnects} sockets opened again"
    )
    print(f"customer -> bot answer     p50 {bot.p50:7.1f} ms   p99 {bot.p99:7.1f} ms")
    print(f"customer -> agent's screen p50 {people.p50:7.1f} ms   p99 {people.p99:7.1f} ms")
    print(
        f"memory: gateway {figures['gateway_rss_start_mb']:.0f} -> "
        f"{figures['gateway_rss_end_mb']:.0f} MB, Rasa {figures['rasa_rss_start_mb']:.0f} -> "
        f"{figures['rasa_rss_end_mb']:.0f} MB"
    )
    return (
        figures
        | counts
        | {
            "handoffs": ledger.handoffs,
            "reconnects": ledger.reconnects,
            "p50_ms": bot.p50,
            "p99_ms": bot.p99,
            "agent_p50_ms": people.p50,
            "agent_p99_ms": people.p99,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--minutes", type=float, default=5.0)
    faults = parser.add_mutually_exclusive_group()
    faults.add_argument(
        "--kill-gateway",
        action="store_true",
        help="two gateways, clients on both; SIGKILL to one at half time (they move over)",
    )
    faults.add_argument(
        "--restart-redis",
        action="store_true",
        help="Redis with its append-only file, killed and restarted at half time",
    )
    faults.add_argument(
        "--kill-rasa",
        action="store_true",
        help=f"SIGKILL to Rasa at half time, started again {RASA_DOWN_S:g} s later",
    )
    add_rasa_workers(parser)
    args = parse_args(
        parser, smoke={"customers": 4, "agents": 2, "minutes": 0.25, "rasa_workers": 1}
    )
    model = ensure_model()
    with contextlib.ExitStack() as running:
        workdir = Path(running.enter_context(tempfile.TemporaryDirectory(prefix="soak-")))
        redis = RedisServer(append_only=args.restart_redis)
        running.callback(redis.stop)
        stack: RasaStack = start_rasa_stack(model, redis, args)
        running.callback(stack.stop)
        accounts = workdir / "agents.yml"  # JSON is YAML too
        accounts.write_text(
            json.dumps(
                {
                    "agents": [
                        {"username": f"agent{n}", "name": f"Agent {n}", "password": PASSWORD}
                        for n in range(args.agents)
                    ]
                }
            )
        )
        gateways = [
            GatewayProcess(
                redis,
                PREFIX,
                stack.rasa_url,
                bot_timeout_s=60,
                customer_messages_per_minute=0,
                customer_requests_per_minute=0,
                sockets_per_address=0,
                conversations_per_address_per_hour=0,
                log_level="WARNING",
                agents_file=str(accounts),
            )
            for _ in range(2 if args.kill_gateway else 1)
        ]
        for gateway in gateways:
            running.callback(gateway.stop)
        fault = fault_of(args, redis, stack, gateways)
        figures = asyncio.run(
            soak(
                args, gateways, redis.url, lambda: group_rss_mb(rasa_leader(stack.rasa_port)), fault
            )
        )
    print_json_line("soak", figures)
    broken = {key: figures[key] for key in ("lost", "duplicated", "out_of_order") if figures[key]}
    if broken:
        sys.exit(f"soak: messages went wrong: {broken}")


if __name__ == "__main__":
    main()
