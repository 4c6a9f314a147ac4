"""The customer's side: sessions, messages, attachments, "talk to a person", feedback.

Every customer message is recorded before anyone sees it, then goes to whoever is in
charge: the bot (through `BotRelay`), the queue, or the agent holding the chat.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from bot.signals import HandoffReason
from handoff import entries
from handoff.bot_relay import BotRelay
from handoff.conversations import BOT, CLOSED, QUEUED, WITH_AGENT, AppendResult
from handoff.entries import Entry
from handoff.errors import InputError
from handoff.service_core import log
from handoff.transcript import is_entry_id
from handoff.validation import raise_for_append, valid_metadata, valid_text


@dataclass(frozen=True)
class SessionOpened:
    conversation_id: str
    token: str
    resumed: bool
    history: list[Entry]
    status: dict[str, Any]


class CustomerSide(BotRelay):
    """One method per customer socket event."""

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
            self._hand_to_bot(conversation_id, text, metadata, result.gen)
        else:
            await self._pass_to_people(conversation_id, result)
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
        await self._pass_to_people(conversation_id, result)
        return entry

    async def _pass_to_people(self, conversation_id: str, result: AppendResult) -> None:
        """A recorded customer entry while people are in charge: the queue's view shows
        it, or the agent holding the chat gets it."""
        if result.state == QUEUED:
            await self._views_changed(queue=True)
        elif result.state == WITH_AGENT and result.agent:
            await self.notifier.to_agent(
                result.agent,
                "entry",
                {"conversation_id": conversation_id, "entry": result.entries[0]},
            )

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
