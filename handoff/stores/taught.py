"""The review list: agents' replies marked as good answers, what the bot could learn next.

One hash per conversation (reply entry id -> the taught answer as JSON) and a set naming
those conversations. The customer's question is in it, so it goes with the conversation:
erased with it (records.py), and dropped by the gateway's sweep once the conversation's
transcript expired (`prune`), as attachment files are.

    store = TaughtStore(redis, Keys("handoff:"))
    stored = await store.add(answer)            # the one marked before, if that reply was
    review_list = await store.all()             # oldest mark first
    await store.remove("c1", "1700000000000-0")
"""

from __future__ import annotations

import json
from typing import cast

from redis.asyncio import Redis

from handoff.protocol import TaughtAnswer
from handoff.stores.keys import Keys


class TaughtStore:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def add(self, answer: TaughtAnswer) -> TaughtAnswer:
        """Adds it unless its reply is already on the list; the answer the list holds."""
        taught = self._keys.taught(answer["conversation_id"])
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(taught, answer["reply_id"], json.dumps(answer, ensure_ascii=False))
            pipe.sadd(self._keys.taught_conversations, answer["conversation_id"])
            pipe.hget(taught, answer["reply_id"])
            *_, stored = await pipe.execute()
        return cast(TaughtAnswer, json.loads(stored))

    async def all(self) -> list[TaughtAnswer]:
        conversation_ids = sorted(await self._redis.smembers(self._keys.taught_conversations))
        async with self._redis.pipeline(transaction=False) as pipe:
            for conversation_id in conversation_ids:
                pipe.hvals(self._keys.taught(conversation_id))
            per_conversation: list[list[str]] = await pipe.execute()
        answers = [
            cast(TaughtAnswer, json.loads(raw)) for values in per_conversation for raw in values
        ]
        return sorted(answers, key=lambda answer: (answer["marked_at"], answer["reply_id"]))

    async def remove(self, conversation_id: str, reply_id: str) -> bool:
        """Off the list (reviewed); False if it was not on it."""
        removed = bool(await self._redis.hdel(self._keys.taught(conversation_id), reply_id))
        if not await self._redis.exists(self._keys.taught(conversation_id)):
            await self._redis.srem(self._keys.taught_conversations, conversation_id)
        return removed

    async def prune(self) -> int:
        """Drop the answers of conversations whose transcript expired; how many such
        conversations there were."""
        conversation_ids = sorted(await self._redis.smembers(self._keys.taught_conversations))
        async with self._redis.pipeline(transaction=False) as pipe:
            for conversation_id in conversation_ids:
                pipe.exists(self._keys.transcript(conversation_id))
            alive: list[int] = await pipe.execute()
        gone = [cid for cid, exists in zip(conversation_ids, alive, strict=True) if not exists]
        if gone:
            await self._redis.delete(*(self._keys.taught(cid) for cid in gone))
            await self._redis.srem(self._keys.taught_conversations, *gone)
        return len(gone)
