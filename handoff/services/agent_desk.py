"""The agents' side: sign-in, presence, claiming, replies, notes, transfer, resolve (and,
through `teaching`, replies marked as good answers for the bot to learn).

Every move is one atomic state transition in Redis (two agents never hold one chat), and
chats of an agent who vanished for longer than the grace period go back to the head of
the queue.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from typing import TYPE_CHECKING, Any, TypedDict

from handoff.auth.tokens import AgentClaims, AgentTokens
from handoff.protocol import (
    ConversationSummary,
    CustomerState,
    EntryEvent,
    ErrorCode,
    HandoffReason,
    InputError,
    Presence,
    QueueItem,
    RosterRow,
    State,
)
from handoff.protocol.entries import Entry, agent_message, note, system_event
from handoff.protocol.shapes import AgentLogin
from handoff.services.accounts import AccountAdmin
from handoff.services.core import ConversationCore, log
from handoff.services.teaching import Teaching
from handoff.services.validation import raise_for_append, refusal, valid_id, valid_text
from handoff.stores.agents import Agent, valid_username
from handoff.stores.conversations import Conversation, QueueOp, Refusal

if TYPE_CHECKING:
    from handoff.mail.service import MailService

CHOOSABLE_PRESENCE = (Presence.AVAILABLE, Presence.AWAY)


class HeldChat(ConversationSummary):
    """A chat an agent holds, with its whole transcript (the `chats` event)."""

    transcript: list[Entry]


class AgentView(TypedDict):
    """What an agent's console starts from: the `queue`, `agents` and `chats` events."""

    queue: dict[str, list[QueueItem]]
    agents: dict[str, list[RosterRow]]
    chats: dict[str, list[HeldChat]]


class AgentDesk:
    """One method per agent socket event, plus the periodic sweep.

    desk = AgentDesk(core, AgentTokens(secret, ttl_s=3600))
    issued = await desk.login("ada", "s3cret", "10.0.0.7")  # token, who, max_message_chars
    await desk.claim("ada", "c1")                            # exactly one claimer wins
    """

    def __init__(
        self, core: ConversationCore, tokens: AgentTokens, mail: MailService | None = None
    ) -> None:
        self._core = core
        self._mail = mail
        self._stores = core.stores
        self._tokens = tokens
        self.process_id = uuid.uuid4().hex[:12]
        self._connections: dict[str, str] = {}  # "<process>:<sid>" -> username
        self._connection_tokens: dict[str, str] = {}  # "<process>:<sid>" -> its login token
        self.accounts = AccountAdmin(core.stores, self.enforce_revocations)
        self.teaching = Teaching(core)

    async def login(self, username: Any, password: Any, address: str = "") -> AgentLogin:
        """A token for the right password; wrong ones are counted per username and client
        address, and a locked username or address is refused (429) before any check."""
        name = username if valid_username(username) else None
        logins = self._stores.logins
        await logins.check(name, address)
        agent = await self._stores.agents.authenticate(username, password)
        if agent is None:
            await logins.failed(name, address)
            log.info("agent login refused for %r from %s", name or "?", address or "?")
            raise InputError(ErrorCode.INVALID_CREDENTIALS, "Wrong username or password.")
        await logins.succeeded(agent.username)
        log.info("agent %s logged in", agent.username)
        return {
            "token": self._tokens.issue(agent.username, agent.token_generation),
            "name": agent.name,
            "username": agent.username,
            "role": agent.role,
            "max_message_chars": self._core.settings.max_message_chars,
        }

    async def logout(self, token: Any) -> None:
        """The token stops working at once on every process; sockets opened with it are
        closed by the next sweep of the process holding them."""
        claims = await self._valid_claims(token)
        if claims is None:
            raise InputError(ErrorCode.UNAUTHORIZED, "Not signed in.")
        await self._stores.agents.revoke_token(claims.token_id, claims.expires_at)
        log.info("agent %s logged out", claims.username)
        await self.enforce_revocations()

    async def authenticate_token(self, token: Any) -> Agent | None:
        """The agent of a token that is genuine, unexpired, not signed out, of an enabled
        account whose password has not changed since it was issued."""
        claims = await self._valid_claims(token)
        return await self._stores.agents.get(claims.username) if claims else None

    async def _valid_claims(self, token: Any) -> AgentClaims | None:
        claims = self._tokens.verify(token)
        if claims is None:
            return None
        agent = await self._stores.agents.get(claims.username)
        if agent is None or agent.disabled or agent.token_generation != claims.generation:
            return None
        return None if await self._stores.agents.is_revoked(claims.token_id) else claims

    async def enforce_revocations(self) -> None:
        """Close this process's agent sockets whose token no longer holds (signed out,
        new password, account disabled or removed)."""
        for connection, token in list(self._connection_tokens.items()):
            if await self._valid_claims(token) is None:
                self._connection_tokens.pop(connection, None)
                sid = connection.partition(":")[2]
                username = self._connections.get(connection)
                log.info("agent %s: token revoked, socket closed", username)
                await self._core.notifier.disconnect_agent(sid)

    async def connected(self, username: str, sid: str, token: str = "") -> AgentView:
        """Record the connection (and the token it was opened with, which keeps being
        checked); returns the agent's starting view (queue, agents, chats)."""
        connection = f"{self.process_id}:{sid}"
        self._connections[connection] = username
        if token:
            self._connection_tokens[connection] = token
        await self._stores.agents.connected(username, connection)
        log.info("agent %s connected", username)
        if await self._stores.agents.mark_back(username):
            await self._announce_presence(username, away=False)
        else:
            await self._restate_chats(username)
        await self._core.views_changed(roster=True)
        return await self.view(username)

    async def view(self, username: str) -> AgentView:
        return {
            "queue": {"items": await self._stores.queue.items()},
            "agents": {
                "agents": await self._stores.agents.roster(self._core.settings.agent_chat_limit)
            },
            "chats": {"items": await self._chats(username)},
        }

    async def disconnected(self, username: str, sid: str) -> None:
        connection = f"{self.process_id}:{sid}"
        self._connections.pop(connection, None)
        self._connection_tokens.pop(connection, None)
        await self._stores.agents.disconnected(username, connection)
        log.info(
            "agent %s disconnected (chats wait %.0fs for them)",
            username,
            self._core.settings.agent_grace_s,
        )
        agents = self._stores.agents
        if not await agents.is_online(username) and await agents.mark_away(username):
            await self._announce_presence(username, away=True)
        await self._core.views_changed(roster=True)

    async def set_presence(self, username: str, status: Any) -> dict[str, Any]:
        if status not in CHOOSABLE_PRESENCE:
            raise InputError(ErrorCode.INVALID_STATUS, "Status is 'available' or 'away'.")
        presence = Presence(status)
        await self._stores.agents.set_status(username, presence)
        log.info("agent %s is %s", username, presence)
        await self._core.views_changed(roster=True)
        return {"ok": True, "status": presence}

    async def claim(self, username: str, conversation_id: Any) -> dict[str, Any]:
        """Take a queued conversation; exactly one of many simultaneous claimers wins."""
        agent = await self._core.agent(username)
        conversation_id = valid_id(conversation_id)
        entry = system_event(
            EntryEvent.CLAIMED,
            text=f"{agent.name} joined the conversation.",
            agent=username,
            name=agent.name,
        )
        result = await self._stores.conversations.transition(
            conversation_id,
            allowed=[State.QUEUED],
            to=State.WITH_AGENT,
            entry=entry,
            queue=QueueOp.REMOVE,
            new_agent=username,
            agent_limit=self._limit_of(agent),
            fields={"agent_name": agent.name, "claimed_at": f"{time.time():.3f}"},
        )
        if not result.ok:
            held = result.previous_state is State.WITH_AGENT and result.refused is Refusal.STATE
            if held and result.previous_agent == username:
                return await self._claimed_again(conversation_id)
            if held:
                raise InputError(ErrorCode.TAKEN, f"Already taken by {result.previous_agent}.")
            raise refusal(result)
        conversation = await self._core.conversation(conversation_id)
        if conversation.queued_at:
            await self._stores.queue.record_wait(time.time() - conversation.queued_at)
        log.info("conversation %s: queued -> with_agent (claimed by %s)", conversation_id, username)
        await self._core.deliver(conversation_id, result.entry, agent="")
        await self._core.send_status(conversation_id)
        await self._core.notifier.to_agents(
            "taken", {"conversation_id": conversation_id, "by": username}
        )
        await self._core.views_changed(queue=True, roster=True)
        return {"ok": True, **await self._with_transcript(conversation)}

    async def _claimed_again(self, conversation_id: str) -> dict[str, Any]:
        """A claim sent again by the agent who holds the chat: the first went through but
        its answer was lost (Redis restarting, a dropped socket), maybe before the customer
        was told, so they are told now and the claim succeeds."""
        await self._core.send_status(conversation_id)
        conversation = await self._core.conversation(conversation_id)
        return {"ok": True, **await self._with_transcript(conversation)}

    async def transcript(self, username: str, conversation_id: Any) -> dict[str, Any]:
        """Any conversation's full transcript, for agents (e.g. a console after reload)."""
        await self._core.agent(username)
        conversation = await self._core.conversation(valid_id(conversation_id))
        return {"ok": True, **await self._with_transcript(conversation)}

    async def message(self, username: str, conversation_id: Any, text: Any) -> dict[str, Any]:
        agent = await self._core.agent(username)
        conversation_id = valid_id(conversation_id)
        text = valid_text(text, self._core.settings.max_message_chars)
        result = await self._stores.conversations.append(
            conversation_id,
            [agent_message(text, username, agent.name)],
            expected_agent=username,
        )
        raise_for_append(result.status)
        entry = result.entries[0]
        await self._core.deliver(conversation_id, entry, agent=username)
        if self._mail:
            await self._mail.agent_wrote(conversation_id)
        return {"ok": True, "entry": entry}

    async def typing(self, username: str, conversation_id: Any, typing: Any) -> None:
        agent = await self._core.agent(username)
        conversation = await self._core.conversation(valid_id(conversation_id))
        if conversation.state is State.WITH_AGENT and conversation.agent == username:
            await self._core.notifier.to_customer(
                conversation.id,
                "typing",
                {"role": "agent", "name": agent.name, "typing": bool(typing)},
            )

    async def note(self, username: str, conversation_id: Any, text: Any) -> dict[str, Any]:
        """An internal note: recorded and shown to agents, never to the customer."""
        agent = await self._core.agent(username)
        conversation = await self._core.conversation(valid_id(conversation_id))
        entry = await self._core.record(
            conversation.id,
            note(valid_text(text, self._core.settings.max_message_chars), username, agent.name),
        )
        for holder in {conversation.agent, username} - {""}:
            await self._core.notifier.to_agent(
                holder, "entry", {"conversation_id": conversation.id, "entry": entry}
            )
        return {"ok": True, "entry": entry}

    async def transfer(self, username: str, conversation_id: Any, to: Any) -> dict[str, Any]:
        """Give a held chat to another online agent, or (to=None) back to the queue's head."""
        agent = await self._core.agent(username)
        conversation_id = valid_id(conversation_id)
        if to is None:
            await self._core.requeue(
                conversation_id,
                username,
                HandoffReason.AGENT_TRANSFER,
                EntryEvent.TRANSFERRED,
                "You're being transferred to another person from our team. Please wait a moment.",
            )
            return {"ok": True}
        if to == username or not isinstance(to, str):
            raise InputError(
                ErrorCode.INVALID_TRANSFER, "Transfer to another agent's username or null."
            )
        target = await self._stores.agents.get(to)
        if target is None:
            raise InputError(ErrorCode.UNKNOWN_AGENT, f"No agent {to!r}.")
        if not await self._stores.agents.is_online(to):
            raise InputError(ErrorCode.AGENT_OFFLINE, f"{target.name} is not online.")
        entry = system_event(
            EntryEvent.TRANSFERRED,
            text=f"{target.name} is taking over this conversation.",
            reason=HandoffReason.AGENT_TRANSFER,
            agent=username,
            to=to,
            name=target.name,
        )
        result = await self._stores.conversations.transition(
            conversation_id,
            allowed=[State.WITH_AGENT],
            to=State.WITH_AGENT,
            entry=entry,
            expected_agent=username,
            new_agent=to,
            agent_limit=self._limit_of(target),
            fields={"agent_name": target.name},
        )
        recorded = result.entry
        if not result.ok:
            if result.refused is Refusal.AGENT and result.previous_agent == to:
                recorded = await self._transfer_sent_again(conversation_id, username, to)
            if recorded is None:
                raise refusal(result)
        log.info(
            "conversation %s: with_agent -> with_agent (transferred %s -> %s%s)",
            conversation_id,
            username,
            to,
            "" if result.ok else ", sent again",
        )
        await self._core.deliver(conversation_id, recorded, agent="")
        await self._core.send_status(conversation_id)
        conversation = await self._core.conversation(conversation_id)
        await self._core.notifier.to_agent(
            to,
            "assigned",
            {
                "conversation_id": conversation_id,
                **await self._with_transcript(conversation),
                "from": agent.username,
            },
        )
        await self._core.let_go(username, conversation_id, EntryEvent.TRANSFERRED)
        return {"ok": True}

    async def _transfer_sent_again(
        self, conversation_id: str, username: str, to: str
    ) -> Entry | None:
        """The entry of `username`'s transfer to `to` when that is how `to` holds the chat:
        a transfer sent again because its answer was lost (its gateway died, maybe before
        telling `to` and the customer) is announced again instead of refused."""
        for entry in reversed(await self._stores.transcripts.read(conversation_id)):
            if entry.get("event") in (EntryEvent.CLAIMED, EntryEvent.TRANSFERRED):
                return entry if (entry.get("agent"), entry.get("to")) == (username, to) else None
        return None

    async def resolve(self, username: str, conversation_id: Any) -> dict[str, Any]:
        """The person is done: the bot takes over again and the customer is told."""
        agent = await self._core.agent(username)
        conversation_id = valid_id(conversation_id)
        entry = system_event(
            EntryEvent.RESOLVED,
            text=f"{agent.name} marked this conversation as resolved. The assistant "
            "is back: ask it anything, or ask for a person at any time.",
            agent=username,
            name=agent.name,
        )
        result = await self._core.change_state(
            conversation_id,
            allowed=[State.WITH_AGENT],
            to=State.BOT,
            entry=entry,
            expected_agent=username,
            fields={
                "reason": "",
                "confidence": "",
                "queued_at": "",
                "handoff_text": "",
                "resolved_by": agent.name,
                "resolved_agent": username,
                "resolved_at": f"{time.time():.3f}",
            },
        )
        log.info("conversation %s: with_agent -> bot (resolved by %s)", conversation_id, username)
        await self._core.deliver(conversation_id, result.entry, agent="")
        await self._core.send_status(
            conversation_id, state=CustomerState.RESOLVED, agent=agent.name
        )
        await self._core.let_go(username, conversation_id, EntryEvent.RESOLVED)
        return {"ok": True}

    async def close(self, username: str, conversation_id: Any) -> dict[str, Any]:
        """End a queued or held conversation for good (spam, duplicates)."""
        agent = await self._core.agent(username)
        conversation = await self._core.conversation(valid_id(conversation_id))
        if conversation.state is State.WITH_AGENT and conversation.agent != username:
            raise InputError(
                ErrorCode.NOT_YOUR_CHAT, "Only the agent holding this chat can close it."
            )
        entry = system_event(
            EntryEvent.CLOSED,
            text="This conversation has been closed.",
            agent=username,
            name=agent.name,
        )
        result = await self._core.change_state(
            conversation.id,
            allowed=[State.QUEUED, State.WITH_AGENT],
            to=State.CLOSED,
            entry=entry,
            queue=QueueOp.REMOVE,
            expected_agent=conversation.agent,
        )
        await self._stores.records.expire(conversation.id, self._core.settings.retention_s)
        log.info(
            "conversation %s: %s -> closed (by %s)",
            conversation.id,
            result.previous_state,
            username,
        )
        await self._core.deliver(conversation.id, result.entry, agent="")
        await self._core.notifier.to_customer(
            conversation.id, "status", {"state": CustomerState.CLOSED}
        )
        if conversation.agent:
            await self._core.notifier.to_agent(
                conversation.agent,
                "closed",
                {"conversation_id": conversation.id, "state": State.CLOSED},
            )
        await self._core.views_changed(queue=True, roster=True)
        return {"ok": True}

    async def sweep(self, heartbeat: bool = True) -> None:
        """Periodic: keep this process's agents live, close sockets whose token was
        revoked; announce agents whose sockets all went stale, requeue chats of those gone
        for longer than the grace period."""
        agents = self._stores.agents
        if heartbeat:
            await agents.heartbeat(self._connections)
        await self.enforce_revocations()
        for username in await agents.vanished(0):
            # Sockets of a gateway that died without closing them have gone stale by now.
            if await agents.mark_away(username):
                await self._announce_presence(username, away=True)
        for username in await agents.vanished(self._core.settings.agent_grace_s):
            for conversation_id in await self._stores.conversations.chats_of(username):
                try:
                    await self._core.requeue(
                        conversation_id,
                        username,
                        HandoffReason.AGENT_DISCONNECTED,
                        EntryEvent.REQUEUED,
                        "The person helping you was disconnected. You're first in line for "
                        "the next one.",
                    )
                except InputError:
                    continue  # resolved or moved meanwhile

    async def _announce_presence(self, username: str, *, away: bool) -> None:
        """Tell the customers of an agent's chats at once that their last socket went (they
        may ask for someone else) or that they are back."""
        agent = await self._stores.agents.get(username)
        name = agent.name if agent else username
        event, text = (
            (EntryEvent.AGENT_AWAY, f"{name} lost connection, reconnecting...")
            if away
            else (EntryEvent.AGENT_BACK, f"{name} is back.")
        )
        for conversation_id in await self._stores.conversations.chats_of(username):
            try:
                entry = await self._core.record(
                    conversation_id, system_event(event, text=text, agent=username, name=name)
                )
            except InputError:
                continue  # closed meanwhile
            await self._core.deliver(conversation_id, entry)
            await self._core.send_status(conversation_id)

    async def _restate_chats(self, username: str) -> None:
        """Each held chat's customer gets its status again, from Redis: a claim whose
        gateway died before telling the customer (the agent's socket was on it, so the
        agent reconnects) no longer leaves them reading "waiting"."""
        for conversation_id in await self._stores.conversations.chats_of(username):
            with contextlib.suppress(InputError):  # erased meanwhile
                await self._core.send_status(conversation_id)

    async def _with_transcript(self, conversation: Conversation) -> dict[str, Any]:
        """`transcript` (every entry, internals included) and `conversation` (its summary)."""
        return {
            "conversation_id": conversation.id,
            "transcript": await self._stores.transcripts.read(conversation.id),
            "conversation": conversation.summary(),
        }

    async def _chats(self, username: str) -> list[HeldChat]:
        conversations = self._stores.conversations
        held = await conversations.get_many(await conversations.chats_of(username))
        return [
            {
                **conversation.summary(),
                "transcript": await self._stores.transcripts.read(conversation.id),
            }
            for conversation in held
        ]

    def _limit_of(self, agent: Agent) -> int:
        return agent.limit or self._core.settings.agent_chat_limit
