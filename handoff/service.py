"""ConversationService: every decision of the gateway, with no sockets in sight.

The socket namespaces translate events into calls on this class, and it tells people
what happened through a Notifier. It decides who answers (the bot while it can, a
person once one is needed), appends every message to the transcript before delivering
it, and moves conversations through the state machine.

    service = ConversationService(redis, settings, notifier, RasaClient(...), secret)
    opened = await service.open_session(token=None)
    await service.customer_message(opened.conversation_id, "where is my parcel?")
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from redis.asyncio import Redis

from bot.signals import HandoffReason
from handoff import entries
from handoff.agents import AVAILABLE, PRESENCE_STATES, Agent, AgentDirectory, AgentTokens
from handoff.attachments import AttachmentStore
from handoff.bot_replies import parse_bot_reply
from handoff.conversations import (
    BOT,
    CLOSED,
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
from handoff.rasa_client import BotUnavailable, RasaClient
from handoff.sessions import SessionTokens
from handoff.settings import Settings
from handoff.transcript import TranscriptStore, is_entry_id
from handoff.validation import (
    RateLimiter,
    raise_for_append,
    refusal,
    valid_id,
    valid_metadata,
    valid_text,
)

log = logging.getLogger("handoff.conversation")

AGENT_DISCONNECTED = "agent_disconnected"

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


@dataclass(frozen=True)
class SessionOpened:
    conversation_id: str
    token: str
    resumed: bool
    history: list[Entry]
    status: dict[str, Any]


async def resolve_secret(redis: Redis, keys: Keys, configured: str) -> str:
    """GATEWAY_SECRET, or one random secret shared through Redis by every process."""
    if configured:
        return configured
    await redis.set(keys.secret, uuid.uuid4().hex + uuid.uuid4().hex, nx=True)
    return str(await redis.get(keys.secret))


class ConversationService:
    """Customer and agent operations; each public method is one socket event."""

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
        self.sessions = SessionTokens(secret)
        self.agent_tokens = AgentTokens(secret, settings.agent_token_ttl_s)
        self.process_id = uuid.uuid4().hex[:12]
        self._bot_locks: dict[str, tuple[asyncio.Lock, int]] = {}  # lock, tasks using it
        self._bot_tasks: set[asyncio.Task[None]] = set()
        self.rate_limiter = RateLimiter(settings.customer_messages_per_minute)
        self._agent_connections: dict[str, str] = {}

    # customers ------------------------------------------------------------------------
    async def open_session(
        self,
        token: Any = None,
        last_id: Any = None,
        join: Callable[[str], Awaitable[None]] | None = None,
    ) -> SessionOpened:
        """Resume the conversation of a genuine token; anything else starts a new one.

        `join(conversation_id)` subscribes the caller to live events; it runs before the
        history is read, so an entry appended meanwhile is delivered live, in the history,
        or both (same id), and never lost.
        """
        conversation_id = self.sessions.verify(token)
        conversation = await self.conversations.get(conversation_id) if conversation_id else None
        resumed = conversation is not None and conversation.state != CLOSED
        if conversation is None or not resumed:
            conversation_id, token = self.sessions.issue()
            await self.conversations.create(conversation_id)
            log.info("conversation %s: new session", conversation_id)
        assert conversation_id is not None
        if join is not None:
            await join(conversation_id)
        history: list[Entry] = []
        if resumed:
            after = last_id if is_entry_id(last_id) else None
            history = [
                view
                for entry in await self.transcripts.read(conversation_id, after)
                if (view := entries.customer_view(entry)) is not None
            ]
            log.info(
                "conversation %s: session resumed (%d entries replayed)",
                conversation_id,
                len(history),
            )
        return SessionOpened(
            conversation_id,
            str(token),
            resumed,
            history,
            await self.customer_status(conversation_id),
        )

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

    async def customer_message(
        self, conversation_id: str, text: Any, metadata: Any = None
    ) -> Entry:
        """Record the message, then let whoever is in charge (bot or person) have it."""
        text = valid_text(text, self.settings.max_message_chars)
        metadata = valid_metadata(metadata)
        self.rate_limiter.check(conversation_id)
        result = await self.conversations.append(
            conversation_id, [entries.customer_message(text, metadata)], last_message=text
        )
        raise_for_append(result.status)
        entry = result.entries[0]
        if result.state == BOT:
            # In the background: the socket's next events (another message, "talk to a
            # person") must not wait for the bot. The per-conversation lock keeps order.
            task = asyncio.create_task(self._ask_bot(conversation_id, text, metadata, result.gen))
            self._bot_tasks.add(task)
            task.add_done_callback(self._bot_tasks.discard)
        elif result.state == QUEUED:
            await self._views_changed(queue=True)
        elif result.state == WITH_AGENT and result.agent:
            await self.notifier.to_agent(
                result.agent, "entry", {"conversation_id": conversation_id, "entry": entry}
            )
        return entry

    async def customer_attachment(
        self, conversation_id: str, data: bytes, name: Any = None
    ) -> Entry:
        """Store a screenshot or PDF (checked by its bytes) and record it as a customer
        entry; the agent holding the chat gets it like a message. The bot never sees files:
        while it is in charge the attachment is only recorded."""
        conversation = await self._conversation(conversation_id)
        if conversation.state == CLOSED:
            raise_for_append("closed")
        self.attachments.check(data)
        self.rate_limiter.check(conversation_id)
        stored = await self.attachments.save(conversation_id, data, name)
        try:
            result = await self.conversations.append(
                conversation_id,
                [entries.customer_attachment(stored.entry_attachment())],
                last_message=f"[attachment] {stored.name}",
            )
            raise_for_append(result.status)
        except BaseException:
            await self.attachments.delete(stored)
            raise
        entry = result.entries[0]
        log.info(
            "conversation %s: customer attached %s (%s, %d bytes)",
            conversation_id,
            stored.id,
            stored.content_type,
            stored.size,
        )
        if result.state == QUEUED:
            await self._views_changed(queue=True)
        elif result.state == WITH_AGENT and result.agent:
            await self.notifier.to_agent(
                result.agent, "entry", {"conversation_id": conversation_id, "entry": entry}
            )
        return entry

    async def request_human(self, conversation_id: str) -> dict[str, Any]:
        """The explicit "talk to a person" control; pressing it twice queues once."""
        conversation = await self._conversation(conversation_id)
        if conversation.state == BOT:
            await self.hand_off(conversation_id, HandoffReason.CUSTOMER_REQUEST.value, None)
        status = await self.customer_status(conversation_id)
        await self.notifier.to_customer(conversation_id, "status", status)
        return status

    async def customer_typing(self, conversation_id: str, typing: Any) -> None:
        conversation = await self._conversation(conversation_id)
        if conversation.state == WITH_AGENT and conversation.agent:
            await self.notifier.to_agent(
                conversation.agent,
                "typing",
                {"conversation_id": conversation_id, "typing": bool(typing)},
            )

    async def contact_details(self, conversation_id: str, details: Any) -> Entry:
        """Email (and name) left while waiting, so the team can answer later."""
        if not isinstance(details, dict):
            raise InputError("invalid_payload", 'Expected {"email": ..., "name": ...}.')
        email, name = details.get("email"), details.get("name") or ""
        if (
            not isinstance(email, str)
            or "@" not in email
            or len(email) > 200
            or not isinstance(name, str)
            or len(name) > 100
        ):
            raise InputError("invalid_contact", "Please give a valid email (and a short name).")
        await self._conversation(conversation_id)
        contact = {"email": email.strip(), "name": name.strip()}
        await self.conversations.set_fields(conversation_id, {"contact": json.dumps(contact)})
        entry = await self._record(
            conversation_id,
            entries.system_event(
                "contact",
                text=f"Thanks! We'll get back to you at {contact['email']}.",
                contact=contact,
            ),
        )
        log.info("conversation %s: contact details left", conversation_id)
        await self._deliver(conversation_id, entry)
        await self._views_changed(queue=True)
        return entry

    async def rating(self, conversation_id: str, score: Any) -> Entry:
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise InputError("invalid_score", "The rating is a whole number from 1 to 5.")
        await self._conversation(conversation_id)
        entry = await self._record(
            conversation_id,
            entries.system_event("rating", text="Thanks for your feedback!", score=score),
        )
        log.info("conversation %s: rated %d", conversation_id, score)
        await self._deliver(conversation_id, entry)
        return entry

    # the bot ---------------------------------------------------------------------------
    async def bot_idle(self) -> None:
        """Wait until every message handed to the bot has been answered (or given up)."""
        while self._bot_tasks:
            await asyncio.gather(*self._bot_tasks, return_exceptions=True)

    async def _ask_bot(
        self, conversation_id: str, text: str, metadata: dict[str, Any] | None, gen: str
    ) -> None:
        lock, users = self._bot_locks.get(conversation_id, (asyncio.Lock(), 0))
        self._bot_locks[conversation_id] = (lock, users + 1)
        try:
            async with lock:
                conversation = await self.conversations.get(conversation_id)
                if conversation is None or conversation.state != BOT or conversation.gen != gen:
                    return  # a person took over while this message waited for the bot
                await self._bot_typing(conversation_id, True)
                try:
                    messages = await self.rasa.send(conversation_id, text, metadata)
                except BotUnavailable as exc:
                    await self._bot_typing(conversation_id, False)
                    log.warning("conversation %s: bot unavailable (%s)", conversation_id, exc)
                    await self.hand_off(
                        conversation_id, HandoffReason.BOT_UNAVAILABLE.value, None, trigger=text
                    )
                    return
                await self._bot_typing(conversation_id, False)
                await self._record_bot_reply(conversation_id, messages, text, gen)
        except Exception:
            log.exception("conversation %s: handling the bot's reply failed", conversation_id)
        finally:
            lock, users = self._bot_locks[conversation_id]
            if users > 1:
                self._bot_locks[conversation_id] = (lock, users - 1)
            else:
                del self._bot_locks[conversation_id]

    async def _record_bot_reply(
        self, conversation_id: str, messages: list[dict[str, Any]], text: str, gen: str
    ) -> None:
        reply = parse_bot_reply(messages)
        if reply.entries:
            result = await self.conversations.append(
                conversation_id,
                reply.entries,
                late_entries=[entries.late(entry) for entry in reply.entries],
                expected_gen=gen,
            )
            if result.status == "ok":
                for entry in result.entries:
                    await self._deliver(conversation_id, entry)
            elif result.status == "late":
                log.info(
                    "conversation %s: bot reply arrived after the handoff (%s); recorded, "
                    "not shown to the customer",
                    conversation_id,
                    result.state,
                )
                for entry in result.entries:
                    await self._deliver(conversation_id, entry, agent=result.agent)
                return
        if reply.handoff:
            signal = reply.handoff
            confidence = signal.get("confidence")
            await self.hand_off(
                conversation_id,
                str(signal.get("reason") or HandoffReason.LOW_CONFIDENCE.value),
                confidence if isinstance(confidence, (int, float)) else None,
                trigger=signal.get("text") or text,
                expected_gen=gen,
                details={
                    key: signal.get(key)
                    for key in ("intent", "intent_confidence", "faq_id", "faq_score")
                    if signal.get(key) is not None
                },
            )

    async def _bot_typing(self, conversation_id: str, typing: bool) -> None:
        await self.notifier.to_customer(
            conversation_id, "typing", {"role": "bot", "typing": typing}
        )

    # handoff ---------------------------------------------------------------------------
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

    # agents ----------------------------------------------------------------------------
    async def login(self, username: Any, password: Any) -> dict[str, str] | None:
        agent = await self.agents.authenticate(username, password)
        if agent is None:
            log.info("agent login refused for %r", username if isinstance(username, str) else "?")
            return None
        log.info("agent %s logged in", agent.username)
        return {
            "token": self.agent_tokens.issue(agent.username),
            "name": agent.name,
            "username": agent.username,
        }

    async def authenticate_token(self, token: Any) -> Agent | None:
        username = self.agent_tokens.verify(token)
        return await self.agents.get(username) if username else None

    async def agent_connected(self, username: str, sid: str) -> dict[str, Any]:
        """Record the connection; returns the agent's starting view (queue, agents, chats)."""
        connection = f"{self.process_id}:{sid}"
        self._agent_connections[connection] = username
        await self.agents.connected(username, connection)
        log.info("agent %s connected", username)
        await self._views_changed(roster=True)
        return await self.agent_view(username)

    async def agent_view(self, username: str) -> dict[str, Any]:
        return {
            "queue": {"items": await self.queue.items()},
            "agents": {"agents": await self.agents.roster(self.settings.agent_chat_limit)},
            "chats": {"items": await self._chats(username)},
        }

    async def agent_disconnected(self, username: str, sid: str) -> None:
        connection = f"{self.process_id}:{sid}"
        self._agent_connections.pop(connection, None)
        await self.agents.disconnected(username, connection)
        log.info(
            "agent %s disconnected (chats wait %.0fs for them)",
            username,
            self.settings.agent_grace_s,
        )
        await self._views_changed(roster=True)

    async def set_presence(self, username: str, status: Any) -> dict[str, Any]:
        if status not in PRESENCE_STATES:
            raise InputError("invalid_status", "Status is 'available' or 'away'.")
        await self.agents.set_status(username, str(status))
        log.info("agent %s is %s", username, status)
        await self._views_changed(roster=True)
        return {"ok": True, "status": status}

    async def claim(self, username: str, conversation_id: Any) -> dict[str, Any]:
        """Take a queued conversation; exactly one of many simultaneous claimers wins."""
        agent = await self._agent(username)
        conversation_id = valid_id(conversation_id)
        entry = entries.system_event(
            "claimed",
            text=f"{agent.name} joined the conversation.",
            agent=username,
            name=agent.name,
        )
        result = await self.conversations.transition(
            conversation_id,
            allowed=[QUEUED],
            to=WITH_AGENT,
            entry=entry,
            queue="remove",
            new_agent=username,
            agent_limit=agent.limit or self.settings.agent_chat_limit,
            fields={"agent_name": agent.name, "claimed_at": f"{time.time():.3f}"},
        )
        if not result.ok:
            if result.previous_state == WITH_AGENT and result.refused == "state":
                raise InputError("taken", f"Already taken by {result.previous_agent}.")
            raise refusal(result)
        conversation = await self._conversation(conversation_id)
        if conversation.queued_at:
            await self.queue.record_wait(time.time() - conversation.queued_at)
        log.info("conversation %s: queued -> with_agent (claimed by %s)", conversation_id, username)
        await self._deliver(conversation_id, result.entry, agent="")
        await self.notifier.to_customer(
            conversation_id, "status", await self.customer_status(conversation_id)
        )
        await self.notifier.to_agents("taken", {"conversation_id": conversation_id, "by": username})
        await self._views_changed(queue=True, roster=True)
        return {
            "ok": True,
            "conversation_id": conversation_id,
            "transcript": await self.transcripts.read(conversation_id),
            "conversation": conversation.summary(),
        }

    async def transcript(self, username: str, conversation_id: Any) -> dict[str, Any]:
        """Any conversation's full transcript, for agents (e.g. a console after reload)."""
        await self._agent(username)
        conversation = await self._conversation(valid_id(conversation_id))
        return {
            "ok": True,
            "conversation_id": conversation.id,
            "transcript": await self.transcripts.read(conversation.id),
            "conversation": conversation.summary(),
        }

    async def agent_message(self, username: str, conversation_id: Any, text: Any) -> dict[str, Any]:
        agent = await self._agent(username)
        conversation_id = valid_id(conversation_id)
        text = valid_text(text, self.settings.max_message_chars)
        result = await self.conversations.append(
            conversation_id,
            [entries.agent_message(text, username, agent.name)],
            expected_agent=username,
        )
        raise_for_append(result.status)
        entry = result.entries[0]
        await self._deliver(conversation_id, entry, agent=username)
        return {"ok": True, "entry": entry}

    async def agent_typing(self, username: str, conversation_id: Any, typing: Any) -> None:
        agent = await self._agent(username)
        conversation = await self._conversation(valid_id(conversation_id))
        if conversation.state == WITH_AGENT and conversation.agent == username:
            await self.notifier.to_customer(
                conversation.id,
                "typing",
                {"role": "agent", "name": agent.name, "typing": bool(typing)},
            )

    async def note(self, username: str, conversation_id: Any, text: Any) -> dict[str, Any]:
        """An internal note: recorded and shown to agents, never to the customer."""
        agent = await self._agent(username)
        conversation = await self._conversation(valid_id(conversation_id))
        entry = await self._record(
            conversation.id,
            entries.note(valid_text(text, self.settings.max_message_chars), username, agent.name),
        )
        for holder in {conversation.agent, username} - {""}:
            await self.notifier.to_agent(
                holder, "entry", {"conversation_id": conversation.id, "entry": entry}
            )
        return {"ok": True, "entry": entry}

    async def transfer(self, username: str, conversation_id: Any, to: Any) -> dict[str, Any]:
        """Give a held chat to another online agent, or (to=None) back to the queue's head."""
        agent = await self._agent(username)
        conversation_id = valid_id(conversation_id)
        if to is None:
            return await self._requeue(
                conversation_id,
                username,
                HandoffReason.AGENT_TRANSFER.value,
                "transferred",
                "You're being transferred to another person from our team. Please wait a moment.",
            )
        if to == username or not isinstance(to, str):
            raise InputError("invalid_transfer", "Transfer to another agent's username or null.")
        target = await self.agents.get(to)
        if target is None:
            raise InputError("unknown_agent", f"No agent {to!r}.")
        if not await self.agents.is_online(to):
            raise InputError("agent_offline", f"{target.name} is not online.")
        entry = entries.system_event(
            "transferred",
            text=f"{target.name} is taking over this conversation.",
            reason=HandoffReason.AGENT_TRANSFER.value,
            agent=username,
            to=to,
            name=target.name,
        )
        result = await self._change_state(
            conversation_id,
            allowed=[WITH_AGENT],
            to=WITH_AGENT,
            entry=entry,
            expected_agent=username,
            new_agent=to,
            agent_limit=target.limit or self.settings.agent_chat_limit,
            fields={"agent_name": target.name},
        )
        log.info(
            "conversation %s: with_agent -> with_agent (transferred %s -> %s)",
            conversation_id,
            username,
            to,
        )
        await self._deliver(conversation_id, result.entry, agent="")
        await self.notifier.to_customer(
            conversation_id, "status", await self.customer_status(conversation_id)
        )
        view = await self.transcript(to, conversation_id)
        await self.notifier.to_agent(
            to,
            "assigned",
            {
                "conversation_id": conversation_id,
                "transcript": view["transcript"],
                "conversation": view["conversation"],
                "from": agent.username,
            },
        )
        await self._let_go(username, conversation_id, "transferred")
        return {"ok": True}

    async def resolve(self, username: str, conversation_id: Any) -> dict[str, Any]:
        """The person is done: the bot takes over again and the customer is told."""
        agent = await self._agent(username)
        conversation_id = valid_id(conversation_id)
        entry = entries.system_event(
            "resolved",
            text=f"{agent.name} marked this conversation as resolved. The assistant "
            "is back: ask it anything, or ask for a person at any time.",
            agent=username,
            name=agent.name,
        )
        result = await self._change_state(
            conversation_id,
            allowed=[WITH_AGENT],
            to=BOT,
            entry=entry,
            expected_agent=username,
            fields={
                "reason": "",
                "confidence": "",
                "queued_at": "",
                "handoff_text": "",
                "resolved_by": agent.name,
                "resolved_at": f"{time.time():.3f}",
            },
        )
        log.info("conversation %s: with_agent -> bot (resolved by %s)", conversation_id, username)
        await self._deliver(conversation_id, result.entry, agent="")
        status = await self.customer_status(conversation_id)
        await self.notifier.to_customer(
            conversation_id, "status", {**status, "state": "resolved", "agent": agent.name}
        )
        await self._let_go(username, conversation_id, "resolved")
        return {"ok": True}

    async def close_conversation(self, username: str, conversation_id: Any) -> dict[str, Any]:
        """End a queued or held conversation for good (spam, duplicates)."""
        agent = await self._agent(username)
        conversation = await self._conversation(valid_id(conversation_id))
        if conversation.state == WITH_AGENT and conversation.agent != username:
            raise InputError("not_your_chat", "Only the agent holding this chat can close it.")
        entry = entries.system_event(
            "closed", text="This conversation has been closed.", agent=username, name=agent.name
        )
        result = await self._change_state(
            conversation.id,
            allowed=[QUEUED, WITH_AGENT],
            to=CLOSED,
            entry=entry,
            queue="remove",
            expected_agent=conversation.agent,
        )
        log.info(
            "conversation %s: %s -> closed (by %s)",
            conversation.id,
            result.previous_state,
            username,
        )
        await self._deliver(conversation.id, result.entry, agent="")
        await self.notifier.to_customer(conversation.id, "status", {"state": CLOSED})
        if conversation.agent:
            await self.notifier.to_agent(
                conversation.agent, "closed", {"conversation_id": conversation.id, "state": CLOSED}
            )
        await self._views_changed(queue=True, roster=True)
        return {"ok": True}

    async def sweep(self, heartbeat: bool = True) -> None:
        """Periodic: keep this process's agents live; requeue chats of vanished agents."""
        if heartbeat:
            await self.agents.heartbeat(self._agent_connections)
        vanished = await self.agents.vanished(self.settings.agent_grace_s)
        for username in vanished:
            for conversation_id in await self.conversations.chats_of(username):
                try:
                    await self._requeue(
                        conversation_id,
                        username,
                        AGENT_DISCONNECTED,
                        "requeued",
                        "The person helping you was disconnected. You're first in line for "
                        "the next one.",
                    )
                except InputError:
                    continue  # resolved or moved meanwhile

    async def _requeue(
        self, conversation_id: str, username: str, reason: str, event: str, text: str
    ) -> dict[str, Any]:
        entry = entries.system_event(event, text=text, reason=reason, agent=username)
        result = await self._change_state(
            conversation_id,
            allowed=[WITH_AGENT],
            to=QUEUED,
            entry=entry,
            expected_agent=username,
            queue="head",
            fields={"reason": reason, "confidence": "", "queued_at": f"{time.time():.3f}"},
        )
        log.info(
            "conversation %s: with_agent -> queued at the head (reason=%s, agent=%s)",
            conversation_id,
            reason,
            username,
        )
        await self._deliver(conversation_id, result.entry, agent="")
        await self._let_go(username, conversation_id, event, queue=True)
        return {"ok": True}

    # helpers ---------------------------------------------------------------------------
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

    async def _chats(self, username: str) -> list[dict[str, Any]]:
        held = await self.conversations.get_many(await self.conversations.chats_of(username))
        return [
            {**conversation.summary(), "transcript": await self.transcripts.read(conversation.id)}
            for conversation in held
        ]

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

    async def shutdown(self) -> None:
        for task in list(self._bot_tasks):
            task.cancel()
        await asyncio.gather(*self._bot_tasks, return_exceptions=True)
        await self.rasa.close()


__all__ = ["AVAILABLE", "ConversationService", "InputError", "SessionOpened", "resolve_secret"]
