"""The FAQ answers agents use as canned answers, read once from the bot's FAQ file(s) and
ranked by meaning with the sentence embeddings the bot itself uses (bot/faq/embedder.py).

    answers = FaqAnswers.load(["bot/data/faq.yml"])
    answers.listed[0]           # {"id": "place_order", "question": ..., "answer": ...}
    await answers.ranked("return")  # best first: return_policy, how_to_return, ...
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable, Iterable, TypedDict

import numpy as np

from bot.faq import FaqFileError, load_catalog
from bot.faq.catalog import Faq
from bot.faq.embedder import Encoder, load_encoder

log = logging.getLogger("handoff.gateway")


class FaqAnswer(TypedDict):
    id: str
    question: str  # the first question variant
    answer: str


class RankedAnswer(FaqAnswer):
    score: float  # cosine similarity to the query


class FaqAnswers:
    """Every FAQ once (the first file naming an id wins), in file order or by meaning.

    The encoder and the FAQ vectors are made on the first ranked query, in a thread, so a
    gateway that is never asked pays nothing; an FAQ scores as its closest question
    variant or its answer, whichever is nearer the query.
    """

    def __init__(self, faqs: list[Faq], encoder: Callable[[], Encoder] = load_encoder) -> None:
        self._faqs = faqs
        self._encoder_factory = encoder
        self._encoder: Encoder | None = None
        self._vectors: np.ndarray | None = None
        self._owner: np.ndarray | None = None  # row -> index of its FAQ
        self._ready = asyncio.Lock()
        self.listed: list[FaqAnswer] = [
            {"id": faq.id, "question": faq.questions[0], "answer": faq.answer.strip()}
            for faq in faqs
        ]

    @classmethod
    def load(cls, paths: Iterable[str]) -> FaqAnswers:
        """A missing or broken file is logged and skipped: the console then offers only
        its built-in phrases, and the gateway still starts."""
        faqs: list[Faq] = []
        seen: set[str] = set()
        for path in paths:
            try:
                catalog = load_catalog(path)
            except FaqFileError as error:
                log.warning("FAQ answers not loaded: %s", error)
                continue
            faqs += [faq for faq in catalog if faq.id not in seen]
            seen.update(faq.id for faq in catalog)
            log.info("loaded %d FAQ answers from %s", len(catalog), path)
        return cls(faqs)

    async def ranked(self, query: str) -> list[RankedAnswer]:
        """Every answer with its score, the closest in meaning to `query` first."""
        if not self._faqs:
            return []
        encoder, vectors, owner = await self._prepared()
        query_vector = (await asyncio.to_thread(encoder.encode, [query]))[0]
        row_scores = vectors @ query_vector
        best = np.full(len(self._faqs), -1.0, dtype=np.float32)
        np.maximum.at(best, owner, row_scores)
        order = np.argsort(-best, kind="stable")
        return [_with_score(self.listed[i], float(best[i])) for i in order]

    async def _prepared(self) -> tuple[Encoder, np.ndarray, np.ndarray]:
        async with self._ready:
            if self._encoder is None or self._vectors is None or self._owner is None:
                texts: list[str] = []
                owner: list[int] = []
                for index, faq in enumerate(self._faqs):
                    for text in (*faq.questions, faq.answer):
                        texts.append(text)
                        owner.append(index)
                encoder = await asyncio.to_thread(self._encoder_factory)
                self._vectors = await asyncio.to_thread(encoder.encode, texts)
                self._owner = np.asarray(owner)
                self._encoder = encoder
            return self._encoder, self._vectors, self._owner


def _with_score(answer: FaqAnswer, score: float) -> RankedAnswer:
    return {
        "id": answer["id"],
        "question": answer["question"],
        "answer": answer["answer"],
        "score": round(score, 4),
    }
