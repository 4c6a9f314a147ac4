"""The REST input channel the gateway talks to, with messages embedded in batches first.

It is Rasa's own REST channel (same URL, `/webhooks/rest/webhook`, same replies); it only
awaits `bot.faq.batching.prefetch` before Rasa handles a message, so the sentence vector
of every concurrent message is computed in one batch on a worker thread instead of one by
one on the event loop (see that module for why this matters).

With RASA_CHANNEL_SECRET set (`make run` generates it), a message without that secret in
its `X-Gateway-Secret` header is refused (403): only the gateway, which applies every
limit and check to customers, may talk to the bot.

It is also where serving, and only serving, is set up: Rasa builds input channels only in
`rasa run` (never to train or validate), before it loads the model and before Sanic forks
its workers, which inherit the Rasa patches installed here (`bot.rasa_speedups`). Each
worker tunes itself once its model is loaded (`bot.process_tuning`), then follows the model
`make train` names (`bot.model_reload`).
"""

from __future__ import annotations

import hmac
import os
from typing import Any, Awaitable, Callable, Dict

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from sanic import Blueprint, response
from sanic.request import Request

from bot import model_reload, process_tuning, rasa_speedups
from bot.faq import batching
from bot.signals import SECRET_HEADER


class BatchedRestInput(RestInput):
    """credentials.yml: `bot.channels.BatchedRestInput:` in place of `rest:`."""

    secret = ""  # RASA_CHANNEL_SECRET, read when Rasa builds the channel

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        """Rasa builds its channels only to serve: the moment to patch Rasa (see above)."""
        rasa_speedups.apply()
        channel: InputChannel = super().from_credentials(credentials)
        if isinstance(channel, BatchedRestInput):
            channel.secret = os.environ.get("RASA_CHANNEL_SECRET", "")
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def embed_then_handle(message: UserMessage) -> None:
            text = message.text
            if text and not text.startswith(INTENT_MESSAGE_PREFIX):
                await batching.prefetch(text)  # "/intent" messages skip the NLU graph
            await on_new_message(message)

        blueprint: Blueprint = super().blueprint(embed_then_handle)
        blueprint.listener("after_server_start")(process_tuning.tune_worker)
        blueprint.listener("after_server_start")(model_reload.watch)
        if self.secret:
            blueprint.middleware("request")(self._require_secret)
        return blueprint

    async def _require_secret(self, request: Request) -> response.HTTPResponse | None:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if hmac.compare_digest(given, self.secret.encode()):
            return None
        return response.json({"error": "forbidden", "message": f"{SECRET_HEADER} required."}, 403)
