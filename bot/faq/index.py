"""The FAQ index: FAISS over every question variant, plus a classifier over FAQ ids.

Vectors are L2-normalised, so FAISS inner product is cosine similarity. A query's matches
are ranked per FAQ by the classifier's probability; each match also carries the cosine
similarity of the FAQ's closest variant, which tells a paraphrase from an unrelated
question that merely resembles one FAQ more than the others; and what the FAQ's own text
says of the query (`bot.faq.evidence`: words it never uses, its answer's closest sentence).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import faiss
import numpy as np

from bot.faq.catalog import Faq
from bot.faq.classifier import NO_FAQ, FaqClassifier
from bot.faq.embedder import Encoder
from bot.faq.evidence import NO_ANSWERS, Answers, FaqEvidence, content_words

INDEX_FILE = "faq.faiss"
METADATA_FILE = "faq_meta.json"
DEFAULT_REGULARISATION = 30.0


@dataclass(frozen=True)
class FaqMatch:
    """One FAQ for a query: how likely it is meant, its closest question variant, and (for
    the best match, the one the decision weighs) how much of the query its text leaves
    unsaid."""

    faq_id: str
    confidence: float
    similarity: float
    question: str
    novelty: float | None = None  # share of the query's wording the FAQ never uses
    answer_similarity: float | None = None  # to the closest sentence of the FAQ's answer

    def as_dict(self) -> dict[str, object]:
        measured = {"novelty": self.novelty, "answer_similarity": self.answer_similarity}
        return {
            "id": self.faq_id,
            "confidence": round(self.confidence, 4),
            "similarity": round(self.similarity, 4),
            "question": self.question,
            **{key: round(value, 4) for key, value in measured.items() if value is not None},
        }


class FaqIndex:
    """Build once from FAQs, search many times, persist next to the Rasa model.

    index = FaqIndex.build(load_catalog("bot/data/faq.yml"), load_encoder())
    index.search(["where is my parcel"], encoder.encode(["where is my parcel"]), top_k=3)[0]
    """

    # Variants fetched per query to find each ranked FAQ's closest variant.
    FETCH = 256

    def __init__(
        self,
        index: faiss.Index,
        variant_faq_ids: list[str],
        variants: list[str],
        classifier: FaqClassifier,
        answers: Answers,
    ) -> None:
        self._index = index
        self._variant_faq_ids = variant_faq_ids
        self._variants = variants
        self._classifier = classifier
        self._evidence = FaqEvidence.build(variant_faq_ids, variants, answers)

    @classmethod
    def build(
        cls,
        faqs: Sequence[Faq],
        encoder: Encoder,
        regularisation: float = DEFAULT_REGULARISATION,
        unanswerable: Sequence[str] = (),
    ) -> FaqIndex:
        variants = [question for faq in faqs for question in faq.questions]
        faq_ids = [faq.id for faq in faqs for _ in faq.questions]
        unrelated = encoder.encode(list(unanswerable)) if unanswerable else None
        answers = Answers.encode({faq.id: faq.answer for faq in faqs}, encoder)
        return cls.from_vectors(
            encoder.encode(variants), faq_ids, variants, regularisation, unrelated, answers
        )

    @classmethod
    def from_vectors(
        cls,
        vectors: np.ndarray,
        faq_ids: list[str],
        variants: list[str],
        regularisation: float = DEFAULT_REGULARISATION,
        unanswerable: np.ndarray | None = None,
        answers: Answers = NO_ANSWERS,
        like: FaqIndex | None = None,
    ) -> FaqIndex:
        """Index precomputed, L2-normalised vectors (one per question variant).

        `unanswerable` vectors (questions no FAQ answers) only train the classifier's
        NO_FAQ class, which then draws probability away from FAQs they resemble. `answers`,
        the FAQs' answers, let each match say how much of a query the FAQ leaves unsaid.
        `like`, an index of nearly the same data, speeds up training its classifier.
        """
        if not len(vectors) or len(vectors) != len(faq_ids) or len(faq_ids) != len(variants):
            raise ValueError("one vector, FAQ id and text per question variant is needed")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        if unanswerable is not None and len(unanswerable):
            examples = np.vstack([vectors, unanswerable]).astype(np.float32)
            labels = list(faq_ids) + [NO_FAQ] * len(unanswerable)
        else:
            examples, labels = vectors, list(faq_ids)
        start = like._classifier if like is not None else None
        classifier = FaqClassifier.train(examples, labels, regularisation, start=start)
        return cls(index, list(faq_ids), list(variants), classifier, answers)

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    def search(self, texts: Sequence[str], vectors: np.ndarray, top_k: int) -> list[list[FaqMatch]]:
        """The top_k FAQs for each query (its text and its vector), most likely first."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        scores, rows = self._index.search(vectors, min(self.size, self.FETCH))
        probabilities = self._classifier.probabilities(vectors)
        return [
            self._explained(text, vector, self._matches(probability_row, score_row, id_row, top_k))
            for text, vector, probability_row, score_row, id_row in zip(
                texts, vectors, probabilities, scores, rows, strict=True
            )
        ]

    def _explained(self, text: str, vector: np.ndarray, matches: list[FaqMatch]) -> list[FaqMatch]:
        """The best match with what its FAQ's text says of the query (the rest as ranked)."""
        if not matches:
            return matches
        best = matches[0]
        explained = replace(
            best,
            novelty=self._evidence.novelty(content_words(text), best.faq_id),
            answer_similarity=self._evidence.answers.closeness(vector, best.faq_id),
        )
        return [explained, *matches[1:]]

    def _matches(
        self, probabilities: np.ndarray, scores: np.ndarray, rows: np.ndarray, top_k: int
    ) -> list[FaqMatch]:
        closest: dict[str, tuple[float, str]] = {}
        for score, row in zip(scores, rows, strict=True):
            if row >= 0:
                closest.setdefault(self._variant_faq_ids[row], (float(score), self._variants[row]))
        floor = (float(scores[-1]), "")  # an FAQ outside the fetched variants is no closer
        ids = self._classifier.faq_ids
        ranked = [i for i in np.argsort(-probabilities) if ids[i] != NO_FAQ][:top_k]
        return [
            FaqMatch(
                faq_id=self._classifier.faq_ids[i],
                confidence=float(probabilities[i]),
                similarity=closest.get(self._classifier.faq_ids[i], floor)[0],
                question=closest.get(self._classifier.faq_ids[i], floor)[1],
            )
            for i in ranked
        ]

    def persist(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(directory / INDEX_FILE))
        metadata = {"faq_ids": self._variant_faq_ids, "variants": self._variants}
        (directory / METADATA_FILE).write_text(json.dumps(metadata), encoding="utf-8")
        self._classifier.persist(directory)
        self._evidence.answers.persist(directory)

    @classmethod
    def load(cls, directory: Path) -> FaqIndex:
        index = faiss.read_index(str(directory / INDEX_FILE))
        metadata = json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))
        classifier = FaqClassifier.load(directory)
        answers = Answers.load(directory)
        return cls(index, metadata["faq_ids"], metadata["variants"], classifier, answers)
