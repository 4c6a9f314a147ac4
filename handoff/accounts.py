"""Manage agent accounts from the command line (they are kept in Redis).

python -m handoff.accounts add ada --name "Ada Lovelace" --limit 3   # prompts for password
python -m handoff.accounts role ada admin                            # or: agent
python -m handoff.accounts password ada                              # signs ada out everywhere
python -m handoff.accounts disable ada                               # and `enable ada`
python -m handoff.accounts hash-password                             # for AGENTS_FILE
python -m handoff.accounts list

A new password or a disabled account revokes every token of that agent at once; their open
console sockets are closed within a sweep interval by the gateway holding them.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Sequence

from redis.asyncio import Redis

from handoff.auth.passwords import hash_password
from handoff.cli import run_with_redis
from handoff.protocol import AgentRole
from handoff.settings import Settings
from handoff.stores.agents import Agent, AgentDirectory
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
    add.add_argument("--role", choices=[role.value for role in AgentRole], default=None)
    _password_stdin(add)
    remove = commands.add_parser("remove", help="delete an agent")
    remove.add_argument("username")
    role = commands.add_parser("role", help="make an agent an admin, or an agent again")
    role.add_argument("username")
    role.add_argument("role", choices=[role.value for role in AgentRole])
    password = commands.add_parser("password", help="set a new password (signs the agent out)")
    password.add_argument("username")
    _password_stdin(password)
    for command, what in (("disable", "refuse logins, sign out"), ("enable", "allow logins")):
        commands.add_parser(command, help=what).add_argument("username")
    commands.add_parser("list", help="list agents")
    commands.add_parser("hash-password", help="print a password hash for AGENTS_FILE")
    return parser


def _password_stdin(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from stdin instead of prompting",
    )


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Repeat: "):
        raise SystemExit("passwords differ")
    return password


async def _run(args: argparse.Namespace, redis: Redis, settings: Settings) -> int:
    directory = AgentDirectory(redis, Keys(settings.redis_prefix))
    if args.command == "add":
        password = _read_password(args.password_stdin)
        if not password:
            raise SystemExit("empty password")
        agent = await directory.add(
            args.username, args.name, password, limit=args.limit, role=args.role
        )
        print(f"agent {agent.username} ({agent.name}) saved as {agent.role}")
    elif args.command == "password":
        password = _read_password(args.password_stdin)
        if not password:
            raise SystemExit("empty password")
        found = await directory.set_password(args.username, password)
        done = "has a new password and is signed out everywhere"
        print(f"agent {args.username} {done if found else 'not found'}")
    elif args.command in ("role", "disable", "enable"):
        changes = (
            {"role": AgentRole(args.role)}
            if args.command == "role"
            else {"disabled": args.command == "disable"}
        )
        changed = await directory.update(args.username, **changes)
        print(f"agent {args.username}: {_described(changed) if changed else 'not found'}")
    elif args.command == "remove":
        found = await directory.remove(args.username)
        print(f"agent {args.username} {'removed' if found else 'not found'}")
    elif args.command == "list":
        accounts = {row["username"]: row for row in await directory.accounts()}
        for row in await directory.roster(settings.agent_chat_limit):
            print(json.dumps({**row, **accounts.get(row["username"], {})}))
    return 0


def _described(agent: Agent) -> str:
    return f"{agent.role}, {'disabled (signed out)' if agent.disabled else 'enabled'}"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "hash-password":
        print(hash_password(_read_password(sys.stdin.isatty() is False)))
        return 0
    return run_with_redis(
        lambda redis, settings: _run(args, redis, settings), "agent accounts were not changed"
    )


if __name__ == "__main__":
    sys.exit(main())
