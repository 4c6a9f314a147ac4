"""Customers' slash commands. Rasa reads a message that starts with "/" as an intent
(`/faq/reset_password`, `/some_intent{"slot": ...}`) and skips its NLU: typed by a customer
it would drive the bot at confidence 1.0. Such a message is refused (`command_not_allowed`)
unless it is the payload of a quick reply the bot offered in its latest message (pressing a
button, "Talk to a person" is `/request_human`), or CUSTOMER_COMMANDS=on allows all.

    commands = CommandPolicy(stores.transcripts, allow_all=settings.customer_commands)
    await commands.check("c1", "/request_human")   # fine right after the bot offered it
"""

from __future__ import annotations

from handoff.protocol import ErrorCode, InputError, Role
from handoff.stores.transcript import TranscriptStore

COMMAND_PREFIX = "/"  # rasa.shared.constants.INTENT_MESSAGE_PREFIX
# How far back the bot's latest message is looked for (a reply is a few entries).
_RECENT_ENTRIES = 20


class CommandPolicy:
    """Checks customer text before it is recorded or reaches the bot."""

    def __init__(self, transcripts: TranscriptStore, allow_all: bool) -> None:
        self._transcripts = transcripts
        self._allow_all = allow_all

    async def check(self, conversation_id: str, text: str) -> None:
        command = text.strip()  # as Rasa strips it
        if self._allow_all or not command.startswith(COMMAND_PREFIX):
            return
        if command not in await self._offered(conversation_id):
            raise InputError(
                ErrorCode.COMMAND_NOT_ALLOWED,
                "Messages cannot start with '/'; please write your question in words.",
            )

    async def _offered(self, conversation_id: str) -> set[str]:
        """The quick-reply payloads of the bot's reply to the customer's latest message
        (a reply is several entries: text parts, buttons, images)."""
        offered: set[str] = set()
        for entry in await self._transcripts.latest(conversation_id, _RECENT_ENTRIES):
            if entry.get("role") == Role.CUSTOMER:
                break
            if entry.get("role") == Role.BOT:
                offered |= {reply["payload"] for reply in entry.get("quick_replies") or []}
        return offered
