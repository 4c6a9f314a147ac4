"""The FAQ answers agents use as canned answers: read from the bot's FAQ file(s), read
again whenever one changes (they follow what trainers edit, without a restart), and ranked
by meaning with the sentence embeddings the bot itself uses (bot/faq/embedder.py).

    files = FaqFiles(["bot/data/faq.yml"])
    files.refresh()                 # at start and on each sweep: reads only changed files
    answers = files.current         # the answers of the files' last good versions
    answers.listed[0]               # {"id": "place_order", "question": ..., "answer": ...}
    await answers.ranked("return")  # best first: return_policy, how_to_return, ...
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Callable, Iterable, TypedDict

import numpy as np

from bot.faq import FaqFileError, load_catalog
from bot.faq.catalog import Faq
from bot.faq.embedder import Encoder, load_encoder

log = logging.getLogger("handoff.gateway")

# What tells a file changed: its modification time and size (None: it is missing).
Stamp = tuple[int, int] | None


class FaqFiles:
    """The FAQ files, and the answers of their last good versions in `current`.

    A missing or broken file is logged and its last good FAQs kept (none, before it was
    ever read): a file saved half-way never empties the console's list, and the gateway
    starts anyway. The first file naming an id wins.
    """

    def __init__(self, paths: Iterable[str], encoder: Callable[[], Encoder] = load_encoder) -> None:
        self._paths = list(paths)
        self._encoder = encoder
        self._stamps: dict[str, Stamp] = {}
        self._by_file: dict[str, list[Faq]] = {path: [] for path in self._paths}
        self.current = FaqAnswers([], encoder)

    def refresh(self) -> bool:
        """Read the files that changed since the last call; True if the answers changed.
        Blocking (file reads): the gateway calls it on a thread."""
        changed = False
        for path in self._paths:
            stamp = _stamp(path)
            if path in self._stamps and stamp == self._stamps[path]:
                continue
            self._stamps[path] = stamp
            try:
                self._by_file[path] = load_catalog(path)
            except FaqFileError as error:
                log.warning("FAQ answers of %s not (re)loaded: %s", path, error)
                continue
            log.info("loaded %d FAQ answers from %s", len(self._by_file[path]), path)
            changed = True
        if changed:
            self.current = FaqAnswers(self._first_of_each_id(), self._encoder)
        return changed

    def _first_of_each_id(self) -> list[Faq]:
        seen: set[str] = set()
        faqs: list[Faq] = []
        for path in self._paths:
            faqs += [faq for faq in self._by_file[path] if faq.id not in seen]
            seen.update(faq.id for faq in self._by_file[path])
        return faqs


def _stamp(path: str) -> Stamp:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


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
