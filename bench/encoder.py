"""Embedding cost per customer message: ONNX Runtime (what we serve) vs torch, side by side.

    .venv/bin/python -m bench.encoder [--texts 300] [--rounds 3] [--smoke]

Embeds the same distinct customer questions with both encoders of the packaged model,
one text at a time (a single conversation) and 20 at a time (what the batcher hands over
under load), alternating the encoders round by round, and prints wall and CPU time per
text, the ratios, and last the figures as one JSON line.
"""

from __future__ import annotations

import argparse
import itertools
import time
from typing import Callable

from bench.cli import parse_args
from bench.figures import print_json_line
from bench.rasa_rest import customer_messages
from bot.faq.embedder import (
    DEFAULT_MODEL,
    Encoder,
    SentenceTransformerEncoder,
    load_encoder,
)

BATCH = 20


def cost_per_text_ms(encoder: Encoder, texts: list[str], batch: int) -> tuple[float, float]:
    """(wall, CPU) milliseconds per text, embedding `batch` texts per call."""
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(texts), batch):
        encoder.encode(texts[start : start + batch])
    return (
        (time.perf_counter() - wall) * 1000 / len(texts),
        (time.process_time() - cpu) * 1000 / len(texts),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--texts", type=int, default=300, help="new texts per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parse_args(parser, smoke={"texts": BATCH, "rounds": 1})

    pool = customer_messages()
    encoders: dict[str, Callable[[], Encoder]] = {
        "onnx": lambda: load_encoder(DEFAULT_MODEL),
        "torch": lambda: SentenceTransformerEncoder(DEFAULT_MODEL),
    }
    loaded = {label: make() for label, make in encoders.items()}
    for encoder in loaded.values():
        encoder.encode(list(itertools.islice(pool, BATCH)))  # warm up
    totals = {(label, batch): [0.0, 0.0] for label in loaded for batch in (1, BATCH)}
    for _ in range(args.rounds):
        texts = list(itertools.islice(pool, args.texts))  # new texts every round
        for label, encoder in loaded.items():
            for batch in (1, BATCH):
                wall, cpu = cost_per_text_ms(encoder, texts, batch)
                totals[label, batch][0] += wall / args.rounds
                totals[label, batch][1] += cpu / args.rounds
    figures: dict[str, float] = {"texts": args.texts, "batch": BATCH}
    for (label, batch), (wall, cpu) in totals.items():
        print(f"{label:<6} {batch:>2} per call: {wall:6.2f} ms wall  {cpu:6.2f} ms CPU per text")
        key = label if batch == 1 else f"{label}_batch"
        figures |= {f"{key}_wall_ms": wall, f"{key}_cpu_ms": cpu}
    for batch, key in ((1, "ratio"), (BATCH, "batch_ratio")):
        figures[key] = totals["torch", batch][1] / totals["onnx", batch][1]
        print(f"CPU per text, {batch:>2} per call: torch / onnx runtime = {figures[key]:.1f}x")
    print_json_line("encoder", figures)


if __name__ == "__main__":
    main()
