"""A customer's last `status` is their conversation's true state, even when a status read
before a move reaches them after it, the gateway that made a move died before telling them,
or the answer to a claim was lost (all found by bench/soak.py: customers left reading
"waiting" while an agent held their chat)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import pytest_asyncio

from handoff.protocol import EntryEvent, State
from handoff.protocol.entries import system_event
from handoff.services import Services
from handoff.stores.conversations import QueueOp
from tests.unit.conftest import RecordingNotifier


@dataclass
class InterleavingNotifier(RecordingNotifier):
    """Runs `cut_in` once, just before a `queued` status to `target` is sent (the first one
    after `passed` have gone out): as if another process moved that conversation while this
    one was announcing the queue."""

    target: str = ""
    cut_in: Callable[[], Awaitable[Any]] | None = None
    passed: int = 0

    agents_cut_in: Callable[[], Awaitable[Any]] | None = None  # before the next `queue`

    async def to_agents(self, event: str, data: Any) -> None:
        if self.agents_cut_in and event == "queue":
            cut_in, self.agents_cut_in = self.agents_cut_in, None
            await cut_in()
        await super().to_agents(event, data)

    async def to_customer(self, conversation_id: str, event: str, data: Any) -> None:
        if self.cut_in and (conversation_id, event, data.get("state")) == (
            self.target,
            "status",
            "queued",
        ):
            if self.passed:
                self.passed -= 1
            else:
                cut_in, self.cut_in = self.cut_in, None
                await cut_in()
        await super().to_customer(conversation_id, event, data)


@pytest_asyncio.fixture
async def notifier() -> InterleavingNotifier:
    return InterleavingNotifier()


def _last_status(notifier: RecordingNotifier, cid: str) -> dict[str, Any]:
    statuses = [data for _, to, event, data in notifier.sent if to == cid and event == "status"]
    last: dict[str, Any] = statuses[-1]
    return last


async def _queued(services: Services) -> str:
    opened = await services.customers.open_session()
    await services.customers.request_human(opened.conversation_id)
    return opened.conversation_id


async def test_a_claim_during_a_queue_announcement_is_the_last_word(
    services: Services, notifier: InterleavingNotifier
) -> None:
    first = await _queued(services)
    notifier.target = first
    notifier.cut_in = lambda: services.agents.claim("ada", first)
    await _queued(services)  # its hand-off announces everyone's place, `first` included
    assert notifier.cut_in is None, "the claim did not cut in"
    assert _last_status(notifier, first)["state"] == "with_agent"
    assert _last_status(notifier, first)["agent"] == "Ada"


async def test_a_claim_just_after_talk_to_a_person_is_the_last_word(
    services: Services, notifier: InterleavingNotifier
) -> None:
    """The hand-off announces the queue; then "talk to a person" answers with the status it
    read, which a claim made stale in between (the soak's customer then waited for a claim
    that had happened)."""
    opened = await services.customers.open_session()
    cid = notifier.target = opened.conversation_id
    notifier.cut_in = lambda: services.agents.claim("ada", cid)
    notifier.passed = 1  # the hand-off's own announcement of the queue
    await services.customers.request_human(cid)
    assert notifier.cut_in is None, "the claim did not cut in"
    assert _last_status(notifier, cid)["state"] == "with_agent"


async def test_a_queue_view_read_before_a_hand_off_is_not_the_agents_last_word(
    services: Services, notifier: InterleavingNotifier
) -> None:
    """A hand-off while another announced the queue: the older view reached the agents
    after the newer one, and the console (and the soak's agents) showed the queue without
    the newcomer, who waited in vain for a claim."""
    newcomers: list[str] = []

    async def hand_off_meanwhile() -> None:
        newcomers.append(await _queued(services))

    notifier.agents_cut_in = hand_off_meanwhile
    first = await _queued(services)
    assert newcomers, "the hand-off did not cut in"
    last_view = notifier.to("agents", "queue")[-1]["items"]
    assert [item["conversation_id"] for item in last_view] == [first, *newcomers]


async def test_a_claim_whose_gateway_died_unannounced_is_told_when_the_agent_is_back(
    services: Services, notifier: InterleavingNotifier
) -> None:
    cid = await _queued(services)
    # What claim() records before it tells anyone; here nobody is told.
    claimed = await services.stores.conversations.transition(
        cid,
        allowed=[State.QUEUED],
        to=State.WITH_AGENT,
        entry=system_event(EntryEvent.CLAIMED, text="Ada joined the conversation."),
        queue=QueueOp.REMOVE,
        new_agent="ada",
        fields={"agent_name": "Ada"},
    )
    assert claimed.ok and _last_status(notifier, cid)["state"] == "queued"
    await services.agents.connected("ada", "sid-on-another-gateway")
    assert _last_status(notifier, cid)["state"] == "with_agent"
    assert _last_status(notifier, cid)["agent"] == "Ada"


async def test_a_transfer_whose_gateway_died_unannounced_is_shown_when_its_taker_is_back(
    services: Services, notifier: InterleavingNotifier
) -> None:
    """Bob's socket was on the gateway that recorded the transfer and died before telling
    anyone: back on another one, his console lists the chat and the customer reads Bob."""
    cid = await _transferred_unannounced(services, notifier)
    view = await services.agents.connected("bob", "sid-on-another-gateway")
    assert [chat["conversation_id"] for chat in view["chats"]["items"]] == [cid]
    assert _last_status(notifier, cid)["agent"] == "Bob"


async def test_a_transfer_sent_again_after_its_answer_was_lost_is_announced_again(
    services: Services, notifier: InterleavingNotifier
) -> None:
    """Ada's gateway died after recording her transfer to Bob (who stays connected
    elsewhere): her "Transfer" sent again tells Bob and the customer, instead of
    "You do not hold this conversation"."""
    await services.agents.connected("bob", "sid-bob")
    cid = await _transferred_unannounced(services, notifier)
    again = await services.agents.transfer("ada", cid, "bob")
    assert again["ok"] and _last_status(notifier, cid)["agent"] == "Bob"
    assigned = notifier.to("agent", "assigned")
    assert [(a["conversation_id"], a["from"]) for a in assigned] == [(cid, "ada")]


async def _transferred_unannounced(services: Services, notifier: InterleavingNotifier) -> str:
    """A chat Ada claimed and transferred to Bob, as transfer() records it before it tells
    anyone; here nobody is told."""
    cid = await _queued(services)
    await services.agents.claim("ada", cid)
    moved = await services.stores.conversations.transition(
        cid,
        allowed=[State.WITH_AGENT],
        to=State.WITH_AGENT,
        entry=system_event(
            EntryEvent.TRANSFERRED,
            text="Bob is taking over this conversation.",
            agent="ada",
            to="bob",
        ),
        expected_agent="ada",
        new_agent="bob",
        fields={"agent_name": "Bob"},
    )
    assert moved.ok and _last_status(notifier, cid)["agent"] == "Ada"
    return cid


async def test_a_claim_between_reading_and_sending_a_resumed_sessions_status_is_resent(
    services: Services,
) -> None:
    cid = await _queued(services)
    opened = await services.customers.open_session(services.customers.sessions.token_for(cid))
    assert opened.status["state"] == "queued"
    assert await services.customers.status_if_moved(cid, opened.status) is None
    await services.agents.claim("ada", cid)  # before the session's status went out
    moved = await services.customers.status_if_moved(cid, opened.status)
    assert moved is not None and (moved["state"], moved["agent"]) == ("with_agent", "Ada")


async def test_a_claim_sent_again_by_its_holder_succeeds_and_tells_the_customer_again(
    services: Services, notifier: InterleavingNotifier
) -> None:
    """Its first answer was lost (Redis restarting, a dropped socket); "taken by ada" would
    leave her waiting for a customer who was maybe never told."""
    cid = await _queued(services)
    await services.agents.claim("ada", cid)
    told = len(notifier.to("customer:extended", "status"))
    again = await services.agents.claim("ada", cid)
    assert again["ok"] and again["conversation"]["agent"] == "ada"
    assert len(notifier.to("customer:extended", "status")) == told + 1
    assert _last_status(notifier, cid)["state"] == "with_agent"
