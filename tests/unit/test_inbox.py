"""The agents' inbox: every conversation found by its words and filters, newest first, in
the index the gateway keeps in Redis; what leaves Redis leaves the index too."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from handoff.protocol import InputError
from handoff.protocol.entries import customer_message
from handoff.services import Services
from handoff.services.inbox import inbox_query
from handoff.stores.inbox import InboxIndex, InboxQuery, InboxTag, TagValue, words
from handoff.stores.keys import Keys
from tests.unit.conftest import RecordingNotifier

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)


def test_words_are_folded_distinct_and_of_useful_length() -> None:
    assert words("Où est mon COLIS? colis, x, Zürich") == ["ou", "est", "mon", "colis", "zurich"]
    assert words("a" * 41) == []


@pytest.fixture
def inbox(redis: Redis, prefix: str) -> InboxIndex:
    return InboxIndex(redis, Keys(prefix))


START = 1_800_000_000  # conversations here start one second apart from this time


async def _say(
    inbox: InboxIndex, conversation_id: str, text: str, second: int, **tags: str
) -> None:
    """A customer message of a conversation that started `second`s after START."""
    await inbox.index(
        conversation_id,
        entries=[customer_message(text)],
        tags={InboxTag(name): TagValue(value) for name, value in tags.items()},
        started_at=START + second,
    )


async def test_every_word_must_occur_and_the_newest_comes_first(inbox: InboxIndex) -> None:
    await _say(inbox, "old", "My parcel arrived damaged", 0)
    await _say(inbox, "mid", "Where is my parcel?", 1)
    await _say(inbox, "new", "The PARCEL box was damaged, can I return it?", 2)
    found = await inbox.search(InboxQuery(text="damaged parcel"))
    assert (found.total, found.ids) == (2, ["new", "old"])
    assert (await inbox.search(InboxQuery(text="parcel", limit=1, offset=1))).ids == ["mid"]
    assert (await inbox.search(InboxQuery(text="parcel"))).total == 3
    assert (await inbox.search(InboxQuery(text="refund"))).ids == []
    assert (await inbox.search(InboxQuery())).ids == ["new", "mid", "old"]  # no words: all


async def test_filters_and_dates_narrow_the_words(inbox: InboxIndex) -> None:
    await _say(inbox, "c1", "refund please", 0, state="resolved", agent="ada", rating="2")
    await _say(inbox, "c2", "refund status", 1, state="resolved", agent="bob", rating="5")
    await _say(inbox, "c3", "refund now", 2, state="queued")
    query = InboxQuery(text="refund", tags={InboxTag.STATE: "resolved", InboxTag.RATING: "2"})
    assert (await inbox.search(query)).ids == ["c1"]
    assert (await inbox.search(InboxQuery(tags={InboxTag.AGENT: "bob"}))).ids == ["c2"]
    between = InboxQuery(text="refund", since=START + 1, until=START + 1.5)
    assert (await inbox.search(between)).ids == ["c2"]


async def test_a_tag_moves_unless_the_first_value_is_kept(inbox: InboxIndex) -> None:
    await _say(inbox, "c1", "hello", 0, state="queued", reason="low_confidence")
    await inbox.index(
        "c1",
        tags={
            InboxTag.STATE: TagValue("with_agent"),
            InboxTag.REASON: TagValue("agent_transfer", first=True),
        },
    )
    assert (await inbox.search(InboxQuery(tags={InboxTag.STATE: "queued"}))).ids == []
    assert (await inbox.search(InboxQuery(tags={InboxTag.STATE: "with_agent"}))).ids == ["c1"]
    kept = InboxQuery(tags={InboxTag.REASON: "low_confidence"})
    assert (await inbox.search(kept)).ids == ["c1"]


async def test_removed_and_expired_conversations_leave_no_trace(
    inbox: InboxIndex, redis: Redis, prefix: str
) -> None:
    await _say(inbox, "c1", "erase me please", 0, state="closed", email="a@example.com")
    await _say(inbox, "c2", "keep me please", 1, state="closed")
    assert await inbox.remove("c1")
    assert not await inbox.remove("c1")
    assert (await inbox.search(InboxQuery(text="please"))).ids == ["c2"]
    await inbox.expire("c2", after_s=60)
    assert await inbox.sweep() == 0
    assert await inbox.sweep(now=10**12) == 1
    assert [key async for key in redis.scan_iter(f"{prefix}inbox:*")] == []


def test_bad_inbox_parameters_are_refused_clearly() -> None:
    assert inbox_query({"q": "parcel", "state": "resolved", "limit": "5"}).limit == 5
    for params in ({"state": "happy"}, {"rating": "6"}, {"since": "yesterday"}, {"limit": "500"}):
        with pytest.raises(InputError):
            inbox_query(params)


async def _held_by_ada(services: Services, text: str, metadata: object = None) -> str:
    """A conversation whose customer wrote `text`, asked for a person and got ada."""
    opened = await services.customers.open_session(metadata=metadata)
    conversation_id = opened.conversation_id
    await services.customers.message(conversation_id, text)
    await services.bot.idle()
    await services.customers.request_human(conversation_id)
    await services.agents.claim("ada", conversation_id)
    return conversation_id


async def _resolved_and_rated(services: Services, text: str) -> str:
    conversation_id = await _held_by_ada(services, text)
    await services.agents.message("ada", conversation_id, "Sorry to hear that, refund started.")
    await services.agents.resolve("ada", conversation_id)
    await services.customers.rating(conversation_id, 2, "Took too long")
    return conversation_id


async def test_the_inbox_finds_a_rated_chat_by_words_agent_reason_and_rating(
    services: Services, notifier: RecordingNotifier
) -> None:
    conversation_id = await _resolved_and_rated(services, "My kettle arrived broken")
    params = {
        "q": "kettle refund",  # the customer's and the agent's words
        "state": "resolved",
        "agent": "ada",
        "reason": "customer_request",
        "rating": "2",
    }
    found = await services.inbox.search(params)
    assert found["total"] == 1
    [item] = found["items"]
    assert item["conversation_id"] == conversation_id
    assert (item["title"], item["rating"], item["rating_comment"]) == (
        "My kettle arrived broken",
        2,
        "Took too long",
    )
    assert (await services.inbox.search({"q": "too long"}))["total"] == 1  # the comment
    [rated] = notifier.to("agent", "rated")
    assert (rated["conversation_id"], rated["entry"]["comment"]) == (
        conversation_id,
        "Took too long",
    )


async def test_the_customer_profile_has_pages_browser_and_earlier_chats(
    services: Services,
) -> None:
    first = await _held_by_ada(services, "Is the blue kettle in stock?")
    await services.agents.close("ada", first)
    token = services.customers.sessions.token_for(first)
    page = {"page_url": "https://shop.example/kettles", "page_title": "Kettles", "language": "de"}
    opened = await services.customers.open_session(
        token, metadata={"context": page}, user_agent=CHROME
    )
    assert opened.conversation_id != first
    later = {"page_url": "https://shop.example/basket", "utc_offset_min": 60}
    await services.customers.message(
        opened.conversation_id, "Hello again", {"context": {**later, "page_url": "javascript:x"}}
    )
    await services.customers.message(opened.conversation_id, "Still there?", {"context": later})
    profile = await services.inbox.profile(opened.conversation_id)
    assert profile["first_page"] == page
    assert profile["latest_page"] == later
    assert profile["browser"] == "Chrome 131 on Linux"
    assert [summary["conversation_id"] for summary in profile["earlier"]] == [first]
    assert profile["earlier"][0]["title"] == "Is the blue kettle in stock?"


async def test_the_same_browser_is_recognised_after_a_closed_chat_until_erased(
    services: Services,
) -> None:
    """The widget opens a new chat without a token after a closed one; its visitor id
    still links the two. An erased conversation is no longer listed."""
    browser = {"context": {"visitor_id": "kettle-fan-0123456789"}}
    first = await _held_by_ada(services, "Is the blue kettle in stock?", browser)
    await services.agents.close("ada", first)
    second = await services.customers.open_session(None, metadata=browser)
    await services.customers.message(second.conversation_id, "Hello again")
    stranger = await services.customers.open_session(
        None, metadata={"context": {"visitor_id": "someone-else-012345"}}
    )
    await services.customers.message(stranger.conversation_id, "Hi")
    profile = await services.inbox.profile(second.conversation_id)
    assert [summary["conversation_id"] for summary in profile["earlier"]] == [first]
    assert (await services.inbox.profile(stranger.conversation_id))["earlier"] == []
    await services.stores.records.erase(first)
    assert (await services.inbox.profile(second.conversation_id))["earlier"] == []


async def test_earlier_chats_of_the_same_email_are_found_too(services: Services) -> None:
    chats = []
    for text in ("First question", "Second question"):
        opened = await services.customers.open_session()
        await services.customers.message(opened.conversation_id, text)
        await services.customers.contact_details(
            opened.conversation_id, {"email": "Kim@Example.com", "name": "Kim"}
        )
        chats.append(opened.conversation_id)
    profile = await services.inbox.profile(chats[1])
    assert profile["contact"] == {"email": "Kim@Example.com", "name": "Kim"}
    assert [summary["conversation_id"] for summary in profile["earlier"]] == [chats[0]]


async def test_a_chat_the_customer_ended_is_rated_to_its_agent_and_resolved_in_the_inbox(
    services: Services, notifier: RecordingNotifier
) -> None:
    conversation_id = await _held_by_ada(services, "Is my blender covered?")
    await services.customers.end_chat(conversation_id)
    await services.customers.rating(conversation_id, 5, "Sorted in a minute")
    [rated] = notifier.to("agent", "rated")
    assert rated["entry"]["comment"] == "Sorted in a minute"
    found = await services.inbox.search({"state": "resolved", "rating": "5", "q": "blender"})
    assert [item["conversation_id"] for item in found["items"]] == [conversation_id]
