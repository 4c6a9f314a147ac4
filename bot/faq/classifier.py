"""Softmax regression over FAQ ids, trained on the question-variant embeddings.

Nearest-neighbour similarity alone confuses neighbouring FAQs ("refund status" vs "refund
time"); a linear classifier learns which directions of the embedding separate them. It is
trained with scikit-learn and applied with plain numpy, and persisted as arrays (no pickle).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

CLASSIFIER_FILE = "faq_classifier.npz"
# The class of questions no FAQ answers (trained on the `unanswerable:` examples).
NO_FAQ = "no_faq_fits"


class FaqClassifier:
    """P(FAQ | query vector) for every FAQ.

    classifier = FaqClassifier.train(vectors, faq_ids, regularisation=30.0)
    classifier.probabilities(encoder.encode(["where is my parcel"]))  # (1, n_faqs)
    """

    def __init__(self, faq_ids: Sequence[str], weights: np.ndarray, bias: np.ndarray) -> None:
        self.faq_ids = list(faq_ids)
        self._weights = weights.astype(np.float32)
        self._bias = bias.astype(np.float32)

    @classmethod
    def train(
        cls,
        vectors: np.ndarray,
        labels: Sequence[str],
        regularisation: float,
        balanced: bool = False,
        start: FaqClassifier | None = None,
    ) -> FaqClassifier:
        """`balanced` weighs every class alike, however many examples it has. `start`, a
        classifier of the same classes trained on similar data, is where the solver
        starts: cross-validation rounds then converge in a fraction of the time."""
        from sklearn.linear_model import LogisticRegression

        faq_ids = sorted(set(labels))
        if len(faq_ids) == 1:  # a single FAQ: always that one, the similarity decides
            return cls(faq_ids, np.zeros((1, vectors.shape[1])), np.zeros(1))
        warm = start is not None and start.faq_ids == faq_ids and len(faq_ids) > 2
        model = LogisticRegression(
            C=regularisation,
            max_iter=3000,
            class_weight="balanced" if balanced else None,
            warm_start=warm,
        )
        if warm and start is not None:
            model.coef_ = start._weights.astype(np.float64)
            model.intercept_ = start._bias.astype(np.float64)
        model.fit(vectors, list(labels))
        weights, bias = model.coef_, model.intercept_
        if len(faq_ids) == 2:  # scikit-learn keeps one row for two classes
            weights, bias = np.vstack([-weights, weights]) / 2, np.array([-bias[0], bias[0]]) / 2
        return cls([str(c) for c in model.classes_], weights, bias)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        logits = vectors @ self._weights.T + self._bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def persist(self, directory: Path) -> None:
        np.savez(
            directory / CLASSIFIER_FILE,
            weights=self._weights,
            bias=self._bias,
            faq_ids=np.array(self.faq_ids),
        )

    @classmethod
    def load(cls, directory: Path) -> FaqClassifier:
        with np.load(directory / CLASSIFIER_FILE, allow_pickle=False) as arrays:
            return cls([str(i) for i in arrays["faq_ids"]], arrays["weights"], arrays["bias"])
