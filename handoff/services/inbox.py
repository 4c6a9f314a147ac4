"""Past conversations for agents: the inbox's search and filters, and who a customer is
(contact, pages, browser, earlier conversations of the same browser or email).

    inbox = InboxService(core)
    page = await inbox.search({"q": "refund", "state": "resolved", "rating": "2"})
    profile = await inbox.profile("c1")   # profile["earlier"]: newest first
"""

from __future__ import annotations

from typing import Any, Mapping, cast

from bot.signals import HandoffReason
from handoff.protocol import ConversationSummary, CustomerState, ErrorCode, InputError
from handoff.protocol.shapes import CustomerProfile, InboxResults, PageVisit
from handoff.services.core import ConversationCore
from handoff.services.validation import valid_id
from handoff.stores.agents import valid_username
from handoff.stores.conversations import Conversation
from handoff.stores.inbox import InboxPage, InboxQuery, InboxTag

MAX_QUERY_CHARS = 200
MAX_PAGE = 50
MAX_OFFSET = 10_000
EARLIER_SHOWN = 10
_STATES = {state.value for state in CustomerState}
_REASONS = {reason.value for reason in HandoffReason}


class InboxService:
    """Searches the inbox index and reads what it found from the conversations."""

    def __init__(self, core: ConversationCore) -> None:
        self._core = core
        self._stores = core.stores

    async def search(self, params: Mapping[str, str]) -> InboxResults:
        """`q` (every word must occur), `state`, `agent`, `reason`, `rating`, `since` and
        `until` (the start, unix seconds), `offset` and `limit`; newest first."""
        page = await self._stores.inbox.search(inbox_query(params))
        return {"total": page.total, "items": await self._summaries(page)}

    async def profile(self, conversation_id: Any) -> CustomerProfile:
        conversation = await self._core.conversation(valid_id(conversation_id))
        return {
            "conversation_id": conversation.id,
            "contact": conversation.contact or None,
            "first_page": _visit(conversation.first_page),
            "latest_page": _visit(conversation.latest_page),
            "browser": conversation.browser or None,
            "earlier": await self._earlier(conversation),
        }

    async def _earlier(self, conversation: Conversation) -> list[ConversationSummary]:
        """The customer's other conversations: same browser, or same email."""
        tags = {InboxTag.VISITOR: conversation.visitor}
        email = conversation.contact.get("email", "").lower()
        if email:
            tags[InboxTag.EMAIL] = email
        found: dict[str, ConversationSummary] = {}
        for tag, value in tags.items():
            if not value:
                continue
            page = await self._stores.inbox.search(
                InboxQuery(tags={tag: value}, limit=EARLIER_SHOWN + 1)
            )
            for summary in await self._summaries(page):
                found.setdefault(summary["conversation_id"], summary)
        found.pop(conversation.id, None)
        newest_first = sorted(found.values(), key=lambda s: s["created_at"] or 0, reverse=True)
        return newest_first[:EARLIER_SHOWN]

    async def _summaries(self, page: InboxPage) -> list[ConversationSummary]:
        """The found conversations' summaries; one Redis expired meanwhile (idle retention)
        leaves the index here."""
        conversations = await self._stores.conversations.get_many(page.ids)
        for gone in set(page.ids) - {conversation.id for conversation in conversations}:
            await self._stores.inbox.remove(gone)
        return [conversation.summary() for conversation in conversations]


def inbox_query(params: Mapping[str, str]) -> InboxQuery:
    """The query an inbox request asks for; a clear refusal for any bad parameter."""
    text = params.get("q", "")
    if len(text) > MAX_QUERY_CHARS:
        raise _bad(f"q is at most {MAX_QUERY_CHARS} characters.")
    tags: dict[InboxTag, str] = {}
    state, reason = params.get("state", ""), params.get("reason", "")
    agent, rating = params.get("agent", ""), params.get("rating", "")
    if state:
        if state not in _STATES:
            raise _bad(f"state is one of {', '.join(sorted(_STATES))}.")
        tags[InboxTag.STATE] = state
    if reason:
        if reason not in _REASONS:
            raise _bad(f"reason is one of {', '.join(sorted(_REASONS))}.")
        tags[InboxTag.REASON] = reason
    if agent:
        if not valid_username(agent):
            raise _bad("agent is a username.")
        tags[InboxTag.AGENT] = agent
    if rating:
        if rating not in ("1", "2", "3", "4", "5"):
            raise _bad("rating is 1 to 5.")
        tags[InboxTag.RATING] = rating
    return InboxQuery(
        text=text,
        tags=tags,
        since=_number(params, "since", None),
        until=_number(params, "until", None),
        offset=int(_number(params, "offset", 0, MAX_OFFSET) or 0),
        limit=int(_number(params, "limit", 20, MAX_PAGE) or 20),
    )


def _number(
    params: Mapping[str, str], name: str, default: float | None, most: float | None = None
) -> float | None:
    raw = params.get(name, "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise _bad(f"{name} is a number.") from None
    if value != value or value < 0 or (most is not None and value > most):
        raise _bad(f"{name} is out of range.")
    return value


def _visit(page: dict[str, Any]) -> PageVisit | None:
    return cast(PageVisit, page) if page else None


def _bad(message: str) -> InputError:
    return InputError(ErrorCode.INVALID_PAYLOAD, message)
