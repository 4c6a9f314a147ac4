"""The state and the moves every side of the gateway shares.

Customers, the bot and agents (`customer_side`, `bot_relay`, `agent_desk`) all read
conversations, append to transcripts, change state and tell people what changed through
the notifier; those steps, and the hand-off from bot to queue they all can cause, live
here once.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any

from redis.asyncio import Redis

from bot.signals import HandoffReason
from handoff import entries
from handoff.agents import Agent, AgentDirectory, AgentTokens
from handoff.attachments import AttachmentStore
from handoff.conversations import (
    BOT,
    QUEUED,
    WITH_AGENT,
    Conversation,
    ConversationStore,
    TransitionResult,
)
from handoff.entries import Entry
from handoff.errors import InputError
from handoff.keys import Keys
from handoff.notifier import Notifier
from handoff.queue import HandoffQueue
from handoff.rasa_client import RasaClient
from handoff.sessions import SessionTokens
from handoff.settings import Settings
from handoff.transcript import TranscriptStore
from handoff.validation import RateLimiter, raise_for_append, refusal

log = logging.getLogger("handoff.conversation")

HANDOFF_TEXT = {
    HandoffReason.BOT_UNAVAILABLE.value: (
        "Our assistant is unavailable right now, so a person from our team will help you."
    ),
}
DEFAULT_HANDOFF_TEXT = "You're in the queue for a person from our team."
NO_AGENTS_TEXT = (
    "No one from our team is online right now. You can leave your email and we "
    "will get back to you, or stay: your conversation keeps its place in the "
    "queue."
)


class ServiceCore:
    """Stores, notifier and the shared steps; no socket event of its own."""

    def __init__(
        self, redis: Redis, settings: Settings, notifier: Notifier, rasa: RasaClient, secret: str
    ) -> None:
        keys = Keys(settings.redis_prefix)
        self.settings = settings
        self.notifier = notifier
        self.rasa = rasa
        self.transcripts = TranscriptStore(redis, keys)
        self.conversations = ConversationStore(redis, keys)
        self.queue = HandoffQueue(redis, keys, self.conversations, settings.default_wait_per_chat_s)
        self.agents = AgentDirectory(redis, keys)
        self.attachments = AttachmentStore(
            redis, keys, settings.attachments_dir, settings.max_attachment_bytes
        )
        # Each side's own state, built here so one constructor makes the whole service.
        self.sessions = SessionTokens(secret)
        self.agent_tokens = AgentTokens(secret, settings.agent_token_ttl_s)
        self.process_id = uuid.uuid4().hex[:12]
        self._bot_locks: dict[str, tuple[asyncio.Lock, int]] = {}  # lock, tasks using it
        self._bot_tasks: set[asyncio.Task[None]] = set()
        self.rate_limiter = RateLimiter(settings.customer_messages_per_minute)
        self._agent_connections: dict[str, str] = {}

    async def customer_status(
        self, conversation_id: str, conversation: Conversation | None = None
    ) -> dict[str, Any]:
        conversation = conversation or await self.conversations.get(conversation_id)
        if conversation is None:
            raise InputError("invalid_session", "Unknown session; send session_request.")
        available = await self.agents.available_count()
        status: dict[str, Any] = {"state": conversation.state, "agents_online": available}
        if conversation.state == QUEUED:
            position = await self.queue.position(conversation_id) or 1
            status["position"] = position
            waits = await self.queue.estimated_waits_s(position, available)
            status["estimated_wait_s"] = waits[-1]
        elif conversation.state == WITH_AGENT:
            status["agent"] = conversation.agent_name or None
        return status

    async def hand_off(
        self,
        conversation_id: str,
        reason: str,
        confidence: float | None,
        *,
        trigger: str | None = None,
        expected_gen: str = "",
        details: dict[str, Any] | None = None,
    ) -> bool:
        """Queue a conversation the bot had; False when it was not with the bot (any more)."""
        available = await self.agents.available_count()
        entry = entries.system_event(
            "handoff",
            text=HANDOFF_TEXT.get(reason, DEFAULT_HANDOFF_TEXT),
            reason=reason,
            confidence=confidence,
            trigger=trigger,
            **(details or {}),
        )
        result = await self.conversations.transition(
            conversation_id,
            allowed=[BOT],
            to=QUEUED,
            entry=entry,
            queue="tail",
            expected_gen=expected_gen,
            fields={
                "reason": reason,
                "confidence": "" if confidence is None else str(confidence),
                "handoff_text": (trigger or "")[:200],
                "queued_at": f"{time.time():.3f}",
            },
        )
        if not result.ok:
            return False
        log.info(
            "conversation %s: bot -> queued (reason=%s, confidence=%s)",
            conversation_id,
            reason,
            confidence,
        )
        await self._deliver(conversation_id, result.entry)
        if available == 0:
            notice = await self._record(
                conversation_id, entries.system_event("no_agents", text=NO_AGENTS_TEXT)
            )
            await self._deliver(conversation_id, notice)
        await self._views_changed(queue=True)
        return True

    async def _change_state(self, conversation_id: str, **transition: Any) -> TransitionResult:
        """One atomic transition, or the refusal the agent should see."""
        result = await self.conversations.transition(conversation_id, **transition)
        if not result.ok:
            raise refusal(result)
        return result

    async def _let_go(
        self, username: str, conversation_id: str, state: str, queue: bool = False
    ) -> None:
        """The chat left this agent: tell their console, then everyone's team view."""
        await self.notifier.to_agent(
            username, "closed", {"conversation_id": conversation_id, "state": state}
        )
        await self._views_changed(queue=queue, roster=True)

    async def _record(self, conversation_id: str, entry: Entry) -> Entry:
        result = await self.conversations.append(conversation_id, [entry])
        raise_for_append(result.status)
        return result.entries[0]

    async def _deliver(
        self, conversation_id: str, entry: Entry | None, agent: str | None = None
    ) -> None:
        """Send a recorded entry to the customer (if they may see it) and to the agent
        holding the chat (`agent`; None: look it up; "": nobody)."""
        if entry is None:
            return
        if entries.customer_view(entry) is not None and entry["role"] != entries.CUSTOMER:
            await self.notifier.to_customer(
                conversation_id, "bot_uttered", entries.bot_uttered_payload(entry)
            )
        if agent is None:
            conversation = await self.conversations.get(conversation_id)
            agent = conversation.agent if conversation else ""
        if agent:
            await self.notifier.to_agent(
                agent, "entry", {"conversation_id": conversation_id, "entry": entry}
            )

    async def _views_changed(self, *, queue: bool = False, roster: bool = False) -> None:
        """Push what changed to every agent (the queue, the agents' roster), then each
        waiting customer their place, once."""
        if queue:
            items = await self.queue.items()
            await self.notifier.to_agents("queue", {"items": items})
            waiting = [item["conversation_id"] for item in items]
        else:
            waiting = await self.queue.conversation_ids()
        if roster:
            roster_view = await self.agents.roster(self.settings.agent_chat_limit)
            await self.notifier.to_agents("agents", {"agents": roster_view})
        available = await self.agents.available_count()
        waits = await self.queue.estimated_waits_s(len(waiting), available)
        for position, (conversation_id, wait) in enumerate(zip(waiting, waits, strict=True), 1):
            await self.notifier.to_customer(
                conversation_id,
                "status",
                {
                    "state": QUEUED,
                    "position": position,
                    "agents_online": available,
                    "estimated_wait_s": wait,
                },
            )

    async def _conversation(self, conversation_id: str) -> Conversation:
        conversation = await self.conversations.get(conversation_id)
        if conversation is None:
            raise InputError("not_found", "No such conversation.")
        return conversation

    async def _agent(self, username: str) -> Agent:
        agent = await self.agents.get(username)
        if agent is None:
            raise InputError("unauthorized", "This agent account no longer exists.")
        return agent
