"""What an FAQ's own text says about a match, beyond its closest question variant.

A question next to an FAQ's topic that the FAQ does not answer ("can I pay with crypto"
beside the payment methods, "can I bring my fishing rods" beside sports equipment) looks
as much like that FAQ's questions as a paraphrase does. What gives it away is the FAQ's
text: the question's telling words appear nowhere in the FAQ (its questions or its
answer), and no sentence of the answer speaks to it. Both are measured for the best match and
weighed by the calibrated answer model (`bot.faq.calibration`), which learns per FAQ file
how much they tell.

    answers = Answers.encode({"payment_methods": "We accept cards and PayPal."}, encoder)
    evidence = FaqEvidence.build(faq_ids, variants, answers)
    evidence.novelty("can I pay with crypto", "payment_methods")   # 0.7: "crypto" is new
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from bot.faq.embedder import Encoder

ANSWERS_FILE = "faq_answers.npz"
_WORD = re.compile(r"\w+")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
_SUFFIXES = ("ing", "ed", "es", "s")
_SHORTEST_STEM = 3


def content_words(text: str) -> list[str]:
    """The words that carry meaning, crudely stemmed ("refunds" and "refund" are one).

    Numbers are left out: an order number or a date is no topic an FAQ could miss.
    """
    words = _WORD.findall(text.lower())
    return [
        _stem(word)
        for word in words
        if len(word) > 1 and not word.isdigit() and word not in ENGLISH_STOP_WORDS
    ]


def sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_BREAK.split(text) if part.strip()]


@dataclass(frozen=True)
class Answers:
    """Each FAQ's answer and the vectors of its sentences, encoded once per training."""

    texts: Mapping[str, str]
    sentence_vectors: Mapping[str, np.ndarray]

    @classmethod
    def encode(cls, texts: Mapping[str, str], encoder: Encoder) -> Answers:
        split = {faq_id: sentences(answer) for faq_id, answer in texts.items()}
        flat = [sentence for parts in split.values() for sentence in parts]
        vectors = encoder.encode(flat) if flat else np.zeros((0, encoder.dimension), np.float32)
        by_faq, start = {}, 0
        for faq_id, parts in split.items():
            by_faq[faq_id] = vectors[start : start + len(parts)]
            start += len(parts)
        return cls(dict(texts), by_faq)

    def closeness(self, vector: np.ndarray, faq_id: str) -> float:
        """Cosine similarity of a query to the FAQ's closest answer sentence (0: none)."""
        rows = self.sentence_vectors.get(faq_id)
        return float((rows @ vector).max()) if rows is not None and len(rows) else 0.0

    def persist(self, directory: Path) -> None:
        ids = list(self.texts)
        np.savez(
            directory / ANSWERS_FILE,
            ids=np.array(ids, dtype=str),
            texts=np.array([self.texts[i] for i in ids], dtype=str),
            **{f"vectors_{n}": self.sentence_vectors[i] for n, i in enumerate(ids)},
        )

    @classmethod
    def load(cls, directory: Path) -> Answers:
        with np.load(directory / ANSWERS_FILE) as stored:
            ids = [str(i) for i in stored["ids"]]
            texts = dict(zip(ids, (str(t) for t in stored["texts"]), strict=True))
            vectors = {i: stored[f"vectors_{n}"] for n, i in enumerate(ids)}
        return cls(texts, vectors)


NO_ANSWERS = Answers({}, {})


class FaqEvidence:
    """Per FAQ, the words it uses (questions and answer), how rare each is among the FAQs,
    and its answer's sentences: the two signals the answer model adds to the ranking."""

    def __init__(self, words: Mapping[str, frozenset[str]], answers: Answers) -> None:
        self._words = words
        self.answers = answers
        in_faqs = Counter(word for used in words.values() for word in used)
        self._rarity = {
            word: math.log((len(words) + 1) / (n + 1)) + 1 for word, n in in_faqs.items()
        }
        self._unseen = math.log(len(words) + 1) + 1  # a word no FAQ uses is the rarest

    @classmethod
    def build(
        cls, faq_ids: Sequence[str], variants: Sequence[str], answers: Answers
    ) -> FaqEvidence:
        words: dict[str, set[str]] = defaultdict(set)
        for faq_id, text in zip(faq_ids, variants, strict=True):
            words[faq_id].update(content_words(text))
        for faq_id in set(faq_ids):
            words[faq_id].update(content_words(answers.texts.get(faq_id, "")))
        return cls({faq_id: frozenset(used) for faq_id, used in words.items()}, answers)

    def novelty(self, words: Sequence[str], faq_id: str) -> float:
        """The share of the query's content (each word weighted by its rarity among the
        FAQs) that this FAQ never uses: 0 when it uses every word, 1 when none."""
        weights = [self._rarity.get(word, self._unseen) for word in words]
        if not weights:
            return 0.0
        used = self._words.get(faq_id, frozenset())
        unused = sum(w for word, w in zip(words, weights, strict=True) if word not in used)
        return unused / sum(weights)


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _SHORTEST_STEM:
            return word[: -len(suffix)]
    return word
