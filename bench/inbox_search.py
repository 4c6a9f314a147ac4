"""How fast is the agents' inbox search at 100,000 conversations?

    .venv/bin/python -m bench.inbox_search [--conversations 100000] [--repeats 30] [--smoke]

Starts a private Redis, loads synthetic conversations into the inbox index the gateway
keeps (handoff/stores/inbox.py): each a customer question from our FAQ file (its question
variants), the bot's answer, and for some a person's reply, an order number, a state, an
agent, a handoff reason, a rating, and a start within the last 90 days. Then it times
what agents do: words, an order number, words with filters, filters alone, a date range;
and adding one entry to a conversation of the full index, as each recorded message does.
Prints one line per search and last the figures as one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from bench.cli import parse_args
from bench.figures import print_json_line
from bot.faq import load_catalog
from devstack.servers import RedisServer
from handoff.protocol.entries import agent_message, bot_message, customer_message
from handoff.stores.inbox import InboxIndex, InboxQuery, InboxTag, TagValue
from handoff.stores.keys import Keys

ROOT = Path(__file__).resolve().parents[1]
DAY_S = 86400.0
AGENTS = [f"agent{number}" for number in range(8)]
REASONS = ["low_confidence", "customer_request", "repeated_fallback", "faq_rejected"]
STATES = ["bot"] * 50 + ["resolved"] * 30 + ["closed"] * 15 + ["queued"] * 5
AGENT_REPLIES = [
    "Thanks for waiting, I'm looking at your order now.",
    "I have refunded the difference to your card.",
    "I sent a new return label to your email address.",
    "The courier confirmed the parcel is on its way again.",
]
BATCH = 500


def _conversation(rng: random.Random, faqs: list[Any], now: float) -> dict[str, Any]:
    faq = rng.choice(faqs)
    entries = [customer_message(rng.choice(faq.questions)), bot_message(faq.answer)]
    state = rng.choice(STATES)
    tags = {InboxTag.STATE: TagValue(state)}
    order_number = ""
    if rng.random() < 0.2:
        order_number = f"NW{rng.randrange(10**6):06d}"
        entries.append(customer_message(f"my order number is {order_number}"))
    if state != "bot":
        agent = rng.choice(AGENTS)
        tags[InboxTag.REASON] = TagValue(rng.choice(REASONS))
        tags[InboxTag.AGENT] = TagValue(agent)
        entries.append(agent_message(rng.choice(AGENT_REPLIES), agent, agent.title()))
        if state == "resolved" and rng.random() < 0.6:
            tags[InboxTag.RATING] = TagValue(str(rng.randint(1, 5)))
    started = now - rng.random() * 90 * DAY_S
    return {"entries": entries, "tags": tags, "started": started, "order": order_number}


async def _load(inbox: InboxIndex, count: int, seed: int) -> tuple[float, list[str]]:
    """Index `count` conversations; the seconds it took and the order numbers used."""
    rng = random.Random(seed)
    faqs = load_catalog(ROOT / "bot" / "data" / "faq.yml")
    now = time.time()
    orders: list[str] = []
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        batch = [_conversation(rng, faqs, now) for _ in range(first, min(count, first + BATCH))]
        orders += [item["order"] for item in batch if item["order"]]
        await asyncio.gather(
            *(
                inbox.index(
                    f"c{first + offset}",
                    entries=item["entries"],
                    tags=item["tags"],
                    started_at=item["started"],
                )
                for offset, item in enumerate(batch)
            )
        )
    return time.perf_counter() - started, orders


def _queries(now: float, orders: list[str], rng: random.Random) -> dict[str, list[InboxQuery]]:
    """A few variants of each kind of search an agent makes."""
    week_ago = now - 7 * DAY_S
    return {
        "newest": [InboxQuery()],
        "one_word": [InboxQuery(text=word) for word in ("order", "refund", "delivery", "account")],
        "two_words": [
            InboxQuery(text=text) for text in ("return label", "parcel damaged", "gift card")
        ],
        "order_number": [InboxQuery(text=rng.choice(orders)) for _ in range(5)],
        "word_and_filters": [
            InboxQuery(text="refund", tags={InboxTag.STATE: "resolved", InboxTag.RATING: "1"}),
            InboxQuery(text="order", tags={InboxTag.AGENT: "agent3"}),
            InboxQuery(text="delivery", tags={InboxTag.REASON: "low_confidence"}),
        ],
        "filters_only": [
            InboxQuery(tags={InboxTag.STATE: "resolved", InboxTag.AGENT: "agent1"}),
            InboxQuery(tags={InboxTag.RATING: "5"}),
        ],
        "date_range": [InboxQuery(since=week_ago), InboxQuery(text="order", since=week_ago)],
    }


async def _time_searches(
    inbox: InboxIndex, queries: dict[str, list[InboxQuery]], repeats: int
) -> dict[str, float]:
    """p50 and p99 of each kind of search, and how many conversations it matched."""
    figures: dict[str, float] = {}
    for variants in queries.values():  # warm: the scripts load on their first call
        for query in variants:
            await inbox.search(query)
    for kind, variants in queries.items():
        latencies: list[float] = []
        hits: list[int] = []
        for _ in range(repeats):
            for query in variants:
                started = time.perf_counter()
                page = await inbox.search(query)
                latencies.append((time.perf_counter() - started) * 1000)
                hits.append(page.total)
        p50, p99 = _percentiles(latencies)
        figures |= {f"{kind}_p50_ms": p50, f"{kind}_p99_ms": p99}
        figures[f"{kind}_hits"] = statistics.mean(hits)
        print(
            f"{kind:<18} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   "
            f"~{statistics.mean(hits):9.0f} matches (n={len(latencies)})"
        )
    return figures


async def _time_appends(inbox: InboxIndex, count: int, samples: int) -> tuple[float, float]:
    """One more entry in existing conversations, as ConversationStore.append indexes it."""
    rng = random.Random(7)
    latencies: list[float] = []
    for _ in range(samples):
        entry = customer_message(rng.choice(AGENT_REPLIES) + f" NW{rng.randrange(10**6):06d}")
        started = time.perf_counter()
        await inbox.index(
            f"c{rng.randrange(count)}",
            entries=[entry],
            tags={InboxTag.STATE: TagValue("bot", first=True)},
        )
        latencies.append((time.perf_counter() - started) * 1000)
    return _percentiles(latencies)


def _percentiles(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def _run(args: argparse.Namespace, redis_server: RedisServer) -> dict[str, float]:
    redis = Redis(host=redis_server.host, port=redis_server.port, decode_responses=True)
    try:
        inbox = InboxIndex(redis, Keys("bench:"))
        before = int((await redis.info("memory"))["used_memory"])
        load_s, orders = await _load(inbox, args.conversations, seed=1)
        index_mb = (int((await redis.info("memory"))["used_memory"]) - before) / 2**20
        print(
            f"indexed {args.conversations} conversations in {load_s:.1f} s "
            f"({args.conversations / load_s:.0f}/s), index {index_mb:.1f} MB in Redis"
        )
        figures = await _time_searches(
            inbox, _queries(time.time(), orders, random.Random(3)), args.repeats
        )
        append_p50, append_p99 = await _time_appends(inbox, args.conversations, args.appends)
        print(f"{'index one entry':<18} p50 {append_p50:7.2f} ms   p99 {append_p99:7.2f} ms")
        return {
            "conversations": args.conversations,
            "load_s": load_s,
            "index_mb": index_mb,
            "append_p50_ms": append_p50,
            "append_p99_ms": append_p99,
            **figures,
        }
    finally:
        await redis.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=30, help="times each search runs")
    parser.add_argument("--appends", type=int, default=2000, help="single entries indexed")
    args = parse_args(parser, smoke={"conversations": 2000, "repeats": 3, "appends": 100})
    redis_server = RedisServer()
    try:
        figures = asyncio.run(_run(args, redis_server))
    finally:
        redis_server.stop()
    print_json_line("inbox_search", figures)


if __name__ == "__main__":
    main()
