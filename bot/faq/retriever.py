"""What training produces for FAQ retrieval: the index, its calibration, and the rule they give.

The Rasa component stores it in the model archive; `python -m bot.faq eval` builds it the
same way from the FAQ file it is given, so eval's figures are a fresh deployment's.

    generic = shipped_generic(encoder, vectors)
    data = FaqTrainingData(vectors, faq_ids, variants, unanswerable, answers)
    retriever = TrainedRetriever.train(data, generic, settings)
    decision = retriever.rule(settings).decide(retriever.index.search([text], vector, 5)[0])
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.faq.calibration import Calibration, FaqTrainingData, Questions, calibrate
from bot.faq.decision import Rule
from bot.faq.index import FaqIndex
from bot.faq.settings import RetrievalSettings


@dataclass(frozen=True)
class TrainedRetriever:
    """The FAQ index plus its calibration (the estimate and confusions trainers see)."""

    index: FaqIndex
    calibration: Calibration

    @classmethod
    def train(
        cls, data: FaqTrainingData, generic: Questions, settings: RetrievalSettings
    ) -> TrainedRetriever:
        """Index the variants (the `unanswerable:` questions train "no FAQ fits", the
        answers tell what each FAQ says) and calibrate, the generic questions
        (`shipped_generic`) counting as out of scope."""
        everything = np.ones(len(data.faq_ids), dtype=bool)
        every_unanswerable = np.ones(len(data.unanswerable.texts), dtype=bool)
        index = data.index(everything, settings.regularisation, every_unanswerable)
        return cls(index, calibrate(data, generic, settings, trained=index))

    def rule(self, settings: RetrievalSettings) -> Rule:
        """The calibrated rule, or the fixed one when config.yml sets numbers."""
        return self.calibration.rule() if settings.calibrated else settings.fixed_rule()

    def persist(self, directory: Path) -> None:
        self.index.persist(directory)
        self.calibration.persist(directory)

    @classmethod
    def load(cls, directory: Path) -> TrainedRetriever:
        return cls(FaqIndex.load(directory), Calibration.load(directory))
