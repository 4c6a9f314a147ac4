"""The payloads besides entries: a customer's status, a conversation as agents see it, the
queue and the agents' roster. Each shape is declared here and built in one place.

    status: CustomerStatus = {"state": CustomerState.QUEUED, "position": 2, ...}
"""

from __future__ import annotations

from typing import TypedDict

from handoff.protocol.enums import AgentRole, CustomerState, Presence, State


class CustomerStatus(TypedDict, total=False):
    """The `status` event: who is in charge, and for a queued customer their place."""

    state: CustomerState
    agents_online: int
    position: int
    estimated_wait_s: int | None
    agent: str | None
    agent_connected: bool  # with_agent only: false while the holder has no live socket


class ConversationSummary(TypedDict):
    """A conversation as agents see it (claim, transcript, chats, assigned)."""

    conversation_id: str
    state: State
    agent: str | None
    agent_name: str | None
    reason: str | None
    confidence: float | None
    text: str | None  # what the customer wrote when it was handed off
    queued_at: float | None
    created_at: float | None
    last_message: str | None
    contact: dict[str, str] | None
    title: str | None  # the customer's first message: what the chat is about
    last_activity: float | None
    rating: int | None  # the customer's score after a person resolved it, 1..5
    rating_comment: str | None


class PageVisit(TypedDict, total=False):
    """Where the customer's browser was (`metadata.context` from the widget), validated."""

    page_url: str
    page_title: str
    referrer: str
    language: str
    time_zone: str
    utc_offset_min: int


class CustomerProfile(TypedDict):
    """Who the customer is, as far as the gateway knows (`GET .../customer`)."""

    conversation_id: str
    contact: dict[str, str] | None
    first_page: PageVisit | None  # the page the chat started on
    latest_page: PageVisit | None
    browser: str | None  # from the widget socket's User-Agent
    earlier: list[ConversationSummary]  # same browser or same email, newest first


class InboxResults(TypedDict):
    """One page of inbox search results (`GET /api/inbox`)."""

    total: int
    items: list[ConversationSummary]


class QueueItem(ConversationSummary):
    """A waiting conversation in the `queue` event, oldest (or re-queued) first."""

    wait_s: float | None


class AgentLogin(TypedDict):
    """What `POST /api/agents/login` answers: the token, who signed in, and the longest
    message the gateway takes (the console counts against it before sending)."""

    token: str
    name: str
    username: str
    role: str
    max_message_chars: int


class RosterRow(TypedDict):
    """One agent in the `agents` event."""

    username: str
    name: str
    status: Presence
    open_chats: int
    limit: int | None


class AccountRow(TypedDict):
    """An agent account as admins manage it (`/api/admin/agents`)."""

    username: str
    name: str
    role: AgentRole
    disabled: bool
    limit: int


class TaughtAnswer(TypedDict):
    """An agent's reply marked as a good answer to the customer's question, on the review
    list of what the bot could learn (`mark_good_answer`, GET /api/admin/taught)."""

    conversation_id: str
    reply_id: str  # the transcript entry id of the agent's reply
    question: str  # the customer's message(s) just before the reply
    answer: str
    agent: str  # username
    agent_name: str
    marked_at: float
