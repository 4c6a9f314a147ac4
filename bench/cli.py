"""The command line the benches share: the full size by default, `--smoke` for `make test`,
and `--rasa-workers` for those that start our Rasa.

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=20)
    add_rasa_workers(parser)
    args = parse_args(parser, smoke={"customers": 3, "rasa_workers": 1})
    stack = start_rasa_stack(ensure_model(), RedisServer(), args)
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from devstack.servers import RasaStack, RedisServer


def parse_args(parser: argparse.ArgumentParser, smoke: dict[str, Any]) -> argparse.Namespace:
    """Parse the command line; with `--smoke`, the `smoke` sizes replace the defaults.

    A smoke run takes seconds and proves the bench still runs end to end (its figures mean
    little); options given explicitly still win over the smoke sizes.
    """
    sizes = ", ".join(f"--{name.replace('_', '-')} {value}" for name, value in smoke.items())
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"a run of seconds that proves the bench works: {sizes}",
    )
    if parser.parse_known_args()[0].smoke:
        parser.set_defaults(**smoke)
    return parser.parse_args()


def add_rasa_workers(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rasa-workers",
        type=int,
        help="worker processes of our Rasa server (default: as `make run`, one per core plus one)",
    )


def start_rasa_stack(
    model: Path, redis: RedisServer, args: argparse.Namespace, **options: Any
) -> RasaStack:
    """Our action server and Rasa (`options` as RasaStack takes them), with the workers
    `--rasa-workers` asked for."""
    if args.rasa_workers is not None:
        options["workers"] = args.rasa_workers
    return RasaStack(model, redis, **options)
