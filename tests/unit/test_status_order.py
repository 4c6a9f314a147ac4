"""A customer's last `status` is their conversation's true state, even when statuses read
before a move reach them after it, or the gateway that made a move died before telling
them (both found by bench/soak.py: customers left reading "waiting" while an agent held
their chat)."""

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
