"""Every named value that crosses the wire or Redis, as an enum: compare, never spell.

They are `str` enums, so they serialise as their value (JSON, Redis, Lua arguments) and a
value read back from Redis converts with `State(raw)`; an unknown value fails loudly there
instead of silently matching nothing.

    if conversation.state is State.QUEUED: ...
    raise InputError(ErrorCode.RATE_LIMITED, "Too many messages; please wait a moment.")
"""

from __future__ import annotations

from enum import Enum

from bot.signals import HandoffReason


class WireEnum(str, Enum):
    """A str enum that prints as its value (`f"{State.BOT}"` and `str()` give "bot")."""

    def __str__(self) -> str:
        return str(self.value)


class Role(WireEnum):
    """Who wrote a transcript entry."""

    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"
    NOTE = "note"  # an agent's internal remark: never shown to the customer


class State(WireEnum):
    """Who is in charge of a conversation: bot -> queued -> with_agent -> bot; or closed."""

    BOT = "bot"
    QUEUED = "queued"
    WITH_AGENT = "with_agent"
    CLOSED = "closed"


class CustomerState(WireEnum):
    """What a customer's `status` event announces: the states plus a one-off `resolved`."""

    BOT = State.BOT.value
    QUEUED = State.QUEUED.value
    WITH_AGENT = State.WITH_AGENT.value
    CLOSED = State.CLOSED.value
    RESOLVED = "resolved"


class EntryEvent(WireEnum):
    """What a system entry records."""

    HANDOFF = "handoff"
    NO_AGENTS = "no_agents"
    CLAIMED = "claimed"
    TRANSFERRED = "transferred"
    REQUEUED = "requeued"
    AGENT_AWAY = "agent_away"  # the holder's last socket went; they have the grace period
    AGENT_BACK = "agent_back"
    RESOLVED = "resolved"
    ENDED = "ended"  # the customer left the queue ("End chat" while waiting)
    CLOSED = "closed"
    CONTACT = "contact"
    RATING = "rating"
    EMAIL_SENT = "email_sent"  # agents only: the customer was emailed (docs/email.md)
    EMAIL_FAILED = "email_failed"  # agents only: the mail server refused it for good


class Channel(WireEnum):
    """How a customer message reached the gateway (entries without `channel`: chat)."""

    CHAT = "chat"
    EMAIL = "email"


class Presence(WireEnum):
    """An agent's status in the roster; agents choose the first two."""

    AVAILABLE = "available"
    AWAY = "away"
    OFFLINE = "offline"


class AgentRole(WireEnum):
    """What an agent account may do: admins also manage accounts."""

    AGENT = "agent"
    ADMIN = "admin"


class CustomerView(WireEnum):
    """How a customer socket gets entries: stock Rasa shapes, or ours with ids and roles."""

    RASA = "rasa"
    EXTENDED = "extended"


class ErrorCode(WireEnum):
    """Why a request was refused (`error` events, `{"ok": false}` acks, HTTP bodies)."""

    INVALID_PAYLOAD = "invalid_payload"
    INVALID_MESSAGE = "invalid_message"
    EMPTY_MESSAGE = "empty_message"
    MESSAGE_TOO_LONG = "message_too_long"
    INVALID_METADATA = "invalid_metadata"
    INVALID_SESSION = "invalid_session"
    CONVERSATION_CLOSED = "conversation_closed"
    RATE_LIMITED = "rate_limited"
    INVALID_CONTACT = "invalid_contact"
    INVALID_SCORE = "invalid_score"
    EMAIL_UNAVAILABLE = "email_unavailable"
    UNKNOWN_EVENT = "unknown_event"
    # the server's limits on slow or oversized requests
    REQUEST_TIMEOUT = "request_timeout"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    TOO_MANY_CONNECTIONS = "too_many_connections"
    UNAVAILABLE = "unavailable"
    INTERNAL_ERROR = "internal_error"
    # agents
    UNAUTHORIZED = "unauthorized"
    INVALID_CREDENTIALS = "invalid_credentials"
    INVALID_STATUS = "invalid_status"
    NOT_FOUND = "not_found"
    TAKEN = "taken"
    LIMIT_REACHED = "limit_reached"
    WRONG_STATE = "wrong_state"
    NOT_YOUR_CHAT = "not_your_chat"
    INVALID_TRANSFER = "invalid_transfer"
    UNKNOWN_AGENT = "unknown_agent"
    AGENT_OFFLINE = "agent_offline"
    # account administration
    AGENT_EXISTS = "agent_exists"
    # customers typing Rasa commands ("/intent{...}")
    COMMAND_NOT_ALLOWED = "command_not_allowed"
    # attachments
    FORBIDDEN = "forbidden"
    EMPTY_FILE = "empty_file"
    UNSUPPORTED_TYPE = "unsupported_type"
    INVALID_UPLOAD = "invalid_upload"
    FILE_TOO_LARGE = "file_too_large"


__all__ = [
    "AgentRole",
    "Channel",
    "CustomerState",
    "CustomerView",
    "EntryEvent",
    "ErrorCode",
    "HandoffReason",
    "Presence",
    "Role",
    "State",
    "WireEnum",
]
