"""The review list: agents' replies marked as good answers, what the bot could learn next.

One hash per conversation (reply entry id -> the taught answer as JSON) that expires with
the conversation's transcript and is erased with it (records.py), plus a set naming those
conversations, pruned of expired ones whenever the list is read.

    store = TaughtStore(redis, Keys("handoff:"))
    stored = await store.add(answer)            # the one marked before, if that reply was
    review_list = await store.all()             # oldest mark first
    await store.remove("c1", "1700000000000-0")
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

from redis.asyncio import Redis

from handoff.protocol import TaughtAnswer
from handoff.stores.keys import Keys

_TEACH = (Path(__file__).with_name("lua") / "teach.lua").read_text()


class TaughtStore:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._teach = redis.register_script(_TEACH)

    async def add(self, answer: TaughtAnswer) -> TaughtAnswer:
        """Adds it unless its reply is already on the list; the answer the list holds."""
        conversation_id = answer["conversation_id"]
        stored = await self._teach(
            keys=[
                self._keys.taught(conversation_id),
                self._keys.taught_conversations,
                self._keys.transcript(conversation_id),
            ],
            args=[conversation_id, answer["reply_id"], json.dumps(answer, ensure_ascii=False)],
        )
        return cast(TaughtAnswer, json.loads(stored))

    async def all(self) -> list[TaughtAnswer]:
        conversation_ids = sorted(await self._redis.smembers(self._keys.taught_conversations))
        async with self._redis.pipeline(transaction=False) as pipe:
            for conversation_id in conversation_ids:
                pipe.hvals(self._keys.taught(conversation_id))
            per_conversation: list[list[str]] = await pipe.execute()
        gone = [
            cid
            for cid, values in zip(conversation_ids, per_conversation, strict=True)
            if not values
        ]
        if gone:
            await self._redis.srem(self._keys.taught_conversations, *gone)
        answers = [
            cast(TaughtAnswer, json.loads(raw)) for values in per_conversation for raw in values
        ]
        return sorted(answers, key=lambda answer: (answer["marked_at"], answer["reply_id"]))

    async def remove(self, conversation_id: str, reply_id: str) -> bool:
        """Off the list (reviewed); False if it was not on it."""
        return bool(await self._redis.hdel(self._keys.taught(conversation_id), reply_id))
