"""Every customer event is throttled: a customer (or a script) can neither flood the
transcript, the agents' queue view, nor the store with conversations."""

from __future__ import annotations

import pytest

from handoff.protocol import ErrorCode, InputError
from handoff.services import Services
from tests.unit.conftest import RecordingNotifier


async def _refused(code: ErrorCode, call: object) -> None:
    with pytest.raises(InputError) as refused:
        await call  # type: ignore[misc]
    assert refused.value.code is code, refused.value.message


async def test_a_rating_is_taken_once_after_each_resolve(services: Services) -> None:
    cid = (await services.customers.open_session()).conversation_id
    await _refused(ErrorCode.WRONG_STATE, services.customers.rating(cid, 5))
    await services.customers.request_human(cid)
    await services.agents.claim("ada", cid)
    await _refused(ErrorCode.WRONG_STATE, services.customers.rating(cid, 5))
    await services.agents.resolve("ada", cid)
    await services.customers.rating(cid, 4)
    await _refused(ErrorCode.WRONG_STATE, services.customers.rating(cid, 5))
    # A second hand-off, resolved again: one more rating.
    await services.customers.request_human(cid)
    await services.agents.claim("ada", cid)
    await services.agents.resolve("ada", cid)
    await services.customers.rating(cid, 5)
    ratings = [
        e["score"]
        for e in await services.stores.transcripts.read(cid)
        if e.get("event") == "rating"
    ]
    assert ratings == [4, 5]


async def test_requests_typing_and_sessions_are_rate_limited(
    services: Services, notifier: RecordingNotifier
) -> None:
    customers = services.customers
    limit = services.core.settings.customer_requests_per_minute
    cid = (await customers.open_session()).conversation_id
    for _ in range(limit):
        await customers.contact_details(cid, {"email": "kim@example.com"})
    await _refused(ErrorCode.RATE_LIMITED, customers.contact_details(cid, {"email": "k@x.io"}))
    queue_views = len(notifier.to("agents", "queue"))
    for _ in range(limit):
        await customers.request_human(cid)
    await _refused(ErrorCode.RATE_LIMITED, customers.request_human(cid))
    assert len(notifier.to("agents", "queue")) == queue_views + 1  # queued once
    for _ in range(services.core.settings.customer_typing_per_minute):
        await customers.typing(cid, True)
    await _refused(ErrorCode.RATE_LIMITED, customers.typing(cid, False))
    # Another conversation is not held back by this one's flood.
    other = (await customers.open_session()).conversation_id
    await customers.typing(other, True)

    for _ in range(services.core.settings.sessions_per_socket_per_minute):
        await customers.open_session(socket="sid-1")
    await _refused(ErrorCode.RATE_LIMITED, customers.open_session(socket="sid-1"))


async def test_new_conversations_and_uploads_are_capped_per_address(
    services: Services,
) -> None:
    customers = services.customers
    for _ in range(services.core.settings.conversations_per_address_per_hour):
        await customers.open_session(address="203.0.113.9")
    await _refused(ErrorCode.RATE_LIMITED, customers.open_session(address="203.0.113.9"))
    opened = await customers.open_session(address="198.51.100.1")
    # Resuming is not a new conversation: it is never capped.
    await customers.open_session(opened.token, address="203.0.113.9")

    # Uploads count per address, across its conversations (each under its message limit).
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    second = (await customers.open_session(address="198.51.100.1")).conversation_id
    for upload in range(services.core.settings.uploads_per_address_per_hour):
        cid = (opened.conversation_id, second)[upload % 2]
        await customers.attachment(cid, png, "a.png", "198.51.100.1")
    await _refused(
        ErrorCode.RATE_LIMITED, customers.attachment(second, png, "a.png", "198.51.100.1")
    )
    await customers.attachment(second, png, "a.png", "192.0.2.7")
