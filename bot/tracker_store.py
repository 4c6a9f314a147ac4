"""Rasa's Redis tracker store, with Redis awaited instead of blocking Rasa's event loop.

Rasa 3.6's RedisTrackerStore calls Redis with the blocking client from inside the event
loop, three times per message: while it waits for a reply (longer when both cores are
busy) the worker serves no other conversation. Here the same keys and the same JSON are
read and written with `redis.asyncio`, so trackers stored by either class read back in
the other. Two repeats of Rasa's are also skipped, with the same results:

- reading: Rasa rebuilds the stored tracker, then rebuilds it once more per conversation
  session to keep the last one; with a single session that is the tracker itself.
- saving: Rasa re-reads and re-merges the stored tracker because `retrieve` hands out only
  the last session; when the stored tracker has one session, the tracker being saved
  already holds all of it, so only trackers with earlier sessions are merged.

endpoints.yml:  tracker_store: {type: bot.tracker_store.AsyncRedisTrackerStore, url: ...}
"""

from __future__ import annotations

from typing import Any, Iterable

import redis.asyncio
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import (
    DialogueStateTracker,
    get_trackers_for_conversation_sessions,
)

from bot.rasa_speedups import tracker_json


class AsyncRedisTrackerStore(RedisTrackerStore):
    """Takes the settings of Rasa's `type: redis` tracker store."""

    def __init__(
        self,
        domain: Domain,
        host: str = "localhost",
        port: int | str = 6379,
        db: int | str = 0,
        username: str | None = None,
        password: str | None = None,
        use_ssl: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            domain, host, int(port), int(db), username, password, use_ssl=use_ssl, **kwargs
        )
        self._redis = redis.asyncio.Redis(
            host=host,
            port=int(port),
            db=int(db),
            username=username,
            password=password,
            ssl=use_ssl,
            ssl_keyfile=kwargs.get("ssl_keyfile"),
            ssl_certfile=kwargs.get("ssl_certfile"),
            ssl_ca_certs=kwargs.get("ssl_ca_certs"),
            decode_responses=True,
        )

    async def _retrieve(
        self, sender_id: str, fetch_all_sessions: bool
    ) -> DialogueStateTracker | None:
        stored = await self._redis.get(self.key_prefix + sender_id)
        if stored is None:
            return None
        tracker = self.deserialise_tracker(sender_id, stored)
        if tracker is None or fetch_all_sessions or not starts_a_later_session(tracker.events):
            return tracker
        return get_trackers_for_conversation_sessions(tracker)[-1]

    async def save(self, tracker: DialogueStateTracker, timeout: float | None = None) -> None:
        await self.stream_events(tracker)
        if not timeout and self.record_exp:
            timeout = self.record_exp
        key = self.key_prefix + tracker.sender_id
        stored = await self._redis.get(key)
        if stored is not None and has_earlier_sessions(stored):
            prior = self.deserialise_tracker(tracker.sender_id, stored)
            if prior is not None:
                tracker = self._merge_trackers(prior, tracker)
        await self._redis.set(key, self.serialise_tracker(tracker), ex=timeout)

    async def keys(self) -> Iterable[str]:
        keys: list[str] = await self._redis.keys(self.key_prefix + "*")
        return keys


def starts_a_later_session(events: Iterable[Event]) -> bool:
    """Whether a session starts after the first event (where Rasa splits sessions)."""
    return any(
        isinstance(event, ActionExecuted) and event.action_name == ACTION_SESSION_START_NAME
        for index, event in enumerate(events)
        if index > 0
    )


def has_earlier_sessions(stored: str) -> bool:
    """`starts_a_later_session` for a serialised tracker, without rebuilding it."""
    events = tracker_json.loads(stored).get("events") or []
    return any(
        event.get("event") == "action" and event.get("name") == ACTION_SESSION_START_NAME
        for event in events[1:]
    )
