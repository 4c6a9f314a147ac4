"""The agents' side: sign-in, presence, claiming, replies, notes, transfer, resolve.

Every move is one atomic state transition in Redis (two agents never hold one chat), and
chats of an agent who vanished for longer than the grace period go back to the head of
the queue.
"""

from __future__ import annotations

import time
from typing import Any

from bot.signals import HandoffReason
from handoff import entries
from handoff.agents import PRESENCE_STATES, Agent
from handoff.conversations import BOT, CLOSED, QUEUED, WITH_AGENT
from handoff.errors import InputError
from handoff.service_core import ServiceCore, log
from handoff.validation import raise_for_append, refusal, valid_id, valid_text

AGENT_DISCONNECTED = "agent_disconnected"


class AgentDesk(ServiceCore):
    """One method per agent socket event, plus the periodic sweep."""

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

    async def _chats(self, username: str) -> list[dict[str, Any]]:
        held = await self.conversations.get_many(await self.conversations.chats_of(username))
        return [
            {**conversation.summary(), "transcript": await self.transcripts.read(conversation.id)}
            for conversation in held
        ]
