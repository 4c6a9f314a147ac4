"""Turn Rasa's REST reply into transcript entries and the bot's signals.

Rasa's REST channel returns `[{"text", "buttons"?}, {"image"}, {"attachment"},
{"custom"}]`. Customers get Rasa's socketio shapes (text split on blank lines, buttons as
quick replies on the last part); signals (bot/signals.py) never become visible entries:
an `answer` signal annotates the bot entry before it, a `handoff` signal is returned.

    reply = parse_bot_reply(await rasa.send(...))
    reply.entries, reply.handoff   # entries to append; the handoff signal or None
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.signals import ANSWER, HANDOFF, signal_kind
from handoff.protocol import Entry, QuickReply
from handoff.protocol.entries import bot_message


@dataclass
class BotReply:
    """The entries to record, and the bot's handoff signal if it gave up."""

    entries: list[Entry] = field(default_factory=list)
    handoff: dict[str, Any] | None = None


def quick_replies(buttons: Any) -> list[QuickReply]:
    """Rasa buttons as socketio quick replies."""
    if not isinstance(buttons, list):
        return []
    return [
        {
            "content_type": "text",
            "title": str(button.get("title", "")),
            "payload": str(button.get("payload", "")),
        }
        for button in buttons
        if isinstance(button, dict)
    ]


def parse_bot_reply(messages: list[dict[str, Any]]) -> BotReply:
    reply = BotReply()
    for message in messages:
        custom = message.get("custom")
        kind = signal_kind(custom)
        if kind == HANDOFF and isinstance(custom, dict):
            reply.handoff = custom
            continue
        if kind == ANSWER and isinstance(custom, dict):
            faq_id, faq_confidence = custom.get("faq_id"), custom.get("faq_confidence")
            if reply.entries and isinstance(faq_id, str) and isinstance(faq_confidence, float):
                reply.entries[-1]["faq_id"] = faq_id
                reply.entries[-1]["faq_confidence"] = faq_confidence
            continue
        reply.entries.extend(_entries_of(message))
    return reply


def _entries_of(message: dict[str, Any]) -> list[Entry]:
    entries: list[Entry] = []
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        parts = [part for part in text.strip().split("\n\n") if part.strip()]
        entries.extend(bot_message(text=part) for part in parts)
        buttons = quick_replies(message.get("buttons"))
        if buttons:
            entries[-1]["quick_replies"] = buttons
    if isinstance(message.get("image"), str):
        entries.append(
            bot_message(attachment={"type": "image", "payload": {"src": message["image"]}})
        )
    if isinstance(message.get("attachment"), dict):
        entries.append(bot_message(attachment=message["attachment"]))
    if isinstance(message.get("custom"), dict):
        entries.append(bot_message(custom=message["custom"]))
    return entries
