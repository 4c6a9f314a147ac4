"""Command line for the retrieval core: `python -m bot.faq eval|calibrate ...`.

    python -m bot.faq eval --faq bot/data/faq.yml --queries tests/data/heldout_queries.csv

Prints the queries it gets wrong, then one JSON object with the figures on its last line.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Sequence

from bot.faq.catalog import FaqFileError, load_faq_file
from bot.faq.embedder import load_encoder
from bot.faq.evaluate import (
    Outcome,
    answer_queries,
    build_retriever,
    calibrate,
    read_queries,
    summarise,
)
from bot.faq.settings import RetrievalSettings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.faq", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("eval", "answer every query and print accuracy, OOS recall/precision and latency"),
        ("calibrate", "search fixed thresholds on a dev query file (never the test file)"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--faq", required=True, help="FAQ YAML file")
        command.add_argument("--queries", required=True, help="CSV with a text,faq_id header")
        command.add_argument(
            "--config", default="config.yml", help="Rasa config holding the FaqRetriever settings"
        )
        command.add_argument("--model", help="override the embedding model (name or path)")
        command.add_argument("--quiet", action="store_true", help="print only the JSON line")
    args = parser.parse_args(argv)

    settings = RetrievalSettings.from_rasa_config(args.config)
    if args.model:
        settings = RetrievalSettings.from_mapping({**settings.as_dict(), "model": args.model})
    try:
        faqs, unanswerable = load_faq_file(args.faq)
        queries = read_queries(args.queries, (faq.id for faq in faqs))
    except (FaqFileError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    encoder = load_encoder(settings.model)
    retriever, build_seconds = build_retriever(faqs, encoder, settings, unanswerable)
    outcomes = answer_queries(retriever, encoder, settings, queries)
    if args.command == "calibrate":
        settings, figures = calibrate(outcomes, settings)
    else:
        figures = summarise(outcomes, settings)
    if not args.quiet:
        _print_mistakes(outcomes if args.command == "eval" else [])
    figures.update(
        faqs=len(faqs),
        variants=retriever.index.size,
        index_build_s=round(build_seconds, 2),
        estimate=asdict(retriever.calibration.estimate),
    )
    print(json.dumps(figures))
    return 0


def _print_mistakes(outcomes: Sequence[Outcome]) -> None:
    for outcome in outcomes:
        if outcome.correct:
            continue
        decision = outcome.decision
        expected = outcome.query.faq_id or "<hand off>"
        got = decision.faq_id or "<hand off>"
        best = outcome.matches[0].faq_id if outcome.matches else "-"
        print(
            f"MISS {outcome.query.text!r}: expected {expected}, got {got} "
            f"(best {best} p={decision.confidence:.3f}, sim={decision.similarity:.3f})"
        )


if __name__ == "__main__":
    sys.exit(main())
