"""What to email when: agents' messages a customer who left has not seen, in one batch per
conversation, and the transcript on request. Sending is sender.py's job, from the outbox.

    mail = MailService(core, MailTokens(secret, ttl_s))
    await mail.agent_wrote("c1")              # due in MAIL_AFTER_S, batched with later ones
    await mail.process_due()                  # each gateway's worker calls this
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import TYPE_CHECKING
from urllib.parse import quote

from handoff.mail.compose import CONTEXT_ENTRIES, compose
from handoff.mail.tokens import MailTokens, Purpose
from handoff.protocol import Entry, ErrorCode, InputError, Role, State
from handoff.protocol.entries import visible_to_customer
from handoff.stores.conversations import Conversation
from handoff.stores.mail import MailStore, OutgoingMail

if TYPE_CHECKING:  # the services hold this one: no import at run time, no cycle
    from handoff.services.core import ConversationCore

log = logging.getLogger("handoff.mail")


class MailService:
    """Widget presence, batching and composing; one per gateway process."""

    def __init__(self, core: ConversationCore, tokens: MailTokens, store: MailStore) -> None:
        self.core = core
        self._settings = core.settings
        self.tokens = tokens
        self.store = store
        self.process_id = uuid.uuid4().hex[:12]
        self._widgets: dict[str, str] = {}  # "<process>:<sid>" -> conversation id

    @property
    def enabled(self) -> bool:
        return self._settings.mail_enabled

    # presence of the customer's widget

    async def widget_connected(self, sid: str, conversation_id: str) -> None:
        """Presence is kept only where it decides something: when mail can go out."""
        if not self.enabled:
            return
        connection = f"{self.process_id}:{sid}"
        previous = self._widgets.get(connection)
        if previous and previous != conversation_id:
            await self.store.widget_disconnected(previous, connection)
        self._widgets[connection] = conversation_id
        await self.store.widget_connected(conversation_id, connection)

    async def widget_disconnected(self, sid: str) -> None:
        connection = f"{self.process_id}:{sid}"
        conversation_id = self._widgets.pop(connection, None)
        if conversation_id:
            await self.store.widget_disconnected(conversation_id, connection)

    async def heartbeat(self) -> None:
        if self.enabled:
            await self.store.widget_heartbeat(self._widgets)

    # what goes out

    async def agent_wrote(self, conversation_id: str) -> None:
        """An agent's message was recorded: email it if the customer stays away."""
        if self.enabled:
            await self.store.schedule(conversation_id, time.time() + self._settings.mail_after_s)

    async def send_transcript(self, conversation_id: str) -> None:
        """The whole conversation so far, to the email the customer left."""
        if not self.enabled:
            raise InputError(
                ErrorCode.EMAIL_UNAVAILABLE, "Sending transcripts by email is not set up here."
            )
        conversation = await self.core.conversation(conversation_id)
        if not conversation.contact.get("email"):
            raise InputError(ErrorCode.INVALID_CONTACT, "Leave your email first.")
        entries = await self.core.stores.transcripts.read(conversation_id)
        visible = [entry for entry in entries if visible_to_customer(entry)]
        # One mail per state of the transcript: asking twice in a row sends it once.
        key = f"transcript:{conversation_id}:{entries[-1]['id'] if entries else '0'}"
        await self._enqueue(
            conversation,
            key,
            "Your conversation with Northwind",
            [("The conversation so far:", visible)],
            f"the transcript ({len(visible)} messages)",
        )

    async def process_due(self) -> None:
        """Email the batches whose time has come (each process takes its own share)."""
        claimed, lease = await self.store.claim_due()
        for conversation_id in claimed:
            later = await self._send_batch(conversation_id)
            await self.store.settle(conversation_id, lease, later)

    async def _send_batch(self, conversation_id: str) -> float | None:
        """Queue the unseen agent messages as one mail; a time: ask again then."""
        conversation = await self.core.stores.conversations.get(conversation_id)
        if conversation is None or conversation.state is State.CLOSED:
            return None
        if not conversation.contact.get("email"):
            return None
        entries = await self.core.stores.transcripts.read(conversation_id)
        through = await self.store.mailed_through(conversation_id)
        start = next((i + 1 for i, e in enumerate(entries) if e["id"] == through), 0)
        new = [entry for entry in entries[start:] if entry.get("role") == Role.AGENT]
        if not new:
            return None
        absent_s = await self.store.widget_absent_s(conversation_id)
        if absent_s is None:  # the widget is open: they read it there
            await self.store.set_mailed_through(conversation_id, new[-1]["id"])
            return None
        if absent_s < self._settings.mail_after_s:
            return time.time() + self._settings.mail_after_s - absent_s
        first = entries.index(new[0])
        context = [e for e in entries[:first] if visible_to_customer(e)][-CONTEXT_ENTRIES:]
        agent = new[-1].get("name") or "Our team"
        await self._enqueue(
            conversation,
            f"reply:{conversation_id}:{new[-1]['id']}",
            f"{agent} answered your question",
            [("New messages:", new), ("Earlier in the conversation:", context)],
            f"{len(new)} agent message{'s' if len(new) > 1 else ''}",
        )
        await self.store.set_mailed_through(conversation_id, new[-1]["id"])
        return None

    async def _enqueue(
        self,
        conversation: Conversation,
        key: str,
        subject: str,
        sections: list[tuple[str, list[Entry]]],
        summary: str,
    ) -> None:
        settings = self._settings
        resume = self.tokens.issue(conversation.id, Purpose.RESUME)
        reply_to = (
            self.tokens.reply_address(conversation.id, settings.mail_reply_domain)
            if settings.mail_reply_domain
            else None
        )
        to = conversation.contact["email"]
        message = compose(
            settings,
            to=to,
            name=conversation.contact.get("name", ""),
            subject=subject,
            sections=sections,
            key=key,
            resume_url=f"{settings.public_url}/?resume={quote(resume)}",
            reply_to=reply_to,
        )
        await self.store.enqueue(OutgoingMail(key, conversation.id, to, message, summary))
        log.info("conversation %s: email queued (%s)", conversation.id, summary)

    def resumed_conversation(self, token: object) -> str | None:
        """The conversation a resume link names; None for anything else."""
        return self.tokens.verify(token, Purpose.RESUME)
