"""Transcript entries: the one message schema of the gateway, the widget and the console.

Entries are built by the small functions below and nowhere else; the transcript store
adds `id`. Customers see an entry through one of two views:

- the Rasa view (`rasa_view`): exactly the `bot_uttered` shapes of stock Rasa's socketio
  channel (`{"text"}`, `{"text", "quick_replies"}`, `{"attachment"}`, `{"custom"}`), which
  any widget written for Rasa renders; every client gets it unless it asks otherwise;
- the extended view (`extended_view`): the same plus `id`, `ts`, `role`, `name` and `event`,
  for clients that announce themselves (our widget) and keep history and order by id.

    entry = agent_message("Your parcel left today.", username="ada", name="Ada")
    rasa_view(entry)        # {"text": "Your parcel left today."}
"""

from __future__ import annotations

import time
from typing import Any, TypedDict

from handoff.protocol.enums import Channel, CustomerView, EntryEvent, Role

# The customer may see these; reasons, scores, usernames and notes stay internal.
_EXTENDED_KEYS = (
    "id",
    "ts",
    "role",
    "name",
    "text",
    "quick_replies",
    "attachment",
    "custom",
    "event",
    "channel",
)


class QuickReply(TypedDict):
    """A button under a bot message; pressing it sends `payload` as the customer's text."""

    content_type: str
    title: str
    payload: str


class Entry(TypedDict, total=False):
    """One message or event of a conversation (docs/protocol.md lists every field)."""

    id: str
    ts: float
    role: Role
    name: str
    text: str
    quick_replies: list[QuickReply]
    attachment: dict[str, Any]
    custom: dict[str, Any]
    event: EntryEvent
    channel: Channel
    # internal: agents only
    username: str
    agent: str
    to: str
    reason: str
    confidence: float | None
    trigger: str | None
    intent: str
    intent_confidence: float
    faq_id: str
    faq_confidence: float
    metadata: dict[str, Any]
    contact: dict[str, str]
    score: int
    comment: str  # the customer's words with a rating
    late: bool
    internal: bool
    summary: str  # what an email_sent / email_failed entry is about


def _entry(role: Role, **fields: Any) -> Entry:
    entry: dict[str, Any] = {"ts": round(time.time(), 3), "role": role}
    entry.update({key: value for key, value in fields.items() if value is not None})
    return entry  # type: ignore[return-value]


def customer_message(
    text: str, metadata: dict[str, Any] | None = None, channel: Channel | None = None
) -> Entry:
    """What the customer typed (or the payload of a quick reply they pressed); `channel`
    only for messages that did not come through the chat (an email reply)."""
    return _entry(Role.CUSTOMER, text=text, metadata=metadata or None, channel=channel)


def customer_attachment(attachment: dict[str, Any]) -> Entry:
    """A file the customer attached: `{"type": "image"|"file", "payload": {"src", "name",
    "size", "content_type"}}` (see handoff/stores/attachments.py)."""
    return _entry(Role.CUSTOMER, attachment=attachment)


def bot_message(
    text: str | None = None,
    quick_replies: list[QuickReply] | None = None,
    attachment: dict[str, Any] | None = None,
    custom: dict[str, Any] | None = None,
) -> Entry:
    """One part of a bot reply, in Rasa's socketio shapes."""
    return _entry(
        Role.BOT,
        text=text,
        quick_replies=quick_replies or None,
        attachment=attachment,
        custom=custom,
    )


def agent_message(text: str, username: str, name: str) -> Entry:
    """A person from the team writing to the customer."""
    return _entry(Role.AGENT, text=text, username=username, name=name)


def note(text: str, username: str, name: str) -> Entry:
    """An internal remark between agents; never reaches the customer."""
    return _entry(Role.NOTE, text=text, username=username, name=name)


def system_event(event: EntryEvent, text: str | None = None, **details: Any) -> Entry:
    """A state change of the conversation (handoff, claimed, resolved...) with its reason.

    `text` is what the customer reads; an event without text is for agents only.
    """
    return _entry(Role.SYSTEM, event=event, text=text, internal=None if text else True, **details)


def late(entry: Entry) -> Entry:
    """Mark a bot entry that arrived after a person took over: recorded, not shown as live."""
    return {**entry, "late": True}


def visible_to_customer(entry: Entry) -> bool:
    return not (entry.get("role") == Role.NOTE or entry.get("late") or entry.get("internal"))


def extended_view(entry: Entry) -> Entry | None:
    """The entry as our own widget sees it, or None when it is internal."""
    if not visible_to_customer(entry):
        return None
    view: dict[str, Any] = {key: entry[key] for key in _EXTENDED_KEYS if key in entry}  # type: ignore[literal-required]
    return view  # type: ignore[return-value]


def rasa_view(entry: Entry) -> dict[str, Any] | None:
    """The entry in stock Rasa's `bot_uttered` shape, or None when Rasa has no shape for it
    (internal entries, and the customer's own messages, which Rasa never echoes)."""
    if not visible_to_customer(entry) or entry.get("role") == Role.CUSTOMER:
        return None
    if "attachment" in entry:
        return {"attachment": entry["attachment"]}
    if "custom" in entry:
        return {"custom": entry["custom"]}
    if "text" not in entry:
        return None
    if entry.get("quick_replies"):
        return {"text": entry["text"], "quick_replies": entry["quick_replies"]}
    return {"text": entry["text"]}


def bot_uttered(entry: Entry, view: CustomerView) -> dict[str, Any] | None:
    """The live `bot_uttered` payload of an entry for a socket of `view`; None: send nothing."""
    if view is CustomerView.RASA:
        return rasa_view(entry)
    if entry.get("role") == Role.CUSTOMER:
        return None  # not echoed: the widget shows its own message, history carries its id
    extended = extended_view(entry)
    if extended is None:
        return None
    extended.pop("event", None)
    return dict(extended)
