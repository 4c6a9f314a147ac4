"""Async client for Rasa's REST channel: one customer message in, the bot's messages out.

Whatever goes wrong (Rasa down, an error status, a reply slower than the timeout, a body
that is not a list, or no message at all) becomes BotUnavailable, so the caller has one
thing to handle: give the conversation to a person.

    rasa = RasaClient("http://127.0.0.1:5005", timeout_s=10, channel_secret="...")
    messages = await rasa.send("conversation-id", "where is my parcel?", {})

The channel secret (RASA_CHANNEL_SECRET) goes with every message as `X-Gateway-Secret`:
Rasa's channel (bot/channels.py) refuses messages without it, so no one but the gateway
reaches the bot.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from bot.signals import SECRET_HEADER


class BotUnavailable(Exception):
    """The bot could not answer; the message says why (for the log)."""


class RasaClient:
    def __init__(
        self, base_url: str, timeout_s: float, token: str = "", channel_secret: str = ""
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._token = token
        self._headers = {SECRET_HEADER: channel_secret} if channel_secret else {}
        self._session: aiohttp.ClientSession | None = None

    @property
    def webhook_url(self) -> str:
        return f"{self._base_url}/webhooks/rest/webhook"

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def send(
        self, sender: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        body = {"sender": sender, "message": text, "metadata": metadata or {}}
        try:
            post = self._client().post(self.webhook_url, json=body, headers=self._headers)
            async with post as response:
                if response.status != 200:
                    raise BotUnavailable(f"Rasa answered HTTP {response.status}")
                reply = await response.json(content_type=None)
        except asyncio.TimeoutError as exc:
            raise BotUnavailable("Rasa did not answer in time") from exc
        except (aiohttp.ClientError, ValueError, OSError) as exc:
            raise BotUnavailable(f"Rasa unreachable: {exc.__class__.__name__}: {exc}") from exc
        if not isinstance(reply, list):
            raise BotUnavailable("Rasa's reply is not a list of messages")
        messages = [message for message in reply if isinstance(message, dict)]
        if not messages:
            # Every turn of this bot says something or hands off; Rasa answers with nothing
            # when a custom action failed (the action server is down), and logs only that.
            raise BotUnavailable("Rasa answered nothing: a custom action failed")
        return messages

    async def healthy(self) -> bool:
        """Whether the Rasa server answers (with the token, its /status; else its root)."""
        url = f"{self._base_url}/status?token={self._token}" if self._token else self._base_url
        try:
            async with self._client().get(url, timeout=aiohttp.ClientTimeout(total=2)) as resp:
                return resp.status == 200
        except (asyncio.TimeoutError, aiohttp.ClientError, OSError):
            return False

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
