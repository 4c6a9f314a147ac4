"""The email follow-up's Redis state: which widgets are open, which conversations have
agent messages due to be emailed, the outbox stream and how far each send got.

    store = MailStore(redis, keys)
    await store.widget_connected("c1", "proc:sid")
    await store.schedule("c1", due=time.time() + 120)
    await store.enqueue(OutgoingMail(key="c1:1-0", conversation_id="c1", to=..., message=...))
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from handoff.stores.agents import CONNECTION_STALE_S
from handoff.stores.keys import Keys

GROUP = "mailers"
# A claimed due conversation comes back on its own after this long if its claimer died.
CLAIM_LEASE_S = 300.0
# How long a send's record (and so its duplicate protection) is kept.
SENT_RECORD_TTL_S = 30 * 24 * 3600
# Field of the conversation hash: the last transcript id already emailed or seen live.
MAILED_THROUGH = "mailed_through"
WIDGET_SEEN = "widget_seen"

# Due conversations: push each one's score past the lease, so one process handles it.
_CLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 20)
for _, member in ipairs(due) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], member) end
return due
"""
# Done with a claimed conversation: drop it (or move it to ARGV[3]) unless an agent wrote
# meanwhile, which lowered its score below the lease: then it stays due.
_SETTLE = """
if tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1])) ~= tonumber(ARGV[2]) then return 0 end
if ARGV[3] == '' then redis.call('ZREM', KEYS[1], ARGV[1])
else redis.call('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[1]) end
return 1
"""


@dataclass(frozen=True)
class OutgoingMail:
    """One composed email in the outbox; `key` is its idempotency key."""

    key: str
    conversation_id: str
    to: str
    message: str  # the whole RFC 5322 message
    summary: str  # what the agents' system entry says was sent


class MailStore:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._claim = redis.register_script(_CLAIM)
        self._settle = redis.register_script(_SETTLE)

    # widget presence

    async def widget_connected(self, conversation_id: str, connection: str) -> None:
        key = self._keys.customer_sockets(conversation_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zadd(key, {connection: time.time()})
            pipe.expire(key, 24 * 3600)
            await pipe.execute()

    async def widget_disconnected(self, conversation_id: str, connection: str) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zrem(self._keys.customer_sockets(conversation_id), connection)
            pipe.hset(self._keys.conversation(conversation_id), WIDGET_SEEN, f"{time.time():.3f}")
            await pipe.execute()

    async def widget_heartbeat(self, connections: dict[str, str]) -> None:
        """Refresh `{connection: conversation id}` of this process."""
        if not connections:
            return
        now = time.time()
        async with self._redis.pipeline(transaction=False) as pipe:
            for connection, conversation_id in connections.items():
                pipe.zadd(self._keys.customer_sockets(conversation_id), {connection: now})
            await pipe.execute()

    async def widget_absent_s(self, conversation_id: str) -> float | None:
        """Seconds since the customer last had a widget open; None: one is open now."""
        now = time.time()
        newest = await self._redis.zrevrange(
            self._keys.customer_sockets(conversation_id), 0, 0, withscores=True
        )
        heartbeat = newest[0][1] if newest else 0.0
        if heartbeat > now - CONNECTION_STALE_S:
            return None
        left = await self._redis.hget(self._keys.conversation(conversation_id), WIDGET_SEEN)
        return max(0.0, now - max(heartbeat, float(left or 0)))

    # batches due

    async def schedule(self, conversation_id: str, due: float) -> None:
        """Due at `due`, or earlier if already due earlier (later messages join that batch)."""
        await self._redis.zadd(self._keys.mail_due, {conversation_id: due}, lt=True)

    async def claim_due(self) -> tuple[list[str], str]:
        """Due conversations this process now handles, and the lease to settle them with."""
        lease = f"{time.time() + CLAIM_LEASE_S:.3f}"
        claimed = await self._claim(keys=[self._keys.mail_due], args=[repr(time.time()), lease])
        return list(claimed), lease

    async def settle(self, conversation_id: str, lease: str, later: float | None = None) -> None:
        await self._settle(
            keys=[self._keys.mail_due],
            args=[conversation_id, lease, "" if later is None else f"{later:.3f}"],
        )

    async def mailed_through(self, conversation_id: str) -> str:
        return (
            await self._redis.hget(self._keys.conversation(conversation_id), MAILED_THROUGH) or ""
        )

    async def set_mailed_through(self, conversation_id: str, entry_id: str) -> None:
        await self._redis.hset(self._keys.conversation(conversation_id), MAILED_THROUGH, entry_id)

    # the outbox

    async def ensure_group(self) -> None:
        try:
            await self._redis.xgroup_create(self._keys.outbox, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def enqueue(self, mail: OutgoingMail) -> None:
        await self._redis.xadd(self._keys.outbox, asdict(mail))

    async def read(self, consumer: str, *, pending: bool) -> list[tuple[str, OutgoingMail]]:
        """This consumer's unacknowledged mails (`pending`), or new ones now handed to it."""
        reply = await self._redis.xreadgroup(
            GROUP, consumer, {self._keys.outbox: "0" if pending else ">"}, count=20
        )
        rows = reply[0][1] if reply else []
        return [(entry_id, OutgoingMail(**fields)) for entry_id, fields in rows if fields]

    async def take_over(self, consumer: str, idle_s: float) -> None:
        """Make mails another consumer left unacknowledged this long (it died) ours."""
        await self._redis.xautoclaim(
            self._keys.outbox, GROUP, consumer, min_idle_time=int(idle_s * 1000), count=20
        )

    async def done(self, entry_id: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xack(self._keys.outbox, GROUP, entry_id)
            pipe.xdel(self._keys.outbox, entry_id)
            await pipe.execute()

    async def pending_count(self) -> int:
        info = await self._redis.xpending(self._keys.outbox, GROUP)  # type: ignore[no-untyped-call]
        return int(info["pending"])

    # how far a send got

    async def send_state(self, key: str) -> str:
        return await self._redis.get(self._keys.mail_sent(key)) or ""

    async def mark_sending(self, key: str) -> bool:
        """Record that the message is about to be handed over; False: already was."""
        return bool(
            await self._redis.set(
                self._keys.mail_sent(key), f"data {time.time():.3f}", nx=True, ex=SENT_RECORD_TTL_S
            )
        )

    async def mark_sent(self, key: str) -> None:
        await self._redis.set(
            self._keys.mail_sent(key), f"sent {time.time():.3f}", ex=SENT_RECORD_TTL_S
        )

    async def forget_sending(self, key: str) -> None:
        """The server refused the message outright: it was not delivered, it may be retried."""
        await self._redis.delete(self._keys.mail_sent(key))
