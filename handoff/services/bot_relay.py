"""The bot's side of a conversation: ask Rasa, record its reply, follow its hand-off.

Messages of one conversation reach the bot one at a time and in order; a reply that
arrives after a person took over is recorded for the agent but not shown to the
customer; a bot that cannot answer hands the conversation to a person.

    relay = BotRelay(core, RasaClient(settings.rasa_url, settings.bot_timeout_s))
    relay.ask("c1", "where is my parcel?", metadata=None, gen="0")   # returns at once
    await relay.idle()                                               # tests: wait for it
"""

from __future__ import annotations

import asyncio
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError

from handoff.bot_client import BotReply, BotUnavailable, RasaClient, parse_bot_reply
from handoff.protocol import HandoffReason, State
from handoff.protocol.entries import late
from handoff.services.core import ConversationCore, log
from handoff.stores.conversations import AppendResult, AppendStatus
from handoff.stores.once import new_token

# What of the bot's handoff signal goes into the handoff entry, for agents.
_SIGNAL_DETAILS = ("intent", "intent_confidence", "faq_id", "faq_confidence")
# A reply in hand while Redis restarts waits this long for it, beyond the client's own
# retries, rather than being dropped: the customer would wait for an answer for ever.
REDIS_OUTAGE_S = 30.0


class BotRelay:
    """Customer messages to Rasa, in the background, and its replies back."""

    def __init__(self, core: ConversationCore, rasa: RasaClient) -> None:
        self._core = core
        self.rasa = rasa
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}  # lock, tasks using it
        self._tasks: set[asyncio.Task[None]] = set()

    def ask(
        self, conversation_id: str, text: str, metadata: dict[str, Any] | None, gen: str
    ) -> None:
        """Ask the bot in the background: the socket's next events (another message,
        "talk to a person") must not wait for it. The per-conversation lock keeps order."""
        task = asyncio.create_task(self._ask(conversation_id, text, metadata, gen))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait until every message handed to the bot has been answered (or given up)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        """Give up on pending questions (the process is stopping) and close the client."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.rasa.close()

    async def _ask(
        self, conversation_id: str, text: str, metadata: dict[str, Any] | None, gen: str
    ) -> None:
        lock, users = self._locks.get(conversation_id, (asyncio.Lock(), 0))
        self._locks[conversation_id] = (lock, users + 1)
        try:
            async with lock:
                await self._ask_in_turn(conversation_id, text, metadata, gen)
        except Exception:
            log.exception("conversation %s: handling the bot's reply failed", conversation_id)
        finally:
            lock, users = self._locks[conversation_id]
            if users > 1:
                self._locks[conversation_id] = (lock, users - 1)
            else:
                del self._locks[conversation_id]

    async def _ask_in_turn(
        self, conversation_id: str, text: str, metadata: dict[str, Any] | None, gen: str
    ) -> None:
        conversation = await self._core.stores.conversations.get(conversation_id)
        if conversation is None or conversation.state is not State.BOT or conversation.gen != gen:
            return  # a person took over while this message waited for the bot
        await self._typing(conversation_id, True)
        try:
            messages = await self.rasa.send(conversation_id, text, metadata)
        except BotUnavailable as exc:
            await self._typing(conversation_id, False)
            log.warning("conversation %s: bot unavailable (%s)", conversation_id, exc)
            await self._core.hand_off(
                conversation_id, HandoffReason.BOT_UNAVAILABLE, None, trigger=text
            )
            return
        await self._typing(conversation_id, False)
        await self._record_reply(conversation_id, parse_bot_reply(messages), text, gen)

    async def _record_reply(
        self, conversation_id: str, reply: BotReply, text: str, gen: str
    ) -> None:
        core = self._core
        if reply.entries:
            result = await self._append_once_redis_answers(conversation_id, reply, gen)
            # Late entries are marked so: the agent sees them, the customer does not.
            for entry in result.entries:
                await core.deliver(conversation_id, entry, agent=result.agent)
            if result.status is AppendStatus.LATE:
                log.info(
                    "conversation %s: bot reply arrived after the handoff (%s); recorded, "
                    "not shown to the customer",
                    conversation_id,
                    result.state,
                )
                return
        if reply.handoff is not None:
            signal = reply.handoff
            confidence = signal.get("confidence")
            await core.hand_off(
                conversation_id,
                _reason(signal.get("reason")),
                confidence if isinstance(confidence, (int, float)) else None,
                trigger=signal.get("text") or text,
                expected_gen=gen,
                details={
                    key: signal[key] for key in _SIGNAL_DETAILS if signal.get(key) is not None
                },
            )

    async def _append_once_redis_answers(
        self, conversation_id: str, reply: BotReply, gen: str
    ) -> AppendResult:
        """Record the reply, retrying while Redis refuses connections (a restart): only
        the append is retried, under one token, so nothing is recorded or delivered twice."""
        loop = asyncio.get_running_loop()
        deadline, pause, token = loop.time() + REDIS_OUTAGE_S, 0.25, new_token()
        while True:
            try:
                return await self._core.stores.conversations.append(
                    conversation_id,
                    reply.entries,
                    late_entries=[late(entry) for entry in reply.entries],
                    expected_gen=gen,
                    token=token,
                )
            except RedisConnectionError:
                if loop.time() + pause > deadline:
                    raise
                log.warning(
                    "conversation %s: Redis is away; the bot's reply waits", conversation_id
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, 2.0)

    async def _typing(self, conversation_id: str, typing: bool) -> None:
        await self._core.notifier.to_customer(
            conversation_id, "typing", {"role": "bot", "typing": typing}
        )


def _reason(raw: Any) -> HandoffReason:
    """The bot's stated reason; a reason this gateway does not know counts as low confidence."""
    try:
        return HandoffReason(raw)
    except ValueError:
        return HandoffReason.LOW_CONFIDENCE
