"""The customer's side: sessions, messages, attachments, "talk to a person", feedback.

Every customer message is recorded before anyone sees it, then goes to whoever is in
charge: the bot (through the BotRelay), the queue, or the agent holding the chat.

    customers = CustomerService(core, bot_relay, SessionTokens(secret))
    opened = await customers.open_session(token=None)
    await customers.message(opened.conversation_id, "where is my parcel?")
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from handoff.auth.tokens import SessionTokens
from handoff.protocol import (
    Channel,
    CustomerState,
    CustomerStatus,
    Entry,
    EntryEvent,
    ErrorCode,
    HandoffReason,
    InputError,
    State,
    extended_view,
)
from handoff.protocol.entries import customer_attachment, customer_message, system_event
from handoff.services.bot_relay import BotRelay
from handoff.services.commands import CommandPolicy
from handoff.services.core import ConversationCore, log
from handoff.services.validation import (
    ConnectionCounter,
    RateLimiter,
    browser_label,
    client_address,
    raise_for_append,
    valid_comment,
    valid_last_id,
    valid_metadata,
    valid_page_visit,
    valid_text,
    valid_visitor_id,
)
from handoff.stores.conversations import AppendResult, AppendStatus, Conversation, QueueOp
from handoff.stores.inbox import InboxTag, TagValue

if TYPE_CHECKING:
    from handoff.mail.service import MailService

BOT_IS_BACK = "The assistant is back: ask it anything, or ask for a person at any time."
# Back with the bot, a conversation has no handoff of its own any more.
_HANDOFF_FIELDS_CLEARED = {"reason": "", "confidence": "", "queued_at": "", "handoff_text": ""}
ABSENT_AGENT_TEXT = (
    "The person helping you lost their connection. You're first in line for the next "
    "person from our team."
)


@dataclass(frozen=True)
class SessionOpened:
    conversation_id: str
    token: str
    resumed: bool
    history: list[Entry]
    status: CustomerStatus
    email: bool  # whether the team can answer by email (SMTP is set up)
    max_message_chars: int  # the widget counts against it before sending


class CustomerService:
    """One method per customer socket event (and the attachment upload), each throttled:
    per conversation (messages, typing, requests), per socket (new sessions) and per
    client address (sockets, new conversations, uploads); all counted in this process."""

    def __init__(
        self,
        core: ConversationCore,
        bot: BotRelay,
        sessions: SessionTokens,
        mail: MailService | None = None,
    ) -> None:
        self._core = core
        self._bot = bot
        self.sessions = sessions
        self._commands = CommandPolicy(core.stores.transcripts, core.settings.customer_commands)
        self.mail = mail
        settings = core.settings
        self._rate_limiter = RateLimiter(settings.customer_messages_per_minute)
        self._typing = RateLimiter(settings.customer_typing_per_minute, what="typing signals")
        self._requests = RateLimiter(settings.customer_requests_per_minute, what="requests")
        self._sessions = RateLimiter(settings.sessions_per_socket_per_minute, what="sessions")
        self._new_conversations = RateLimiter(
            settings.conversations_per_address_per_hour, 3600, "new chats from your network"
        )
        self._uploads = RateLimiter(
            settings.uploads_per_address_per_hour, 3600, "uploads from your network"
        )
        self.sockets = ConnectionCounter(settings.sockets_per_address)

    def client_address(self, peer: str, forwarded_for: str | None) -> str:
        """Who a request comes from, for the per-address caps (see TRUSTED_PROXIES)."""
        return client_address(peer, forwarded_for, self._core.settings.trusted_proxy_addresses)

    async def open_session(
        self,
        token: Any = None,
        last_id: Any = None,
        join: Callable[[str], Awaitable[None]] | None = None,
        *,
        socket: str = "",
        address: str = "",
        metadata: Any = None,
        user_agent: Any = None,
    ) -> SessionOpened:
        """Resume the conversation of a genuine token; anything else starts a new one
        (throttled per `socket` and, for new conversations, per client `address`, when
        the caller names them). A new one started in a browser that had an earlier
        conversation (its token, or else the widget's `metadata.context.visitor_id`) is
        linked to it; `metadata.context` says which page the customer is on, `user_agent`
        which browser.

        `join(conversation_id)` subscribes the caller to live events; it runs before the
        history is read, so an entry appended meanwhile is delivered live, in the history,
        or both (same id), and never lost.
        """
        if socket:
            self._sessions.check(socket)
        conversations = self._core.stores.conversations
        conversation_id = self.sessions.verify(token)
        if conversation_id is None and self.mail:  # a resume link from an email
            conversation_id = self.mail.resumed_conversation(token)
            token = self.sessions.token_for(conversation_id) if conversation_id else None
        conversation = await conversations.get(conversation_id) if conversation_id else None
        resumed = conversation is not None and conversation.state is not State.CLOSED
        if conversation_id is None or not resumed:
            if address:
                self._new_conversations.check(address)
            visitor = (
                (conversation.visitor if conversation else "")
                or valid_visitor_id(_context(metadata))
                or conversation_id
                or ""
            )
            conversation_id, token = self.sessions.issue()
            await conversations.create(conversation_id, visitor)
            log.info("conversation %s: new session", conversation_id)
        await self._note_visit(conversation_id, metadata, browser_label(user_agent))
        if join is not None:
            await join(conversation_id)
        history: list[Entry] = []
        if resumed:
            history = [
                view
                for entry in await self._core.stores.transcripts.read(
                    conversation_id, valid_last_id(last_id)
                )
                if (view := extended_view(entry)) is not None
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
            await self._core.customer_status(conversation_id),
            bool(self.mail and self.mail.enabled),
            self._core.settings.max_message_chars,
        )

    async def status_if_moved(
        self, conversation_id: str, sent: CustomerStatus
    ) -> CustomerStatus | None:
        """The current status when someone moved the conversation (a claim, a requeue)
        after `sent` was read: sent after the move's own status, `sent` would have the
        last word."""
        current = await self._core.customer_status(conversation_id)
        moved = (current["state"], current.get("agent")) != (sent["state"], sent.get("agent"))
        return current if moved else None

    async def _note_visit(self, conversation_id: str, metadata: Any, browser: str = "") -> None:
        """Keep the page the chat started on, the latest one and the browser."""
        visit = valid_page_visit(_context(metadata))
        fields = {"browser": browser} if browser else {}
        if visit:
            page = json.dumps(visit, ensure_ascii=False)
            fields |= {"first_page": page, "latest_page": page}
        if fields:
            await self._core.stores.conversations.set_fields(
                conversation_id, fields, keep=("first_page",)
            )

    async def _named_by(self, conversation_id: str, text: str) -> None:
        """The first message names the chat and puts it in the inbox with its browser."""
        stores = self._core.stores
        if await stores.conversations.set_title(conversation_id, text):
            conversation = await self._core.conversation(conversation_id)
            tags = {InboxTag.VISITOR: TagValue(conversation.visitor)}
            await stores.inbox.index(conversation_id, tags=tags)

    async def conversation_of(self, token: Any) -> str:
        """The live conversation a genuine token names (Rasa's clients may send one with
        every message instead of a session_request)."""
        conversation_id = self.sessions.verify(token)
        if conversation_id and await self._core.stores.conversations.get(conversation_id):
            return conversation_id
        raise InputError(ErrorCode.INVALID_SESSION, "No session yet: send session_request first.")

    async def message(self, conversation_id: str, text: Any, metadata: Any = None) -> Entry:
        """Record the message, then let whoever is in charge (bot or person) have it."""
        text = valid_text(text, self._core.settings.max_message_chars)
        metadata = valid_metadata(metadata)
        self._rate_limiter.check(conversation_id)
        await self._commands.check(conversation_id, text)
        context = metadata.pop("context", None) if metadata else None
        result = await self._core.stores.conversations.append(
            conversation_id, [customer_message(text, metadata or None)], last_message=text
        )
        raise_for_append(result.status)
        await self._note_visit(conversation_id, {"context": context})
        await self._named_by(conversation_id, text)
        if result.state is State.BOT:
            self._bot.ask(conversation_id, text, metadata, result.gen)
        else:
            await self._pass_to_people(conversation_id, result)
        return result.entries[0]

    async def email_reply(self, conversation_id: str, text: str) -> Entry:
        """The customer answered by email: a customer message with channel "email". A
        conversation the bot had goes to a person, who wrote the mail they answer."""
        text = valid_text(text, self._core.settings.max_message_chars)
        self._rate_limiter.check(conversation_id)  # a leaked reply address cannot flood it
        result = await self._core.stores.conversations.append(
            conversation_id,
            [customer_message(text, channel=Channel.EMAIL)],
            last_message=text,
        )
        raise_for_append(result.status)
        if result.state is State.BOT:
            await self._core.hand_off(
                conversation_id, HandoffReason.CUSTOMER_REQUEST, None, trigger=text
            )
        else:
            await self._pass_to_people(conversation_id, result)
        return result.entries[0]

    async def email_transcript(self, conversation_id: str) -> None:
        """Mail the conversation so far to the email the customer left."""
        if self.mail is None:
            raise InputError(ErrorCode.EMAIL_UNAVAILABLE, "Email is not set up here.")
        self._requests.check(f"email:{conversation_id}")
        await self.mail.send_transcript(conversation_id)

    async def widget_connected(self, sid: str, conversation_id: str) -> None:
        if self.mail:
            await self.mail.widget_connected(sid, conversation_id)

    async def widget_disconnected(self, sid: str) -> None:
        if self.mail:
            await self.mail.widget_disconnected(sid)

    async def attachment(
        self, conversation_id: str, data: bytes, name: Any = None, address: str = ""
    ) -> Entry:
        """Store a screenshot or PDF (checked by its bytes) and record it as a customer
        entry; the agent holding the chat gets it like a message. The bot never sees files:
        while it is in charge the attachment is only recorded."""
        stores = self._core.stores
        conversation = await self._core.conversation(conversation_id)
        if conversation.state is State.CLOSED:
            raise_for_append(AppendStatus.CLOSED)
        stores.attachments.check(data)
        if address:
            self._uploads.check(address)
        self._rate_limiter.check(conversation_id)
        stored = await stores.attachments.save(conversation_id, data, name)
        try:
            result = await stores.conversations.append(
                conversation_id,
                [customer_attachment(stored.entry_attachment())],
                last_message=f"[attachment] {stored.name}",
            )
            raise_for_append(result.status)
        except BaseException:
            await stores.attachments.delete(stored)
            raise
        log.info(
            "conversation %s: customer attached %s (%s, %d bytes)",
            conversation_id,
            stored.id,
            stored.content_type,
            stored.size,
        )
        await self._pass_to_people(conversation_id, result)
        return result.entries[0]

    async def _pass_to_people(self, conversation_id: str, result: AppendResult) -> None:
        """A recorded customer entry while people are in charge: the queue's view shows
        it, or the agent holding the chat gets it; when that agent lost their last socket, the
        chat goes back to the queue's head at once, so the message reaches someone."""
        if result.state is State.QUEUED:
            await self._core.views_changed(queue=True)
        elif (
            result.state is State.WITH_AGENT
            and result.agent
            and not await self._requeue_from_absent(conversation_id, result.agent)
        ):
            await self._core.notifier.to_agent(
                result.agent,
                "entry",
                {"conversation_id": conversation_id, "entry": result.entries[0]},
            )

    async def request_human(self, conversation_id: str) -> CustomerStatus:
        """The explicit "talk to a person" control; pressing it twice queues once. While
        the agent holding the chat is away it puts the customer first in the queue."""
        self._requests.check(f"human:{conversation_id}")
        conversation = await self._core.conversation(conversation_id)
        if conversation.state is State.BOT:
            await self._core.hand_off(conversation_id, HandoffReason.CUSTOMER_REQUEST, None)
        elif conversation.state is State.WITH_AGENT and conversation.agent:
            await self._requeue_from_absent(conversation_id, conversation.agent)
        return await self._tell_status(conversation_id)

    async def _tell_status(self, conversation_id: str) -> CustomerStatus:
        """Send the customer's status, and again if a move (a claim on any process) came
        between reading and sending it: the one read before would have the last word."""
        status = await self._core.customer_status(conversation_id)
        await self._core.notifier.to_customer(conversation_id, "status", status)
        moved = await self.status_if_moved(conversation_id, status)
        if moved is None:
            return status
        await self._core.notifier.to_customer(conversation_id, "status", moved)
        return moved

    async def end_chat(self, conversation_id: str) -> CustomerStatus:
        """The customer's "End chat": a held chat is resolved (its agent is told, and the
        customer may rate it), a queued one leaves the queue; either way the bot is back.
        With the bot already in charge there is nothing to end: the status is the answer."""
        self._requests.check(f"end:{conversation_id}")
        conversation = await self._core.conversation(conversation_id)
        if conversation.state is State.WITH_AGENT:
            await self._end_held_chat(conversation)
            return await self._core.customer_status(conversation_id)
        if conversation.state is State.QUEUED:
            result = await self._core.change_state(
                conversation_id,
                allowed=[State.QUEUED],
                to=State.BOT,
                entry=system_event(EntryEvent.ENDED, text=f"You left the queue. {BOT_IS_BACK}"),
                queue=QueueOp.REMOVE,
                fields=_HANDOFF_FIELDS_CLEARED,
            )
            log.info(
                "conversation %s: queued -> bot (the customer left the queue)", conversation_id
            )
            await self._core.deliver(conversation_id, result.entry, agent="")
            await self._core.views_changed(queue=True)
        return await self._tell_status(conversation_id)

    async def _end_held_chat(self, conversation: Conversation) -> None:
        """Resolved by the customer: the same `resolved` entry and status as an agent's
        resolve, so the agent's console and the rating work alike."""
        agent, name = conversation.agent, conversation.agent_name or "the team"
        entry = system_event(
            EntryEvent.RESOLVED,
            text=f"The customer ended the chat with {name}. {BOT_IS_BACK}",
            agent=agent,
            name=name,
        )
        result = await self._core.change_state(
            conversation.id,
            allowed=[State.WITH_AGENT],
            to=State.BOT,
            entry=entry,
            expected_agent=agent,
            fields={
                **_HANDOFF_FIELDS_CLEARED,
                "resolved_at": f"{time.time():.3f}",
                "resolved_agent": agent,  # told of the rating, as after their own resolve
            },
        )
        log.info("conversation %s: with_agent -> bot (ended by the customer)", conversation.id)
        await self._core.deliver(conversation.id, result.entry, agent=agent)
        await self._core.send_status(conversation.id, state=CustomerState.RESOLVED, agent=name)
        await self._core.let_go(agent, conversation.id, EntryEvent.RESOLVED)

    async def _requeue_from_absent(self, conversation_id: str, agent: str) -> bool:
        """Requeue at the head a chat whose holder lost their last socket; False when they
        are not away (or the chat moved meanwhile)."""
        if not await self._core.stores.agents.is_away(agent):
            return False
        try:
            await self._core.requeue(
                conversation_id,
                agent,
                HandoffReason.AGENT_DISCONNECTED,
                EntryEvent.REQUEUED,
                ABSENT_AGENT_TEXT,
            )
        except InputError:
            return False
        return True

    async def typing(self, conversation_id: str, typing: Any) -> None:
        self._typing.check(conversation_id)
        conversation = await self._core.conversation(conversation_id)
        if conversation.state is State.WITH_AGENT and conversation.agent:
            await self._core.notifier.to_agent(
                conversation.agent,
                "typing",
                {"conversation_id": conversation_id, "typing": bool(typing)},
            )

    async def contact_details(self, conversation_id: str, details: Any) -> Entry:
        """Email (and name) left while waiting, so the team can answer later."""
        if not isinstance(details, dict):
            raise InputError(ErrorCode.INVALID_PAYLOAD, 'Expected {"email": ..., "name": ...}.')
        email, name = details.get("email"), details.get("name") or ""
        if (
            not isinstance(email, str)
            or "@" not in email
            or len(email) > 200
            or not isinstance(name, str)
            or len(name) > 100
        ):
            raise InputError(
                ErrorCode.INVALID_CONTACT, "Please give a valid email (and a short name)."
            )
        self._requests.check(f"contact:{conversation_id}")
        await self._core.conversation(conversation_id)
        contact = {"email": email.strip(), "name": name.strip()}
        await self._core.stores.conversations.set_fields(
            conversation_id, {"contact": json.dumps(contact)}
        )
        email_tag = {InboxTag.EMAIL: TagValue(contact["email"].lower())}
        await self._core.stores.inbox.index(conversation_id, tags=email_tag)
        entry = await self._core.record(
            conversation_id,
            system_event(
                EntryEvent.CONTACT,
                text=(
                    f"Thanks! If you leave, the answer will reach you at {contact['email']}."
                    if self.mail and self.mail.enabled
                    else f"Thanks! The team has your email ({contact['email']})."
                ),
                contact=contact,
            ),
        )
        log.info("conversation %s: contact details left", conversation_id)
        await self._core.deliver(conversation_id, entry)
        await self._core.views_changed(queue=True)
        return entry

    async def rating(self, conversation_id: str, score: Any, comment: Any = None) -> Entry:
        """The customer's score (and optional comment) after a person resolved the chat;
        the agent who resolved it is told, and the inbox can filter by it."""
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise InputError(ErrorCode.INVALID_SCORE, "The rating is a whole number from 1 to 5.")
        comment = valid_comment(comment)
        self._requests.check(f"rating:{conversation_id}")
        conversation = await self._core.conversation(conversation_id)
        if not await self._awaits_rating(conversation_id):
            raise InputError(
                ErrorCode.WRONG_STATE, "A rating is taken once, after a person resolved the chat."
            )
        entry = await self._core.record(
            conversation_id,
            system_event(
                EntryEvent.RATING,
                text="Thanks for your feedback!",
                score=score,
                comment=comment or None,
            ),
        )
        stores = self._core.stores
        await stores.conversations.set_fields(
            conversation_id, {"rating": str(score), "rating_comment": comment}
        )
        await stores.inbox.index(conversation_id, tags={InboxTag.RATING: TagValue(str(score))})
        log.info("conversation %s: rated %d", conversation_id, score)
        await self._core.deliver(conversation_id, entry)
        if conversation.resolved_agent:
            rated = {"conversation_id": conversation_id, "entry": entry}
            await self._core.notifier.to_agent(conversation.resolved_agent, "rated", rated)
        return entry

    async def _awaits_rating(self, conversation_id: str) -> bool:
        """A person resolved the conversation and it was not rated since."""
        for entry in reversed(await self._core.stores.transcripts.read(conversation_id)):
            if entry.get("event") == EntryEvent.RATING:
                return False
            if entry.get("event") == EntryEvent.RESOLVED:
                return True
        return False


def _context(metadata: Any) -> Any:
    """The widget's `metadata.context` (where the customer is, which browser), if any."""
    return metadata.get("context") if isinstance(metadata, dict) else None
