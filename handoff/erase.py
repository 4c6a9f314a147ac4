"""Erase one customer's conversation everywhere, at once, and say what was removed: state,
transcript, Rasa's tracker, attachments (files too), its place in the queue, in the inbox's
search index and in agents' chats, widget presence and mail waiting to be sent
(handoff/stores/records.py).

python -m handoff.erase <conversation id | session token>

A session token is what the customer's browser keeps (the widget's `session_id`); the
conversation id is what agents and logs show. The command asks for no confirmation.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Sequence

from redis.asyncio import Redis

from handoff.auth.tokens import SessionTokens
from handoff.cli import run_with_redis
from handoff.settings import Settings
from handoff.stores import Stores

_CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m handoff.erase",
        description="Erase one customer's conversation everywhere and print what was removed.",
    )
    parser.add_argument("conversation", help="conversation id, or the customer's session token")
    return parser


async def _conversation_id(given: str, redis: Redis, stores: Stores, settings: Settings) -> str:
    """The id itself, or the one a genuine session token names."""
    if _CONVERSATION_ID.match(given):
        return given
    secret = settings.gateway_secret or await redis.get(stores.keys.secret) or ""
    conversation_id = SessionTokens(secret).verify(given) if secret else None
    if conversation_id is None:
        raise SystemExit(f"error: {given!r} is neither a conversation id nor a session token")
    return conversation_id


async def _erase(given: str, redis: Redis, settings: Settings) -> int:
    stores = Stores.connect(redis, settings)
    conversation_id = await _conversation_id(given, redis, stores, settings)
    removed = await stores.records.erase(conversation_id)
    if not removed:
        print(f"conversation {conversation_id}: nothing stored")
        return 1
    print(f"conversation {conversation_id}: erased")
    for what in removed:
        print(f"  removed {what}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return run_with_redis(
        lambda redis, settings: _erase(args.conversation, redis, settings), "nothing was erased"
    )


if __name__ == "__main__":
    sys.exit(main())
