"""The embedding batcher: concurrent messages share encoder passes and nothing is mixed up.

A fake encoder stands in for the transformer here so batch sizes can be counted; the
real path is covered by test_assistant.py (the Rasa server uses this batcher).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Sequence

import numpy as np
import pytest

from bot.faq.batching import EmbeddingBatcher


class CountingEncoder:
    """A vector per text derived from the text; records each call's texts."""

    dimension = 4

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.fail = fail
        self.release = threading.Event()
        self.release.set()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.release.wait(timeout=5)
        self.calls.append(list(texts))
        if self.fail:
            raise RuntimeError("model broke")
        return np.array([vector_of(t) for t in texts], dtype=np.float32)


def vector_of(text: str) -> list[float]:
    return [len(text), sum(map(ord, text)) % 97, text.count(" "), 1.0]


def test_messages_arriving_during_a_batch_share_the_next_one() -> None:
    encoder = CountingEncoder()
    batcher = EmbeddingBatcher(encoder)
    texts = [f"question number {i}" for i in range(12)]

    async def scenario() -> None:
        encoder.release.clear()  # hold the first pass while the rest arrive
        first = asyncio.create_task(batcher.prefetch(texts[0]))
        await asyncio.sleep(0.05)
        rest = [asyncio.create_task(batcher.prefetch(t)) for t in texts[1:]]
        await asyncio.sleep(0.05)
        encoder.release.set()
        await asyncio.gather(first, *rest)

    asyncio.run(scenario())
    assert encoder.calls == [texts[:1], texts[1:]]
    vectors = batcher.vectors(texts)
    assert len(encoder.calls) == 2  # every vector came from the cache
    assert vectors.tolist() == [vector_of(t) for t in texts]


def test_vectors_encodes_only_what_was_not_prefetched() -> None:
    encoder = CountingEncoder()
    batcher = EmbeddingBatcher(encoder)
    asyncio.run(batcher.prefetch("where is my parcel"))
    vectors = batcher.vectors(["hello", "where is my parcel", "bye"])
    assert encoder.calls == [["where is my parcel"], ["hello", "bye"]]
    assert vectors.tolist() == [vector_of(t) for t in ["hello", "where is my parcel", "bye"]]


def test_a_failing_encoder_does_not_fail_the_prefetch_but_the_graph_sees_the_error() -> None:
    batcher = EmbeddingBatcher(CountingEncoder(fail=True))
    asyncio.run(batcher.prefetch("hello"))  # returns: the graph will encode and report
    with pytest.raises(RuntimeError, match="model broke"):
        batcher.vectors(["hello"])


def test_a_cancelled_request_does_not_cancel_the_batch_others_wait_for() -> None:
    encoder = CountingEncoder()
    batcher = EmbeddingBatcher(encoder)

    async def scenario() -> None:
        encoder.release.clear()
        impatient = asyncio.create_task(batcher.prefetch("same text"))
        patient = asyncio.create_task(batcher.prefetch("same text"))
        await asyncio.sleep(0.05)
        impatient.cancel()
        encoder.release.set()
        await patient

    asyncio.run(scenario())
    assert encoder.calls == [["same text"]]
    assert batcher.vectors(["same text"]).tolist() == [vector_of("same text")]


def test_the_cache_keeps_only_the_most_recent_vectors() -> None:
    encoder = CountingEncoder()
    batcher = EmbeddingBatcher(encoder, cache_size=2)
    batcher.vectors(["a", "b", "c"])
    batcher.vectors(["b", "c"])
    assert len(encoder.calls) == 1
    batcher.vectors(["a"])
    assert encoder.calls[-1] == ["a"]
