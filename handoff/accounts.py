"""Manage agent accounts from the command line (they are kept in Redis).

python -m handoff.accounts add ada --name "Ada Lovelace" --limit 3   # prompts for password
python -m handoff.accounts hash-password                             # for AGENTS_FILE
python -m handoff.accounts list
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from typing import Sequence

from redis.asyncio import Redis
from redis.exceptions import RedisError

from handoff.auth.passwords import hash_password
from handoff.settings import Settings
from handoff.stores.agents import AgentDirectory
from handoff.stores.keys import Keys


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m handoff.accounts", description="Manage agent accounts (stored in Redis)."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create or update an agent")
    add.add_argument("username")
    add.add_argument("--name", default="", help="name shown to customers")
    add.add_argument("--limit", type=int, default=0, help="max open chats (0: default)")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from stdin instead of prompting",
    )
    remove = commands.add_parser("remove", help="delete an agent")
    remove.add_argument("username")
    commands.add_parser("list", help="list agents")
    commands.add_parser("hash-password", help="print a password hash for AGENTS_FILE")
    return parser


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Repeat: "):
        raise SystemExit("passwords differ")
    return password


async def _run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    redis = Redis(
        host=settings.redis_host,
        port=settings.redis_port,
        db=settings.redis_db,
        decode_responses=True,
    )
    directory = AgentDirectory(redis, Keys(settings.redis_prefix))
    try:
        if args.command == "add":
            password = _read_password(args.password_stdin)
            if not password:
                raise SystemExit("empty password")
            agent = await directory.add(args.username, args.name, password, limit=args.limit)
            print(f"agent {agent.username} ({agent.name}) saved")
        elif args.command == "remove":
            found = await directory.remove(args.username)
            print(f"agent {args.username} {'removed' if found else 'not found'}")
        elif args.command == "list":
            for row in await directory.roster(settings.agent_chat_limit):
                print(json.dumps(row))
    finally:
        await redis.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "hash-password":
        print(hash_password(_read_password(sys.stdin.isatty() is False)))
        return 0
    try:
        return asyncio.run(_run(args))
    except (RedisError, OSError) as error:
        settings = Settings.from_env()
        print(
            f"error: Redis at {settings.redis_host}:{settings.redis_port} cannot be reached "
            f"({error}); agent accounts were not changed",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
