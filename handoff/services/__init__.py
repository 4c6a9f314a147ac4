"""ConversationService: every decision of the gateway, with no sockets in sight.

The socket namespaces translate events into calls on this class, and it tells people
what happened through a Notifier. It decides who answers (the bot while it can, a
person once one is needed), appends every message to the transcript before delivering
it, and moves conversations through the state machine. Its parts, one file each:
`service_core` (stores and shared steps), `customer_side`, `bot_relay`, `agent_desk`.

    service = ConversationService(redis, settings, notifier, RasaClient(...), secret)
    opened = await service.open_session(token=None)
    await service.customer_message(opened.conversation_id, "where is my parcel?")
"""

from __future__ import annotations

import uuid

from redis.asyncio import Redis

from handoff.agent_desk import AgentDesk
from handoff.customer_side import CustomerSide, SessionOpened
from handoff.errors import InputError
from handoff.keys import Keys


class ConversationService(CustomerSide, AgentDesk):
    """Customer and agent operations; each public method is one socket event."""


async def resolve_secret(redis: Redis, keys: Keys, configured: str) -> str:
    """GATEWAY_SECRET, or one random secret shared through Redis by every process."""
    if configured:
        return configured
    await redis.set(keys.secret, uuid.uuid4().hex + uuid.uuid4().hex, nx=True)
    return str(await redis.get(keys.secret))


__all__ = ["ConversationService", "InputError", "SessionOpened", "resolve_secret"]
