"""Intent classifier in which every FAQ is a class of its own, next to the trainers' intents.

With the FAQs lumped into one `faq` class of some 900 examples, a new intent of ten examples
drowned: its confidences stayed under the fallback threshold. Here each response of a
retrieval intent (`faq/reset_password`, ...) is its own class, so a new intent competes with
classes of its own size, every class weighs the same in training (class-balanced), and the
reported confidence of `faq` is the sum over its FAQs: one softmax, so one fallback
threshold means the same at eight intents and at eighty.

    model = IntentModel.train(vectors, ["greet", "faq/reset_password", ...], regularisation)
    model.probabilities(vectors)  # (n, len(model.intents)), rows sum to 1
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Sequence

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.stored_model import StoredModelComponent
from bot.faq.classifier import FaqClassifier

logger = logging.getLogger(__name__)


def fine_label(message: Message) -> str:
    """`faq/reset_password` for a retrieval intent's example, else the intent name."""
    return str(message.get(INTENT_RESPONSE_KEY) or message.get(INTENT))


def intent_of(label: str) -> str:
    """`faq/reset_password` -> `faq`; `greet` -> `greet`."""
    return label.split("/", 1)[0]


class IntentModel:
    """Softmax over fine labels (each FAQ its own class), summed per intent."""

    def __init__(self, classifier: FaqClassifier) -> None:
        self._classifier = classifier
        self.labels = classifier.faq_ids
        self.intents = sorted({intent_of(label) for label in self.labels})
        self._membership = np.zeros((len(self.labels), len(self.intents)), dtype=np.float32)
        for row, label in enumerate(self.labels):
            self._membership[row, self.intents.index(intent_of(label))] = 1.0

    @classmethod
    def train(
        cls, vectors: np.ndarray, labels: Sequence[str], regularisation: float
    ) -> IntentModel:
        return cls(FaqClassifier.train(vectors, labels, regularisation, balanced=True))

    def label_probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """P(fine label | vector), columns in `self.labels` order."""
        return self._classifier.probabilities(vectors)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """P(intent | vector), columns in `self.intents` order."""
        return np.asarray(self.label_probabilities(vectors) @ self._membership)

    def persist(self, directory: Path) -> None:
        self._classifier.persist(directory)

    @classmethod
    def load(cls, directory: Path) -> IntentModel:
        return cls(FaqClassifier.load(directory))


def sentence_vector(message: Message) -> np.ndarray | None:
    """The sentence features a featurizer earlier in the pipeline added, if any."""
    _, sentence = message.get_dense_features(TEXT)
    return None if sentence is None else np.asarray(sentence.features[0], dtype=np.float32)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SharedLabelIntentClassifier(StoredModelComponent[IntentModel]):
    """Rasa intent classifier over dense sentence features (config: `regularisation`)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # Inverse L2 strength; sentence vectors are unit length, so it is large.
        return {"regularisation": 1000.0}

    UNTRAINED = "no intents will be set"

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: IntentModel | None = None,
    ) -> None:
        super().__init__(config, model_storage, resource, model)
        self._regularisation = float(config["regularisation"])

    @classmethod
    def load_model(cls, directory: Path) -> IntentModel:
        return IntentModel.load(directory)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [
            (vector, fine_label(m))
            for m in training_data.intent_examples
            if (vector := sentence_vector(m)) is not None
        ]
        if len({intent_of(label) for _, label in examples}) < 2:
            logger.warning("SharedLabelIntentClassifier: fewer than two intents; not trained")
            return self._resource
        vectors = np.vstack([vector for vector, _ in examples])
        return self._store(
            IntentModel.train(vectors, [label for _, label in examples], self._regularisation)
        )

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            return messages
        with_vectors = [(m, v) for m in messages if (v := sentence_vector(m)) is not None]
        if not with_vectors:
            return messages
        probabilities = self._model.probabilities(np.vstack([v for _, v in with_vectors]))
        for (message, _), row in zip(with_vectors, probabilities, strict=True):
            order = np.argsort(-row)[:LABEL_RANKING_LENGTH]
            ranking = [
                {INTENT_NAME_KEY: self._model.intents[i], PREDICTED_CONFIDENCE_KEY: float(row[i])}
                for i in order
            ]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
