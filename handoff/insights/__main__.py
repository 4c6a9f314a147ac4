"""`python -m handoff.insights`: the insights report, and a cluster's draft as YAML.

python -m handoff.insights --since 7d --format text
python -m handoff.insights export q1a2b3c4d5 [--since 7d] [--as intent]
python -m handoff.insights taught [--json]     # the answers agents marked good, as FAQs
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Sequence

from redis.asyncio import Redis

from handoff.cli import run_with_redis
from handoff.insights.export import SuggestedFaq, faq_yaml, faqs_yaml, intent_yaml
from handoff.insights.period import parse_since
from handoff.insights.report import Report, as_text, find_cluster
from handoff.insights.runner import build_report, faq_ids
from handoff.insights.taught import taught_drafts
from handoff.settings import Settings
from handoff.stores import Stores


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "taught":
        return run_with_redis(
            lambda redis, settings: print_review_list(redis, settings, args.json),
            "nothing was read",
        )
    now = time.time()
    try:
        since = parse_since(args.since, now)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    # A command of its own: the encoder may use every core.
    os.environ.setdefault("ENCODER_THREADS", str(os.cpu_count() or 1))

    async def command(redis: Redis, settings: Settings) -> int:
        report = await build_report(redis, settings, since, now)
        if args.command == "export":
            return _export(report, args.cluster_id, args.kind)
        if args.format == "json":
            print(json.dumps(report, indent=2, ensure_ascii=False))
        else:
            print(as_text(report))
        return 0

    return run_with_redis(command, "no report")


def _export(report: Report, cluster_id: str, kind: str) -> int:
    cluster = find_cluster(report, cluster_id)
    if cluster is None:
        print(
            f"error: no cluster {cluster_id!r} since {report['since']}; the report lists "
            "the ids (same --since)",
            file=sys.stderr,
        )
        return 1
    draft = SuggestedFaq.from_dict(cluster["suggested_faq"])
    print(intent_yaml(draft) if kind == "intent" else faq_yaml(draft), end="")
    return 0


async def print_review_list(redis: Redis, settings: Settings, as_json: bool) -> int:
    """`taught`: the review list, as draft FAQs whose ids the bot's FAQ files do not use
    yet (or as the marked answers themselves)."""
    answers = await Stores.connect(redis, settings).taught.all()
    if as_json:
        print(json.dumps(answers, indent=2, ensure_ascii=False))
    else:
        print(faqs_yaml(taught_drafts(answers, taken=faq_ids(settings.faq_files))), end="")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m handoff.insights",
        description="What customers asked and the bot missed, over a period (docs/trainers.md).",
    )
    parser.add_argument("--since", default="7d", help="7d, 24h, 30m, 2w or a date (default 7d)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(command="report")
    commands = parser.add_subparsers(dest="command")
    export = commands.add_parser("export", help="print a cluster's draft as YAML")
    export.add_argument("cluster_id")
    # given after `export` as well as before it
    export.add_argument("--since", default=argparse.SUPPRESS, help="the report's period")
    export.add_argument("--as", dest="kind", choices=("faq", "intent"), default="faq")
    taught = commands.add_parser(
        "taught", help="print the answers agents marked good, as draft FAQs (YAML)"
    )
    taught.add_argument("--json", action="store_true", help="the marked answers themselves")
    return parser


if __name__ == "__main__":
    sys.exit(main())
