"""Customers cannot drive Rasa's intents by typing "/intent{...}": only the payloads of the
quick replies the bot just offered pass (pressing its buttons), or all with
CUSTOMER_COMMANDS=on."""

from __future__ import annotations

import pytest

from handoff.protocol import ErrorCode, InputError
from handoff.services import Services
from handoff.settings import Settings
from tests.support.fake_rasa import FakeRasa
from tests.unit.conftest import ServicesFactory
from tests.unit.test_services import _asked


async def test_typed_commands_are_refused_offered_buttons_pass(
    services: Services, fake_rasa: FakeRasa
) -> None:
    conversation_id = (await services.customers.open_session()).conversation_id
    for typed in ("/faq/reset_password", ' /request_human{"x": 1}', "/affirm"):
        with pytest.raises(InputError) as refused:
            await services.customers.message(conversation_id, typed)
        assert refused.value.code is ErrorCode.COMMAND_NOT_ALLOWED
    assert fake_rasa.received == []  # nothing reached the bot
    await _asked(services, conversation_id, "show me buttons")  # offers /affirm
    await _asked(services, conversation_id, "/affirm")
    assert fake_rasa.received[-1]["message"] == "/affirm"
    with pytest.raises(InputError):  # offered once: the next message is a new turn
        await services.customers.message(conversation_id, "/affirm")
    await _asked(services, conversation_id, "a path like a/b is fine in a sentence")


async def test_a_setting_allows_every_command(
    build_services: ServicesFactory, fake_rasa: FakeRasa
) -> None:
    services = build_services(customer_commands=True)
    conversation_id = (await services.customers.open_session()).conversation_id
    await _asked(services, conversation_id, "/faq/reset_password")
    assert fake_rasa.received[-1]["message"] == "/faq/reset_password"
    assert Settings.from_env({"CUSTOMER_COMMANDS": "on"}).customer_commands
    assert not Settings.from_env({"CUSTOMER_COMMANDS": "off"}).customer_commands
