"""Handed-off questions grouped by meaning, with the sentence embeddings the bot uses.

Identical questions (case and spacing aside) are embedded once. The distinct questions,
most asked first, each join the most similar cluster when their cosine similarity to its
centre reaches `similarity`, or start one; then every question moves to its nearest
centre once. The order is fixed by the data, and a cluster's id is a hash of its most
central question, so the same data gives the same clusters and ids on every run.

    clusters, left_out = cluster_questions(tally.questions, load_encoder(), 0.6, 5000)
    clusters[0].id, clusters[0].size, clusters[0].examples
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from bot.faq.embedder import Encoder
from handoff.insights.tally import HandedOffQuestion

_MIN_SIZE = 2  # a question asked once is not yet a pattern


@dataclass(frozen=True)
class Cluster:
    """Questions of one meaning: `texts` distinct (most asked first), `questions` all,
    `central` the one nearest the cluster's centre (what it is about)."""

    id: str
    central: str
    texts: tuple[str, ...]
    questions: tuple[HandedOffQuestion, ...]

    @property
    def size(self) -> int:
        return len(self.questions)


def normalised(text: str) -> str:
    return " ".join(text.lower().split()).rstrip("?!. ")


def cluster_questions(
    questions: Sequence[HandedOffQuestion],
    encoder: Encoder,
    similarity: float,
    max_distinct: int,
) -> tuple[list[Cluster], int]:
    """Clusters of at least two questions, largest first, and how many questions are in
    none (asked once, or beyond the `max_distinct` most asked)."""
    by_text: dict[str, list[HandedOffQuestion]] = {}
    for question in questions:
        by_text.setdefault(normalised(question.text), []).append(question)
    keys = sorted(by_text, key=lambda key: (-len(by_text[key]), key))[:max_distinct]
    if not keys:
        return [], len(questions)
    vectors = encoder.encode([by_text[key][0].text for key in keys])
    weights = np.array([len(by_text[key]) for key in keys], dtype=np.float32)
    labels = _assign(vectors, weights, similarity)
    clusters = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if weights[members].sum() < _MIN_SIZE:
            continue
        centre = (vectors[members] * weights[members, None]).sum(axis=0)
        central = min(members, key=lambda row: (-float(vectors[row] @ centre), keys[row]))
        ordered = sorted(members, key=lambda row: (-weights[row], keys[row]))
        clusters.append(
            Cluster(
                id="q" + hashlib.sha1(keys[central].encode()).hexdigest()[:10],
                central=_spelling(by_text[keys[central]]),
                texts=tuple(_spelling(by_text[keys[row]]) for row in ordered),
                questions=tuple(q for row in ordered for q in by_text[keys[row]]),
            )
        )
    clusters.sort(key=lambda cluster: (-cluster.size, cluster.id))
    return clusters, len(questions) - sum(cluster.size for cluster in clusters)


def _assign(vectors: np.ndarray, weights: np.ndarray, similarity: float) -> np.ndarray:
    """A cluster label per row: leaders in row order, then each row to its nearest centre."""
    sums = np.zeros_like(vectors)
    centres = np.zeros_like(vectors)
    count = 0
    for row, vector in enumerate(vectors):
        if count:
            scores = centres[:count] @ vector
            best = int(np.argmax(scores))
            if scores[best] >= similarity:
                sums[best] += weights[row] * vector
                centres[best] = sums[best] / np.linalg.norm(sums[best])
                continue
        sums[count] = weights[row] * vector
        centres[count] = vector
        count += 1
    labels: np.ndarray = np.argmax(vectors @ centres[:count].T, axis=1)
    return labels


def _spelling(questions: list[HandedOffQuestion]) -> str:
    """The way customers wrote a question most often (first seen on a tie)."""
    counts = Counter(" ".join(q.text.split()) for q in questions)
    return counts.most_common(1)[0][0]
