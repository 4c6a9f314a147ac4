"""Can `python -m handoff.insights` report on 100,000 conversations within a minute?

    .venv/bin/python -m bench.insights [--conversations 100000] [--smoke]

Fills a private Redis with conversations recorded in the gateway's own entry shapes (FAQ
answers of the bot's FAQs, hand-offs for every reason, agents' replies, ratings, "not what
I meant") on 30 topics no FAQ covers, each asked in many wordings; then runs the command as
a trainer would and prints its wall time next to what it found, and last the figures as
one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from redis.asyncio import Redis

from bench.cli import parse_args
from bench.figures import print_json_line
from bot.faq import load_catalog
from devstack.servers import RedisServer
from handoff.protocol import Entry, EntryEvent, HandoffReason
from handoff.protocol.entries import agent_message, bot_message, customer_message, system_event
from handoff.stores.keys import Keys
from handoff.stores.transcript import ENTRY_FIELD, encode

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "bench:"
WRITE_BATCH = 1000
# (what customers ask, how agents answer) for topics no FAQ covers
TOPICS = [
    (f"{verb} {thing}", f"Yes: {thing} {answer}.")
    for verb in ("do you offer", "can I get", "is there")
    for thing, answer in (
        ("gift wrapping", "costs 3 euros, choose it at checkout"),
        ("engraving on watches", "is free on watches over 100 euros"),
        ("a student discount", "is 10 % with a valid student card"),
        ("delivery to a parcel locker", "works with every major locker network"),
        ("a price match", "applies to the same product at a national shop"),
        ("installation of washing machines", "is booked with the delivery slot"),
        ("recycling of old appliances", "is free when we deliver a new one"),
        ("a corporate account", "is opened by our business team within a day"),
        ("same-day delivery", "is offered in the five largest cities"),
        ("a loyalty card", "gives one point per euro spent"),
    )
]
OPENERS = ["", "hi,", "hello,", "quick question:", "hey,", "good morning,", "sorry,"]
CLOSERS = ["", "?", " please", " for my order", " thanks", " asap", " at all?"]


def conversation(rng: random.Random, faqs: list[tuple[str, str]], now: float) -> list[Entry]:
    """One conversation's entries: mostly the bot answering an FAQ, sometimes a hand-off."""
    faq_id, question = rng.choice(faqs)
    entries = [customer_message(question)]
    answer = bot_message(text="Here is how that works.")
    answer["faq_id"], answer["faq_confidence"] = faq_id, round(rng.uniform(0.5, 1.0), 3)
    entries.append(answer)
    roll = rng.random()
    if roll < 0.7:
        return _at(entries, now)
    topic, reply = rng.choice(TOPICS)
    text = f"{rng.choice(OPENERS)} {topic}{rng.choice(CLOSERS)}".strip()
    reason = (
        HandoffReason.LOW_CONFIDENCE
        if roll < 0.88
        else HandoffReason.FAQ_REJECTED
        if roll < 0.92
        else rng.choice([HandoffReason.CUSTOMER_REQUEST, HandoffReason.REPEATED_FALLBACK])
    )
    entries.append(customer_message(text))
    details = {"faq_id": faq_id} if reason is HandoffReason.FAQ_REJECTED else {}
    entries.append(
        system_event(EntryEvent.HANDOFF, text="queued", reason=reason, trigger=text, **details)
    )
    if rng.random() < 0.9:
        entries.append(system_event(EntryEvent.CLAIMED, text="Ada joined.", agent="ada"))
        entries.append(agent_message("Hello, let me check that for you.", "ada", "Ada"))
        entries.append(agent_message(reply, "ada", "Ada"))
        entries.append(system_event(EntryEvent.RESOLVED, text="resolved", agent="ada"))
        if rng.random() < 0.5:
            entries.append(system_event(EntryEvent.RATING, text="thanks", score=rng.randint(1, 5)))
    return _at(entries, now, waited_s=rng.expovariate(1 / 60))


def _at(entries: list[Entry], now: float, waited_s: float = 0.0) -> list[Entry]:
    """Timestamps a few seconds apart, the claim `waited_s` after the hand-off."""
    moment = now
    for entry in entries:
        moment += waited_s if entry.get("event") == EntryEvent.CLAIMED else 2.0
        entry["ts"] = round(moment, 3)
    return entries


async def fill(redis: Redis, count: int, prefix: str = PREFIX, seed: int = 7) -> None:
    """`count` conversations, started over the last hour, under the key `prefix`."""
    rng = random.Random(seed)
    faqs = [
        (faq.id, question)
        for faq in load_catalog(ROOT / "bot" / "data" / "faq.yml")
        for question in faq.questions[:3]
    ]
    keys, start = Keys(prefix), time.time() - 3600
    for first in range(0, count, WRITE_BATCH):
        async with redis.pipeline(transaction=False) as pipe:
            for number in range(first, min(first + WRITE_BATCH, count)):
                conversation_id = f"bench{number:07d}"
                created = start + number * 3000 / count
                pipe.hset(keys.conversation(conversation_id), mapping={"state": "bot"})
                pipe.zadd(keys.inbox_all, {conversation_id: created})
                for entry in conversation(rng, faqs, created):
                    pipe.xadd(keys.transcript(conversation_id), {ENTRY_FIELD: encode(entry)})
            await pipe.execute()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=100_000)
    args = parse_args(parser, smoke={"conversations": 2000})
    server = RedisServer()
    try:
        redis = Redis.from_url(server.url, decode_responses=True)
        started = time.perf_counter()
        asyncio.run(fill(redis, args.conversations))
        print(f"filled {args.conversations} conversations in {time.perf_counter() - started:.1f} s")
        env = {**os.environ, "REDIS_PORT": str(server.port), "REDIS_PREFIX": PREFIX}
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "handoff.insights", "--since", "1d", "--format", "json"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        wall_s = time.perf_counter() - started
    finally:
        server.stop()
    report = json.loads(result.stdout)
    print(
        f"python -m handoff.insights --since 1d: {wall_s:.1f} s for "
        f"{report['conversations']} conversations, {report['questions_handed_off']} handed-off "
        f"questions in {len(report['clusters'])} clusters "
        f"(largest {report['clusters'][0]['size'] if report['clusters'] else 0})"
    )
    print_json_line(
        "insights",
        {
            "conversations": report["conversations"],
            "questions": report["questions_handed_off"],
            "clusters": len(report["clusters"]),
            "wall_s": round(wall_s, 2),
        },
    )


if __name__ == "__main__":
    main()
