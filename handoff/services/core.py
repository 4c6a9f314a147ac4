"""The state and the moves every side of the gateway shares.

Customers, the bot and agents (`customers`, `bot_relay`, `agent_desk`) each hold this
core: it reads conversations, records entries before anyone sees them, changes state and
tells people what changed; the hand-off from the bot to the queue, which all three can
cause, lives here once.

    core = ConversationCore(Stores.connect(redis, settings), notifier, settings)
    await core.hand_off("c1", HandoffReason.CUSTOMER_REQUEST, confidence=None)
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from handoff.protocol import (
    CustomerState,
    CustomerStatus,
    Entry,
    EntryEvent,
    ErrorCode,
    HandoffReason,
    InputError,
    Role,
    State,
)
from handoff.protocol.entries import system_event, visible_to_customer
from handoff.services.notifier import Notifier
from handoff.services.validation import raise_for_append, refusal
from handoff.settings import Settings
from handoff.stores import Stores
from handoff.stores.agents import Agent
from handoff.stores.conversations import Conversation, QueueOp, TransitionResult

log = logging.getLogger("handoff.conversation")

HANDOFF_TEXT = {
    HandoffReason.BOT_UNAVAILABLE: (
        "Our assistant is unavailable right now, so a person from our team will help you."
    ),
}
DEFAULT_HANDOFF_TEXT = "You're in the queue for a person from our team."
NO_AGENTS_TEXT = (
    "No one from our team is online right now. You can leave your email and we "
    "will get back to you, or stay: your conversation keeps its place in the "
    "queue."
)
# Without a mail server the team cannot write back, so nothing is promised.
NO_AGENTS_NO_MAIL_TEXT = (
    "No one from our team is online right now. Your conversation keeps its place in the "
    "queue: stay, and the first person who is free will answer here."
)


class ConversationCore:
    """Stores, notifier and the steps shared by every side; no socket event of its own."""

    def __init__(self, stores: Stores, notifier: Notifier, settings: Settings) -> None:
        self.stores = stores
        self.notifier = notifier
        self.settings = settings

    @property
    def no_agents_text(self) -> str:
        return NO_AGENTS_TEXT if self.settings.mail_enabled else NO_AGENTS_NO_MAIL_TEXT

    async def customer_status(
        self, conversation_id: str, conversation: Conversation | None = None
    ) -> CustomerStatus:
        conversation = conversation or await self.stores.conversations.get(conversation_id)
        if conversation is None:
            raise InputError(ErrorCode.INVALID_SESSION, "Unknown session; send session_request.")
        available = await self.stores.agents.available_count()
        status: CustomerStatus = {
            "state": CustomerState(conversation.state),
            "agents_online": available,
        }
        if conversation.state is State.QUEUED:
            position = await self.stores.queue.position(conversation_id) or 1
            status["position"] = position
            waits = await self.stores.queue.estimated_waits_s(position, available)
            status["estimated_wait_s"] = waits[-1]
        elif conversation.state is State.WITH_AGENT:
            status["agent"] = conversation.agent_name or None
            status["agent_connected"] = not await self.stores.agents.is_away(conversation.agent)
        return status

    async def send_status(self, conversation_id: str, **override: Any) -> None:
        """The customer's current status, with `override`s (a one-off `resolved`)."""
        status = await self.customer_status(conversation_id)
        await self.notifier.to_customer(conversation_id, "status", {**status, **override})

    async def hand_off(
        self,
        conversation_id: str,
        reason: HandoffReason,
        confidence: float | None,
        *,
        trigger: str | None = None,
        expected_gen: str = "",
        details: dict[str, Any] | None = None,
    ) -> bool:
        """Queue a conversation the bot had; False when it was not with the bot (any more)."""
        available = await self.stores.agents.available_count()
        entry = system_event(
            EntryEvent.HANDOFF,
            text=HANDOFF_TEXT.get(reason, DEFAULT_HANDOFF_TEXT),
            reason=reason,
            confidence=confidence,
            trigger=trigger,
            **(details or {}),
        )
        result = await self.stores.conversations.transition(
            conversation_id,
            allowed=[State.BOT],
            to=State.QUEUED,
            entry=entry,
            queue=QueueOp.TAIL,
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
        await self.deliver(conversation_id, result.entry)
        if available == 0:
            notice = await self.record(
                conversation_id, system_event(EntryEvent.NO_AGENTS, text=self.no_agents_text)
            )
            await self.deliver(conversation_id, notice)
        await self.views_changed(queue=True)
        return True

    async def requeue(
        self,
        conversation_id: str,
        username: str,
        reason: HandoffReason,
        event: EntryEvent,
        text: str,
    ) -> None:
        """Put a chat `username` holds back at the head of the queue (transfer, an absent
        agent); refused when they no longer hold it."""
        entry = system_event(event, text=text, reason=reason, agent=username)
        result = await self.change_state(
            conversation_id,
            allowed=[State.WITH_AGENT],
            to=State.QUEUED,
            entry=entry,
            expected_agent=username,
            queue=QueueOp.HEAD,
            fields={"reason": reason, "confidence": "", "queued_at": f"{time.time():.3f}"},
        )
        log.info(
            "conversation %s: with_agent -> queued at the head (reason=%s, agent=%s)",
            conversation_id,
            reason,
            username,
        )
        await self.deliver(conversation_id, result.entry, agent="")
        await self.let_go(username, conversation_id, event, queue=True)

    async def let_go(
        self, username: str, conversation_id: str, event: EntryEvent, queue: bool = False
    ) -> None:
        """The chat left this agent: tell their console, then everyone's team view."""
        await self.notifier.to_agent(
            username, "closed", {"conversation_id": conversation_id, "state": event}
        )
        await self.views_changed(queue=queue, roster=True)

    async def change_state(self, conversation_id: str, **transition: Any) -> TransitionResult:
        """One atomic transition, or the refusal the agent should see."""
        result = await self.stores.conversations.transition(conversation_id, **transition)
        if not result.ok:
            raise refusal(result)
        return result

    async def record(self, conversation_id: str, entry: Entry) -> Entry:
        result = await self.stores.conversations.append(conversation_id, [entry])
        raise_for_append(result.status)
        return result.entries[0]

    async def deliver(
        self, conversation_id: str, entry: Entry | None, agent: str | None = None
    ) -> None:
        """Send a recorded entry to the customer (if they may see it) and to the agent
        holding the chat (`agent`; None: look it up; "": nobody)."""
        if entry is None:
            return
        if visible_to_customer(entry) and entry.get("role") != Role.CUSTOMER:
            await self.notifier.entry_to_customer(conversation_id, entry)
        if agent is None:
            conversation = await self.stores.conversations.get(conversation_id)
            agent = conversation.agent if conversation else ""
        if agent:
            await self.notifier.to_agent(
                agent, "entry", {"conversation_id": conversation_id, "entry": entry}
            )

    async def views_changed(self, *, queue: bool = False, roster: bool = False) -> None:
        """Push what changed to every agent (the queue, the agents' roster), then each
        waiting customer their place, once."""
        stores = self.stores
        waiting = await self._announce_queue() if queue else await stores.queue.conversation_ids()
        if roster:
            roster_view = await stores.agents.roster(self.settings.agent_chat_limit)
            await self.notifier.to_agents("agents", {"agents": roster_view})
        available = await stores.agents.available_count()
        waits = await stores.queue.estimated_waits_s(len(waiting), available)
        for position, (conversation_id, wait) in enumerate(zip(waiting, waits, strict=True), 1):
            status: CustomerStatus = {
                "state": CustomerState.QUEUED,
                "position": position,
                "agents_online": available,
                "estimated_wait_s": wait,
            }
            await self.notifier.to_customer(conversation_id, "status", status)
        await self._restate_if_moved(waiting)

    async def _announce_queue(self) -> list[str]:
        """Send agents the queue, and once more when a read after sending finds it changed:
        a view read before a change (on any process) may reach them after that change's
        own, and a console shows the last one, which would miss a waiting customer (or list
        a claimed one). Once, not until unchanged: under steady churn every change sends
        its own view anyway. The ids of the queue last sent."""
        sent: list[str] = []
        for _ in range(2):
            items = await self.stores.queue.items()
            await self.notifier.to_agents("queue", {"items": items})
            sent = [item["conversation_id"] for item in items]
            if await self.stores.queue.conversation_ids() == sent:
                break
        return sent

    async def _restate_if_moved(self, announced_queued: list[str]) -> None:
        """A claim (on any process) between reading the queue and sending those `queued`
        statuses made them stale, and they may have reached the customer after the claim's
        own status: whoever left the queue meanwhile gets their current status again, now,
        after the stale one (a later move sends its own)."""
        if not announced_queued:
            return
        still_queued = set(await self.stores.queue.conversation_ids())
        for conversation_id in announced_queued:
            if conversation_id not in still_queued:
                with contextlib.suppress(InputError):  # erased meanwhile
                    await self.send_status(conversation_id)

    async def conversation(self, conversation_id: str) -> Conversation:
        conversation = await self.stores.conversations.get(conversation_id)
        if conversation is None:
            raise InputError(ErrorCode.NOT_FOUND, "No such conversation.")
        return conversation

    async def agent(self, username: str) -> Agent:
        agent = await self.stores.agents.get(username)
        if agent is None:
            raise InputError(ErrorCode.UNAUTHORIZED, "This agent account no longer exists.")
        return agent
