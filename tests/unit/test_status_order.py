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
    """Runs `cut_in` once, just before the first `queued` status to `target` is sent: as
    if another process moved that conversation while this one was announcing the queue."""

    target: str = ""
    cut_in: Callable[[], Awaitable[Any]] | None = None

    async def to_customer(self, conversation_id: str, event: str, data: Any) -> None:
        if self.cut_in and (conversation_id, event, data.get("state")) == (
            self.target,
            "status",
            "queued",
        ):
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
