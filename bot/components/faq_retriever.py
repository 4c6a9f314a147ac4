"""FAQ retrieval as a Rasa NLU component: FAISS index trained, persisted and loaded by Rasa.

At `rasa train` it embeds every question variant of the `faq` retrieval intent (which
`bot.importer.FaqImporter` builds from faq.yml), stores a FAISS index in the model
archive, and calibrates its answer-or-hand-off decision from the same data
(`bot.faq.calibration`). At parse time it adds `faq` to the parse result:

    {"ranking": [{"id": "reset_password", "confidence": 0.83, "similarity": 0.91,
                  "question": "...", "novelty": 0.0, "answer_similarity": 0.55},
                 {"id": "login_problems", ...}, ...],
     "answer_id": "reset_password" | None, "confidence": 0.93, "similarity": 0.91,
     "threshold": 0.3}

`confidence` is what the decision weighs against `threshold`: with `threshold: auto` the
calibrated probability that the best FAQ is the right answer; with a number, the best
FAQ's classifier probability (and `min_similarity` is added).

and routes a confidently answerable message to the `faq` intent, so that an unsure
intent classifier does not hide an FAQ the index knows well.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
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

from bot.components.sentence_featurizer import embedding_for
from bot.components.stored_model import StoredModelComponent
from bot.faq.calibration import FaqTrainingData, Questions, shipped_generic
from bot.faq.classifier import NO_FAQ
from bot.faq.decision import Decision
from bot.faq.embedder import load_encoder
from bot.faq.evidence import Answers
from bot.faq.index import FaqMatch
from bot.faq.retriever import TrainedRetriever
from bot.faq.settings import RetrievalSettings

logger = logging.getLogger(__name__)

FAQ_INTENT = "faq"
FAQ_OUTPUT = "faq"
# Intents whose messages may be answered from the FAQ when the index is confident.
ROUTABLE_INTENTS = {FAQ_INTENT, DEFAULT_NLU_FALLBACK_INTENT_NAME, "out_of_scope"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqRetriever(StoredModelComponent[TrainedRetriever]):
    """Adds ranked FAQ matches to parsed messages (config: see `RetrievalSettings`)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return RetrievalSettings().as_dict()

    @staticmethod
    def required_packages() -> List[str]:
        return ["sentence_transformers"]

    UNTRAINED = "FAQs will not be answered"

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: TrainedRetriever | None = None,
    ) -> None:
        super().__init__(config, model_storage, resource, model)
        self._settings = RetrievalSettings.from_mapping(config)

    @classmethod
    def load_model(cls, directory: Path) -> TrainedRetriever:
        """The persisted index and calibration; the FAQs are never embedded again here."""
        return TrainedRetriever.load(directory)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [
            example
            for example in training_data.intent_examples
            if example.get(INTENT) == FAQ_INTENT and example.get(INTENT_RESPONSE_KEY)
        ]
        if not examples:
            logger.warning("FaqRetriever: no FAQ questions in the training data")
            return self._resource
        unanswerable = [example for example in examples if _faq_id(example) == NO_FAQ]
        examples = [example for example in examples if _faq_id(example) != NO_FAQ]
        faq_ids = [_faq_id(example) for example in examples]
        texts = [example.get(TEXT) for example in examples]
        vectors = self._vectors(examples)
        encoder = load_encoder(self._settings.model)
        answers = {faq_id: _answer(training_data, faq_id) for faq_id in dict.fromkeys(faq_ids)}
        data = FaqTrainingData(
            vectors,
            faq_ids,
            texts,
            Questions(
                [example.get(TEXT) for example in unanswerable],
                self._vectors(unanswerable) if unanswerable else vectors[:0],
            ),
            Answers.encode(answers, encoder),
        )
        retriever = TrainedRetriever.train(data, shipped_generic(encoder, vectors), self._settings)
        logger.info("FaqRetriever: indexed %d questions of %d FAQs", len(texts), len(set(faq_ids)))
        return self._store(retriever)

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            return messages
        candidates = [m for m in messages if m.get(TEXT) is not None]
        if not candidates:
            return messages
        rankings = self._model.index.search(
            [m.get(TEXT) for m in candidates], self._vectors(candidates), self._settings.top_k
        )
        rule = self._model.rule(self._settings)
        for message, matches in zip(candidates, rankings, strict=True):
            decision = rule.decide(matches)
            message.set(FAQ_OUTPUT, self._output(matches, decision), add_to_output=True)
            if decision.answerable:
                _route_to_faq(message, decision.confidence)
        return messages

    def _vectors(self, messages: List[Message]) -> np.ndarray:
        """Reuse the featurizer's vectors; embed only what it did not cover."""
        model = self._settings.model
        known = [embedding_for(m, model) for m in messages]
        missing = [i for i, vector in enumerate(known) if vector is None]
        if missing:
            fresh = load_encoder(model).encode([messages[i].get(TEXT) for i in missing])
            for i, vector in zip(missing, fresh, strict=True):
                known[i] = vector
        return np.vstack(known).astype(np.float32)  # type: ignore[arg-type]

    def _output(self, matches: List[FaqMatch], decision: Decision) -> Dict[str, Any]:
        return {
            "ranking": [match.as_dict() for match in matches],
            "answer_id": decision.faq_id,
            "confidence": round(decision.confidence, 4),
            "similarity": round(decision.similarity, 4),
            **self._settings.thresholds(),
        }


def faq_response(faq_id: str) -> str:
    """The name of an FAQ's answer among Rasa's responses: `utter_faq/<id>`."""
    return f"utter_{FAQ_INTENT}/{faq_id}"


def _faq_id(example: Message) -> str:
    """`faq/reset_password` -> `reset_password`."""
    return str(example.get(INTENT_RESPONSE_KEY)).split("/", 1)[1]


def _answer(training_data: TrainingData, faq_id: str) -> str:
    """The FAQ's answer text (`utter_faq/<id>`, which `bot.importer` adds to the data)."""
    variations = training_data.responses.get(faq_response(faq_id)) or [{}]
    return str(variations[0].get("text") or "")


def _route_to_faq(message: Message, confidence: float) -> None:
    intent = message.get(INTENT) or {}
    if intent.get(INTENT_NAME_KEY) not in ROUTABLE_INTENTS:
        return
    if intent.get(INTENT_NAME_KEY) != FAQ_INTENT:
        routed = {INTENT_NAME_KEY: FAQ_INTENT, PREDICTED_CONFIDENCE_KEY: confidence}
        ranking = [
            r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != FAQ_INTENT
        ]
        message.set(INTENT, routed, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [routed, *ranking], add_to_output=True)
