"""A FAISS inner-product index over every question variant of every FAQ.

Vectors are L2-normalised, so inner product is cosine similarity. A query's matches are
ranked per FAQ (its best-matching variant), not per variant, so five variants of one FAQ
never crowd out the runner-up FAQ.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import faiss
import numpy as np

from bot.faq.catalog import Faq
from bot.faq.embedder import Encoder

INDEX_FILE = "faq.faiss"
METADATA_FILE = "faq_meta.json"


@dataclass(frozen=True)
class FaqMatch:
    """One FAQ that matched a query, with the variant that matched best."""

    faq_id: str
    score: float
    question: str

    def as_dict(self) -> dict[str, object]:
        return {"id": self.faq_id, "score": round(self.score, 4), "question": self.question}


class FaqIndex:
    """Build once from FAQs, search many times, persist next to the Rasa model.

        index = FaqIndex.build(load_catalog("bot/data/faq.yml"), load_encoder())
        index.search_vectors(encoder.encode(["where is my parcel"]), top_k=3)[0]
    """

    # How many variants to fetch per wanted FAQ, so that per-FAQ ranking stays exact
    # enough when one FAQ has many near-identical variants.
    OVERFETCH = 8

    def __init__(self, index: faiss.Index, variant_faq_ids: list[str], variants: list[str]):
        self._index = index
        self._variant_faq_ids = variant_faq_ids
        self._variants = variants

    @classmethod
    def build(cls, faqs: Sequence[Faq], encoder: Encoder) -> "FaqIndex":
        variants = [question for faq in faqs for question in faq.questions]
        faq_ids = [faq.id for faq in faqs for _ in faq.questions]
        return cls.from_vectors(encoder.encode(variants), faq_ids, variants)

    @classmethod
    def from_vectors(
        cls, vectors: np.ndarray, faq_ids: list[str], variants: list[str]
    ) -> "FaqIndex":
        """Index precomputed, L2-normalised vectors (one per question variant)."""
        if len(vectors) != len(faq_ids) or len(faq_ids) != len(variants):
            raise ValueError("one vector, FAQ id and text per question variant is needed")
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index, list(faq_ids), list(variants))

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def faq_ids(self) -> list[str]:
        return list(dict.fromkeys(self._variant_faq_ids))

    def search_vectors(self, queries: np.ndarray, top_k: int) -> list[list[FaqMatch]]:
        """The top_k FAQs for each query vector, best first."""
        if self.size == 0:
            return [[] for _ in range(len(queries))]
        fetch = min(self.size, top_k * self.OVERFETCH)
        scores, rows = self._index.search(np.ascontiguousarray(queries, dtype=np.float32), fetch)
        return [self._rank_per_faq(score_row, id_row, top_k) for score_row, id_row in zip(scores, rows)]

    def _rank_per_faq(self, scores: np.ndarray, rows: np.ndarray, top_k: int) -> list[FaqMatch]:
        matches: dict[str, FaqMatch] = {}
        for score, row in zip(scores, rows):
            if row < 0:
                continue
            faq_id = self._variant_faq_ids[row]
            if faq_id not in matches:
                matches[faq_id] = FaqMatch(faq_id, float(score), self._variants[row])
                if len(matches) == top_k:
                    break
        return list(matches.values())

    def persist(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(directory / INDEX_FILE))
        metadata = {"faq_ids": self._variant_faq_ids, "variants": self._variants}
        (directory / METADATA_FILE).write_text(json.dumps(metadata), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> "FaqIndex":
        index = faiss.read_index(str(directory / INDEX_FILE))
        metadata = json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))
        return cls(index, metadata["faq_ids"], metadata["variants"])
