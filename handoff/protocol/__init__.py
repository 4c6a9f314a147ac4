"""The gateway's wire protocol in one typed place: named values, entries and their two
customer views, the other payload shapes, and the refusal type. docs/protocol.md is the
prose version of this package."""

from handoff.protocol.entries import Entry, QuickReply, bot_uttered, extended_view, rasa_view
from handoff.protocol.enums import (
    AgentRole,
    Channel,
    CustomerState,
    CustomerView,
    EntryEvent,
    ErrorCode,
    HandoffReason,
    Presence,
    Role,
    State,
)
from handoff.protocol.errors import InputError, Unavailable
from handoff.protocol.shapes import (
    ConversationSummary,
    CustomerStatus,
    QueueItem,
    RosterRow,
    TaughtAnswer,
)

__all__ = [
    "AgentRole",
    "Channel",
    "ConversationSummary",
    "CustomerState",
    "CustomerStatus",
    "CustomerView",
    "Entry",
    "EntryEvent",
    "ErrorCode",
    "HandoffReason",
    "InputError",
    "Presence",
    "QueueItem",
    "QuickReply",
    "Role",
    "RosterRow",
    "State",
    "TaughtAnswer",
    "Unavailable",
    "bot_uttered",
    "extended_view",
    "rasa_view",
]
