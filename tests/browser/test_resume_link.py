"""An email's resume link reopens the same conversation in the widget, in Chromium."""

from __future__ import annotations

import subprocess
from typing import Iterator

import pytest

from devstack.clients import Customer
from devstack.gateways import TEST_SECRET, GatewayProcess
from devstack.processes import free_port
from devstack.servers import RedisServer
from handoff.mail.tokens import MailTokens, Purpose
from tests.browser.conftest import HERE, OUTPUT, browser_tools
from tests.support.fake_rasa import FakeRasa


@pytest.fixture
def mail_gateway(redis_server: RedisServer, fake_rasa: FakeRasa) -> Iterator[GatewayProcess]:
    """A gateway that can email customers (so it honours resume links); nothing is sent."""
    gateway = GatewayProcess(
        redis_server,
        "resume-link:",
        fake_rasa.url,
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        mail_from="help@shop.test",
        mail_reply_domain="shop.test",
    )
    yield gateway
    gateway.stop()


async def test_a_resume_link_reopens_the_conversation_in_the_widget(
    mail_gateway: GatewayProcess,
) -> None:
    node = browser_tools()
    customer = await Customer.connect(mail_gateway.url)
    await customer.start_session()
    await customer.say("my parcel is late")
    await customer.bot_message()
    await customer.disconnect()
    token = MailTokens(TEST_SECRET, ttl_s=3600).issue(customer.conversation_id, Purpose.RESUME)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [node, str(HERE / "resume.mjs"), f"{mail_gateway.url}/?resume={token}",
         "You said: my parcel is late", str(OUTPUT)],
        cwd=HERE, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
