"""The REST input channel the gateway talks to, with messages embedded in batches first.

It is Rasa's own REST channel (same URL, `/webhooks/rest/webhook`, same replies); it only
awaits `bot.faq.batching.prefetch` before Rasa handles a message, so the sentence vector
of every concurrent message is computed in one batch on a worker thread instead of one by
one on the event loop (see that module for why this matters).
"""

from __future__ import annotations

import gc
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from sanic import Blueprint

from bot.faq import batching


class BatchedRestInput(RestInput):
    """credentials.yml: `bot.channels.BatchedRestInput:` in place of `rest:`."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def embed_then_handle(message: UserMessage) -> None:
            text = message.text
            if text and not text.startswith(INTENT_MESSAGE_PREFIX):
                await batching.prefetch(text)  # "/intent" messages skip the NLU graph
            await on_new_message(message)

        blueprint: Blueprint = super().blueprint(embed_then_handle)
        blueprint.listener("after_server_start")(_freeze_startup_objects)
        return blueprint


async def _freeze_startup_objects(*_: Any) -> None:
    """Keep what exists once the model is loaded out of Python's full garbage collections.

    TensorFlow, the model and Rasa leave about 540,000 objects that live as long as the
    worker; every full collection scanned them all, pausing the event loop for 0.4 s
    under load.
    """
    gc.freeze()
