"""Can 150 FAQs with 15,000 question variants be built, calibrated and answered in time?

    .venv/bin/python -m bench.faq_scale [--faqs 150] [--variants 100] [--smoke]

Writes a synthetic FAQ file (our starter FAQs' questions recombined with openers and
topic words, so variants are distinct sentences; the starter file's `unanswerable:` list
too) and a query file, runs the eval CLI exactly as a user would (it builds the index and
calibrates the decision from the FAQ file, as `rasa train` does, under the default
config), and prints the wall time next to the CLI's own figures, and last the figures as
one JSON line.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from bench.cli import parse_args
from bench.figures import print_json_line
from bot.faq.catalog import load_faq_file

ROOT = Path(__file__).resolve().parents[1]
STARTER_FILE = ROOT / "bot" / "data" / "faq.yml"

OPENERS = [
    "",
    "hi,",
    "hello,",
    "quick question:",
    "sorry to bother you,",
    "hey there,",
    "good morning,",
    "I need help:",
    "please help,",
    "one more thing,",
]
CLOSERS = [
    "",
    "thanks",
    "thank you!",
    "asap please",
    "for my {topic}",
    "about my {topic}",
    "regarding the {topic}",
    "re: {topic}",
    "(order for a {topic})",
    "cheers",
]
TOPICS = [
    "laptop",
    "fridge",
    "phone",
    "TV",
    "headphones",
    "washing machine",
    "camera",
    "tablet",
    "monitor",
    "vacuum",
    "printer",
    "kettle",
    "speaker",
    "router",
    "oven",
]


def synthetic_faqs(count: int, variants: int, seed: int = 7) -> list[dict[str, Any]]:
    random.seed(seed)
    starters = load_faq_file(STARTER_FILE)[0]
    faqs = []
    for number in range(count):
        base = starters[number % len(starters)]
        topic = TOPICS[number % len(TOPICS)]
        combos = list(itertools.product(base.questions, OPENERS, CLOSERS))
        random.shuffle(combos)
        questions = [
            " ".join(part for part in (opener, question, closer.format(topic=topic)) if part)
            for question, opener, closer in combos[:variants]
        ]
        faqs.append({"id": f"{base.id}_{number}", "questions": questions, "answer": base.answer})
    return faqs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--faqs", type=int, default=150)
    parser.add_argument("--variants", type=int, default=100, help="questions per FAQ")
    args = parse_args(parser, smoke={"faqs": 10, "variants": 10})
    faqs = synthetic_faqs(args.faqs, args.variants)
    with tempfile.TemporaryDirectory() as workdir:
        faq_file, query_file = Path(workdir) / "faq.yml", Path(workdir) / "queries.csv"
        document = {"faqs": faqs, "unanswerable": load_faq_file(STARTER_FILE)[1]}
        faq_file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        with open(query_file, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "faq_id"])
            for faq in faqs[:200]:
                writer.writerow([faq["questions"][0].upper(), faq["id"]])
        started = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "bot.faq",
                "eval",
                "--faq",
                str(faq_file),
                "--queries",
                str(query_file),
                "--quiet",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        wall = time.perf_counter() - started
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"faqs {figures['faqs']}  variants {figures['variants']}  queries {figures['queries']}")
    estimate = figures["estimate"]
    print(
        f"index build and calibration {figures['index_build_s']} s  query p50 "
        f"{figures['p50_ms']} ms  p99 {figures['p99_ms']} ms  top-1 accuracy "
        f"{figures['top1_accuracy']}  (estimated from the FAQ file: {estimate['accuracy']})"
    )
    print(f"eval wall time (process start to last line): {wall:.1f} s")
    print_json_line(
        "faq_scale",
        {
            "faqs": figures["faqs"],
            "variants": figures["variants"],
            "queries": figures["queries"],
            "index_build_s": figures["index_build_s"],
            "query_p50_ms": figures["p50_ms"],
            "query_p99_ms": figures["p99_ms"],
            "top1_accuracy": figures["top1_accuracy"],
            "estimated_accuracy": estimate["accuracy"],
            "eval_wall_s": wall,
        },
    )


if __name__ == "__main__":
    main()
