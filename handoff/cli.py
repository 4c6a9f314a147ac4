"""What the gateway's commands (`python -m handoff.accounts`, `python -m handoff.erase`)
share: Redis as the settings name it, and one sentence instead of a traceback when it
cannot be reached.

    def main() -> int:
        return run_with_redis(lambda redis, settings: work(redis, settings), "nothing changed")
"""

from __future__ import annotations

import asyncio
import sys
from typing import Awaitable, Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from handoff.settings import Settings

Command = Callable[[Redis, Settings], Awaitable[int]]


def run_with_redis(command: Command, unchanged: str) -> int:
    """Run `command` with a Redis client; its exit status, or 1 and a sentence saying
    `unchanged` when Redis is unreachable."""
    settings = Settings.from_env()
    try:
        return asyncio.run(_with_redis(command, settings))
    except (RedisError, OSError) as error:
        print(
            f"error: Redis at {settings.redis_host}:{settings.redis_port} cannot be reached "
            f"({error}); {unchanged}",
            file=sys.stderr,
        )
        return 1


async def _with_redis(command: Command, settings: Settings) -> int:
    redis = settings.redis_client()
    try:
        return await command(redis, settings)
    finally:
        await redis.close()
