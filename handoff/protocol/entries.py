"""Transcript entries: the one message schema of the gateway, the widget and the console.

Entries are plain dicts built by the small functions below (see docs/protocol.md). The
transcript store adds `id`; everything else is set here, so every writer agrees.

    entry = agent_message("Your parcel left today.", username="ada", name="Ada")
    payload = bot_uttered_payload(entry)    # what the customer's socket receives
"""

from __future__ import annotations

import time
from typing import Any

Entry = dict[str, Any]

CUSTOMER = "customer"
BOT = "bot"
AGENT = "agent"
SYSTEM = "system"
NOTE = "note"

# What a customer may see of an entry; reasons, scores, usernames and notes stay internal.
_CUSTOMER_KEYS = (
    "id",
    "ts",
    "role",
    "name",
    "text",
    "quick_replies",
    "attachment",
    "custom",
    "event",
)


def _entry(role: str, **fields: Any) -> Entry:
    entry: Entry = {"ts": round(time.time(), 3), "role": role}
    entry.update({key: value for key, value in fields.items() if value is not None})
    return entry


def customer_message(text: str, metadata: dict[str, Any] | None = None) -> Entry:
    """What the customer typed (or the payload of a quick reply they pressed)."""
    return _entry(CUSTOMER, text=text, metadata=metadata or None)


def customer_attachment(attachment: dict[str, Any]) -> Entry:
    """A file the customer attached: `{"type": "image"|"file", "payload": {"src", "name",
    "size", "content_type"}}` (see handoff/attachments.py)."""
    return _entry(CUSTOMER, attachment=attachment)


def bot_message(
    text: str | None = None,
    quick_replies: list[dict[str, Any]] | None = None,
    attachment: dict[str, Any] | None = None,
    custom: dict[str, Any] | None = None,
) -> Entry:
    """One part of a bot reply, in Rasa's socketio shapes."""
    return _entry(
        BOT, text=text, quick_replies=quick_replies or None, attachment=attachment, custom=custom
    )


def agent_message(text: str, username: str, name: str) -> Entry:
    """A person from the team writing to the customer."""
    return _entry(AGENT, text=text, username=username, name=name)


def note(text: str, username: str, name: str) -> Entry:
    """An internal remark between agents; never reaches the customer."""
    return _entry(NOTE, text=text, username=username, name=name)


def system_event(event: str, text: str | None = None, **details: Any) -> Entry:
    """A state change of the conversation (handoff, claimed, resolved...) with its reason.

    `text` is what the customer reads; an event without text is for agents only.
    """
    return _entry(SYSTEM, event=event, text=text, internal=None if text else True, **details)


def late(entry: Entry) -> Entry:
    """Mark a bot entry that arrived after a person took over: recorded, not shown as live."""
    return {**entry, "late": True}


def customer_view(entry: Entry) -> Entry | None:
    """The entry as the customer may see it, or None when it is internal."""
    if entry.get("role") == NOTE or entry.get("late") or entry.get("internal"):
        return None
    return {key: entry[key] for key in _CUSTOMER_KEYS if key in entry}


def bot_uttered_payload(entry: Entry) -> Entry:
    """A customer-visible entry in Rasa's `bot_uttered` shape plus id, ts, role and name."""
    view = customer_view(entry) or {}
    view.pop("event", None)
    return view
