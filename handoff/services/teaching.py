"""Agents teach the bot: a reply marked as a good answer joins a review list for trainers.

The question is what the customer wrote just before the reply; the reply must be the
marking agent's own, so only an agent who held the chat can mark anything in it.

    teaching = Teaching(core)
    await teaching.mark("ada", "c1", "1700000000000-0")   # {"ok": True, "taught": {...}}
    await teaching.review_list()                          # oldest mark first
"""

from __future__ import annotations

import time
from typing import Any, Sequence

from handoff.protocol import ErrorCode, InputError, Role, TaughtAnswer
from handoff.protocol.entries import Entry
from handoff.services.core import ConversationCore, log
from handoff.services.validation import valid_id
from handoff.stores.agents import Agent
from handoff.stores.transcript import is_entry_id

# How far back from a reply its question is looked for (entries, the reply included).
QUESTION_LOOKBACK = 50


class Teaching:
    def __init__(self, core: ConversationCore) -> None:
        self._core = core
        self._stores = core.stores

    async def mark(self, username: str, conversation_id: Any, reply_id: Any) -> dict[str, Any]:
        """Put the agent's reply and the customer's question before it on the review list;
        marking it again changes nothing."""
        agent = await self._core.agent(username)
        conversation = await self._core.conversation(valid_id(conversation_id))
        if not is_entry_id(reply_id):
            raise InputError(ErrorCode.INVALID_PAYLOAD, "reply_id: the id of your message.")
        newest_first = await self._stores.transcripts.up_to(
            conversation.id, reply_id, QUESTION_LOOKBACK
        )
        if not newest_first or newest_first[0]["id"] != reply_id:
            raise InputError(ErrorCode.NOT_FOUND, "No such message in this conversation.")
        reply = newest_first[0]
        if reply.get("role") != Role.AGENT or reply.get("username") != username:
            raise InputError(ErrorCode.FORBIDDEN, "You can only mark your own replies.")
        question = customer_question(newest_first[1:])
        if not question:
            raise InputError(ErrorCode.NOT_FOUND, "No customer message comes before this reply.")
        taught = await self._stores.taught.add(
            TaughtAnswer(
                conversation_id=conversation.id,
                reply_id=reply_id,
                question=question,
                answer=reply.get("text", ""),
                agent=username,
                agent_name=agent.name,
                marked_at=round(time.time(), 3),
            )
        )
        log.info(
            "conversation %s: %s marked reply %s as a good answer",
            conversation.id,
            username,
            reply_id,
        )
        return {"ok": True, "taught": taught}

    async def review_list(self, admin: Agent) -> list[TaughtAnswer]:
        _require_admin(admin)
        return await self._stores.taught.all()

    async def remove(self, admin: Agent, conversation_id: str, reply_id: str) -> None:
        """Off the review list (a trainer dealt with it)."""
        _require_admin(admin)
        if not await self._stores.taught.remove(conversation_id, reply_id):
            raise InputError(ErrorCode.NOT_FOUND, "No such answer on the review list.")


def customer_question(newest_first: Sequence[Entry]) -> str:
    """The customer's last message(s) before a reply, oldest first, in one line: what the
    reply answers. Entries in between (the bot's hand-off, the claim, other replies) are
    skipped; the question ends where something else comes before it."""
    messages: list[str] = []
    for entry in newest_first:
        if entry.get("role") == Role.CUSTOMER and entry.get("text"):
            messages.append(" ".join(entry["text"].split()))
        elif messages:
            break
    return " ".join(reversed(messages))


def _require_admin(agent: Agent) -> None:
    if not agent.is_admin:
        raise InputError(ErrorCode.FORBIDDEN, "Only admins review the answers agents marked.")
