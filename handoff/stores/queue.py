"""The handoff queue as agents and customers see it: order, positions, waiting times.

The queue is a Redis sorted set that only the state machine (stores/conversations.py) changes,
atomically with each transition; this module reads it and estimates waits.

    queue = HandoffQueue(redis, keys, conversations, default_wait_per_chat_s=120)
    items = await queue.items()                  # oldest (or re-queued) first
    position = await queue.position("c1")        # 1-based, None when not queued
"""

from __future__ import annotations

import math
import time

from redis.asyncio import Redis

from handoff.protocol import QueueItem
from handoff.stores.conversations import Conversation, ConversationStore
from handoff.stores.keys import Keys

_WAITS_KEPT = 20


class HandoffQueue:
    """Read side of the queue plus a running estimate of how long a chat waits."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        conversations: ConversationStore,
        default_wait_per_chat_s: float,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._conversations = conversations
        self._default_wait = default_wait_per_chat_s

    async def conversation_ids(self) -> list[str]:
        return list(await self._redis.zrange(self._keys.queue, 0, -1))

    async def conversations(self) -> list[Conversation]:
        return await self._conversations.get_many(await self.conversation_ids())

    async def items(self) -> list[QueueItem]:
        """The `queue` event's items, in queue order."""
        now = time.time()
        return [conversation.queue_item(now) for conversation in await self.conversations()]

    async def position(self, conversation_id: str) -> int | None:
        rank = await self._redis.zrank(self._keys.queue, conversation_id)
        return None if rank is None else int(rank) + 1

    async def record_wait(self, seconds: float) -> None:
        """Remember how long a claimed chat waited; estimates follow real waits."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lpush(self._keys.queue_waits, f"{max(seconds, 0.0):.1f}")
            pipe.ltrim(self._keys.queue_waits, 0, _WAITS_KEPT - 1)
            await pipe.execute()

    async def estimated_waits_s(self, positions: int, agents_available: int) -> list[int | None]:
        """For places 1..positions: the place times the typical wait per chat, shared among
        available agents (one read of the recent waits for all of them).

        None when nobody is available: there is no honest estimate then.
        """
        if agents_available <= 0:
            return [None] * positions
        waits = [float(w) for w in await self._redis.lrange(self._keys.queue_waits, 0, -1)]
        per_chat = max(sum(waits) / len(waits) if waits else self._default_wait, 5.0)
        return [
            int(math.ceil(position / agents_available) * per_chat)
            for position in range(1, positions + 1)
        ]
