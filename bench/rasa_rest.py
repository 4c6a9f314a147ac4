"""Throughput and latency of our assistant vs. a stock `rasa init` assistant, side by side.

    .venv/bin/python -m bench.rasa_rest [--conversations 20] [--turns 10] [--rounds 4] [--smoke]

Starts a private Redis, our action server + Rasa server (Redis tracker and lock stores)
and a stock `rasa init` assistant (default config: DIET, TED, UnexpecTED; trained once,
about a minute, and kept in var/bench/), drives both REST webhooks with the same customer
messages, and prints msgs/s, p50 and p99 for a single stream and for N concurrent
conversations (alternating the two servers round by round), then the throughput ratio,
and last the figures as one JSON line.

No text is sent twice to a server within a run (until the pool of about 1,100 customer
questions runs out), so nothing a server remembers between messages flatters it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import itertools
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterator

import aiohttp

from bench.cli import add_rasa_workers, parse_args, start_rasa_stack
from bench.figures import Figures, print_json_line
from bot.faq.catalog import load_catalog
from bot.training import DATA_DIR, ensure_model
from devstack.processes import ManagedProcess, free_port
from devstack.servers import RedisServer, rasa_server_command

ROOT = Path(__file__).resolve().parents[1]

STOCK_DIR = ROOT / "var" / "bench" / "stock-rasa-init"
DEV_QUERIES = ROOT / "tests" / "data" / "dev_queries.csv"


def customer_messages() -> Iterator[str]:
    """The dev queries and every FAQ question variant, shuffled; repeats only when used up."""
    with DEV_QUERIES.open(newline="", encoding="utf-8") as rows:
        texts = [row["text"] for row in csv.DictReader(rows)]
    return _shuffled_cycle(texts + faq_questions())


def answerable_messages() -> Iterator[str]:
    """FAQ question variants only, shuffled: questions the bot answers itself, for a load
    in which no conversation is handed to a person midway."""
    return _shuffled_cycle(faq_questions())


def faq_questions() -> list[str]:
    return [question for faq in load_catalog(DATA_DIR / "faq.yml") for question in faq.questions]


def _shuffled_cycle(texts: list[str]) -> Iterator[str]:
    random.Random(7).shuffle(texts)
    return itertools.cycle(texts)


async def converse(
    session: aiohttp.ClientSession,
    url: str,
    messages: Iterator[str],
    turns: int,
    latencies: list[float],
) -> None:
    sender = uuid.uuid4().hex
    for _ in range(turns):
        started = time.perf_counter()
        async with session.post(url, json={"sender": sender, "message": next(messages)}) as reply:
            reply.raise_for_status()
            await reply.json()
        latencies.append((time.perf_counter() - started) * 1000)


async def load(
    url: str, messages: Iterator[str], conversations: int, concurrency: int, turns: int
) -> Figures:
    """`conversations` conversations of `turns` messages, `concurrency` at a time."""
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)

    async def one(session: aiohttp.ClientSession) -> None:
        async with gate:
            await converse(session, url, messages, turns, latencies)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        await converse(session, url, messages, 3, [])  # warm up
        started = time.perf_counter()
        await asyncio.gather(*(one(session) for _ in range(conversations)))
        return Figures(conversations * turns, time.perf_counter() - started, latencies)


def stock_model() -> Path:
    """Train a stock `rasa init` assistant once and reuse it."""
    models = sorted((STOCK_DIR / "models").glob("*.tar.gz"))
    if models:
        return models[-1]
    STOCK_DIR.mkdir(parents=True, exist_ok=True)
    print("training the stock `rasa init` assistant (once, about a minute)...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(STOCK_DIR)],
        check=True,
        cwd=STOCK_DIR,
        stdout=subprocess.DEVNULL,
    )
    return sorted((STOCK_DIR / "models").glob("*.tar.gz"))[-1]


def start_stock(model: Path) -> tuple[ManagedProcess, str]:
    """The stock assistant's Rasa server, still loading; its URL."""
    port = free_port()
    process = ManagedProcess(
        f"bench-stock-rasa-{port}",
        rasa_server_command(
            model, port, STOCK_DIR / "endpoints.yml", STOCK_DIR / "credentials.yml"
        ),
        {"RASA_TELEMETRY_ENABLED": "false"},
    )
    return process, f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--turns", type=int, default=10, help="messages per conversation")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument(
        "--single", type=int, default=5, help="conversations per round of the single stream"
    )
    add_rasa_workers(parser)
    args = parse_args(
        parser,
        smoke={"conversations": 3, "turns": 2, "rounds": 1, "single": 1, "rasa_workers": 1},
    )

    ours_model, theirs_model = ensure_model(), stock_model()
    with contextlib.ExitStack() as running:
        redis = RedisServer()
        running.callback(redis.stop)
        stock, stock_url = start_stock(theirs_model)  # loads while ours starts
        running.callback(stock.stop)
        ours = start_rasa_stack(ours_model, redis, args)
        running.callback(ours.stop)
        stock.wait_for_http(stock_url, timeout=240)
        targets = {"ours": ours.webhook_url, "stock": f"{stock_url}/webhooks/rest/webhook"}
        messages = {side: customer_messages() for side in targets}  # the same for both
        single: dict[str, list[Figures]] = {side: [] for side in targets}
        concurrent: dict[str, list[Figures]] = {side: [] for side in targets}
        # Alternate the two servers round by round, so background load hits both alike.
        for _ in range(args.rounds):
            for side, url in targets.items():
                single[side].append(
                    asyncio.run(load(url, messages[side], args.single, 1, args.turns))
                )
                concurrent[side].append(
                    asyncio.run(
                        load(
                            url,
                            messages[side],
                            args.conversations,
                            args.conversations,
                            args.turns,
                        )
                    )
                )
    figures: dict[str, float] = {"conversations": args.conversations}
    for side, label in (("ours", "ours"), ("stock", "stock rasa init")):
        prefix = "" if side == "ours" else "stock_"
        stream, loaded = Figures.merge(single[side]), Figures.merge(concurrent[side])
        print(stream.line(f"{label}: single stream"))
        print(loaded.line(f"{label}: {args.conversations} concurrent"))
        figures |= stream.as_dict(f"{prefix}single_") | loaded.as_dict(f"{prefix}concurrent_")
    ratio = figures["concurrent_msgs_per_s"] / figures["stock_concurrent_msgs_per_s"]
    per_round = [
        ours_run.rate / stock_run.rate
        for ours_run, stock_run in zip(concurrent["ours"], concurrent["stock"], strict=True)
    ]
    print(
        f"throughput ratio at {args.conversations} concurrent conversations: {ratio:.1f}x stock"
        f" (round by round: {', '.join(f'{r:.1f}x' for r in per_round)})"
    )
    print_json_line(
        "rasa_rest",
        figures
        | {"ratio": ratio, "round_ratio_min": min(per_round), "round_ratio_max": max(per_round)},
    )


if __name__ == "__main__":
    main()
