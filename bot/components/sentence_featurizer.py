"""Dense sentence features from a sentence-transformers model, for a light intent classifier.

Each message is embedded once; the same vector is kept on the message (`EMBEDDING`) so the
FAQ retriever later in the pipeline searches with it instead of embedding the text again.
At run time the vector is usually waiting already: our REST channel embeds concurrent
messages in batches before the graph runs (`bot.faq.batching`).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.code_fingerprint import code_fingerprint
from bot.faq import batching
from bot.faq.embedder import DEFAULT_MODEL, load_encoder

# Message attribute holding {"model": name, "vector": np.ndarray} for later components.
EMBEDDING = "sentence_embedding"


def embedding_for(message: Message, model: str) -> np.ndarray | None:
    """The vector this pipeline already computed for a message with `model`, if any."""
    stored = message.get(EMBEDDING)
    if isinstance(stored, dict) and stored.get("model") == model:
        vector: np.ndarray = stored["vector"]
        return vector
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one sentence vector per message (config: `model`, a name or local path)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "model": DEFAULT_MODEL}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        batching.serve(config["model"])  # loads it now, not on the first customer's message
        return cls(execution_context.node_name, config)

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> str:
        """Our code is part of the cache key: changed code featurizes anew."""
        return code_fingerprint()

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        if not isinstance(config.get("model"), str) or not config["model"]:
            raise ValueError("SentenceEmbeddingFeaturizer needs a 'model' name or path")

    @staticmethod
    def required_packages() -> List[str]:
        return ["onnxruntime", "sentence_transformers"]

    def process(self, messages: List[Message]) -> List[Message]:
        with_text = [m for m in messages if m.get(TEXT) is not None]
        self._featurize(with_text, batching.batcher_for(self._config["model"]).vectors)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        examples = [m for m in training_data.training_examples if m.get(TEXT)]
        self._featurize(examples, load_encoder(self._config["model"]).encode)
        return training_data

    def _featurize(self, messages: List[Message], embed: Callable[[List[str]], np.ndarray]) -> None:
        if not messages:
            return
        model = self._config["model"]
        vectors = embed([m.get(TEXT) for m in messages])
        for message, vector in zip(messages, vectors, strict=True):
            message.set(EMBEDDING, {"model": model, "vector": vector})
            self.add_features_to_message(
                sequence=None, sentence=vector.reshape(1, -1), attribute=TEXT, message=message
            )
