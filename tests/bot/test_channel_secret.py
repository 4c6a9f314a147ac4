"""Rasa's REST channel with RASA_CHANNEL_SECRET: a message that does not carry the secret
(anyone on the host calling the webhook directly, past the gateway's limits) never
reaches the bot; the gateway's client, which sends it, gets through."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot import channels
from devstack.processes import free_port
from handoff.bot_client import RasaClient

pytestmark = pytest.mark.asyncio


async def test_the_webhook_refuses_messages_without_the_gateways_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RASA_CHANNEL_SECRET", "only-the-gateway-knows")
    monkeypatch.setattr(channels.rasa_speedups, "apply", lambda: None)  # not this process
    channel = channels.BatchedRestInput.from_credentials(None)
    received: list[str | None] = []

    async def handle(message: UserMessage) -> None:
        received.append(message.text)
        await message.output_channel.send_text_message(message.sender_id, "Hello!")

    app = Sanic(f"channel_secret_{free_port()}")
    app.blueprint(channel.blueprint(handle), url_prefix=f"/webhooks/{channel.url_prefix()}")
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    url = f"http://127.0.0.1:{port}"
    body: dict[str, Any] = {"sender": "attacker", "message": "/faq/reset_password"}
    try:
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Gateway-Secret": "guess"}, {"X-Gateway-Secret": "é"}):
                async with http.post(
                    f"{url}/webhooks/rest/webhook", json=body, headers=headers
                ) as response:
                    assert response.status == 403, headers
        assert received == []
        gateway = RasaClient(url, timeout_s=5, channel_secret="only-the-gateway-knows")
        replies = await gateway.send("customer", "/greet")
        assert [reply.get("text") for reply in replies] == ["Hello!"]
        await gateway.close()
        assert received == ["/greet"]
    finally:
        server.close()
        await server.wait_closed()
