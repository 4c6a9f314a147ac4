"""A scriptable stand-in for Rasa's REST webhook, for the service's unit tests.

Real-Rasa tests use the `rasa_stack` fixture; this one lets a test make the bot slow,
broken or give up on purpose, which a trained model cannot do on demand.

    async with FakeRasa() as rasa:
        rasa.delay = 2.0                 # slower than the gateway's bot timeout
        rasa.status = 500                # or an error
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

from aiohttp import web

from bot.signals import HandoffReason, answer_signal, handoff_signal
from devstack.processes import free_port

Reply = list[dict[str, Any]]


def default_replies(sender: str, text: str) -> Reply:
    """`human` asks for a person, `wifi` is out of the bot's depth, anything else echoes."""
    if "human" in text:
        return [
            {"recipient_id": sender, "text": "I'm bringing in a person."},
            {
                "recipient_id": sender,
                "custom": handoff_signal(HandoffReason.CUSTOMER_REQUEST, 0.98, text=text),
            },
        ]
    if "wifi" in text:
        return [
            {"recipient_id": sender, "text": "I'm bringing in a person."},
            {
                "recipient_id": sender,
                "custom": handoff_signal(HandoffReason.LOW_CONFIDENCE, 0.31, text=text),
            },
        ]
    if "buttons" in text:
        return [
            {
                "recipient_id": sender,
                "text": "First part\n\nSecond part",
                "buttons": [{"title": "Yes", "payload": "/affirm"}],
            },
            {"recipient_id": sender, "image": "https://example.com/a.png"},
        ]
    return [
        {"recipient_id": sender, "text": f"You said: {text}"},
        {"recipient_id": sender, "custom": answer_signal("echo", 0.91)},
    ]


class FakeRasa:
    def __init__(self, replies: Callable[[str, str], Reply] = default_replies) -> None:
        self.replies = replies
        self.delay = 0.0
        self.status = 200
        self.received: list[dict[str, Any]] = []
        self.port = free_port()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> FakeRasa:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self._webhook)
        app.router.add_get("/", self._root)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def _root(self, request: web.Request) -> web.Response:
        return web.Response(text="Hello from fake Rasa")

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status != 200:
            return web.Response(status=self.status, text="broken")
        return web.json_response(self.replies(body["sender"], body["message"]))
