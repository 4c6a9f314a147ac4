"""The bot's side of a conversation: ask Rasa, record its reply, follow its hand-off.

Messages of one conversation reach the bot one at a time and in order; a reply that
arrives after a person took over is recorded for the agent but not shown to the
customer; a bot that cannot answer hands the conversation to a person.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.signals import HandoffReason
from handoff import entries
from handoff.bot_replies import parse_bot_reply
from handoff.conversations import BOT
from handoff.rasa_client import BotUnavailable
from handoff.service_core import ServiceCore, log


class BotRelay(ServiceCore):
    """Messages to Rasa and its replies back into the conversation."""

    def _hand_to_bot(
        self, conversation_id: str, text: str, metadata: dict[str, Any] | None, gen: str
    ) -> None:
        """Ask the bot in the background: the socket's next events (another message,
        "talk to a person") must not wait for it. The per-conversation lock keeps order."""
        task = asyncio.create_task(self._ask_bot(conversation_id, text, metadata, gen))
        self._bot_tasks.add(task)
        task.add_done_callback(self._bot_tasks.discard)

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

    async def shutdown(self) -> None:
        for task in list(self._bot_tasks):
            task.cancel()
        await asyncio.gather(*self._bot_tasks, return_exceptions=True)
        await self.rasa.close()
