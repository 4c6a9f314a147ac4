"""What training produces for FAQ retrieval: the index, its calibration, and the rule they give.

The Rasa component stores it in the model archive; `python -m bot.faq eval` builds it the
same way from the FAQ file it is given, so eval's figures are a fresh deployment's.

    generic = shipped_generic(encoder, vectors)
    retriever = TrainedRetriever.train(
        vectors, faq_ids, variants, unanswerable, generic, answers, settings
    )
    decision = retriever.rule(settings).decide(retriever.index.search([text], vector, 5)[0])
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from bot.faq.calibration import Calibration, Questions, calibrate
from bot.faq.decision import Rule
from bot.faq.evidence import Answers
from bot.faq.index import FaqIndex
from bot.faq.settings import RetrievalSettings


@dataclass(frozen=True)
class TrainedRetriever:
    """The FAQ index plus its calibration (the estimate and confusions trainers see)."""

    index: FaqIndex
    calibration: Calibration

    @classmethod
    def train(
        cls,
        vectors: np.ndarray,
        faq_ids: Sequence[str],
        variants: Sequence[str],
        unanswerable: Questions,
        generic: Questions,
        answers: Answers,
        settings: RetrievalSettings,
    ) -> TrainedRetriever:
        """Index the variants (the `unanswerable:` questions train "no FAQ fits", the
        answers (`Answers.encode`) tell what each FAQ says) and calibrate, the generic
        questions (`shipped_generic`) counting as out of scope."""
        index = FaqIndex.from_vectors(
            vectors,
            list(faq_ids),
            list(variants),
            settings.regularisation,
            unanswerable.vectors if len(unanswerable.texts) else None,
            answers,
        )
        calibration = calibrate(
            vectors, faq_ids, variants, unanswerable, generic, answers, settings, trained=index
        )
        return cls(index, calibration)

    def rule(self, settings: RetrievalSettings) -> Rule:
        """The calibrated rule, or the fixed one when config.yml sets numbers."""
        return self.calibration.rule() if settings.calibrated else settings.fixed_rule()

    def persist(self, directory: Path) -> None:
        self.index.persist(directory)
        self.calibration.persist(directory)

    @classmethod
    def load(cls, directory: Path) -> TrainedRetriever:
        return cls(FaqIndex.load(directory), Calibration.load(directory))
