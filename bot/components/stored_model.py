"""What our trainable graph components share: one trained object, kept in the component's
model-storage resource, so Rasa caches and versions it with the model archive.

    class MyComponent(StoredModelComponent[MyModel]):
        @classmethod
        def load_model(cls, directory: Path) -> MyModel: ...
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, Generic, Protocol, TypeVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from bot.code_fingerprint import code_fingerprint

logger = logging.getLogger(__name__)


class Persistable(Protocol):
    def persist(self, directory: Path) -> None: ...


Model = TypeVar("Model", bound=Persistable)
Component = TypeVar("Component", bound="StoredModelComponent[Any]")


class StoredModelComponent(GraphComponent, Generic[Model]):
    """Rasa's create/load/persist for a component whose trained state is one `Model`."""

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> str:
        """Our code is part of the cache key: changed code trains anew (code_fingerprint)."""
        return code_fingerprint()

    UNTRAINED = "it does nothing"  # what a model without one means, for the log

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Model | None = None,
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls: type[Component],
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Component:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls: type[Component],
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> Component:
        """The persisted model, never trained again here; none if training stored none."""
        try:
            with model_storage.read_from(resource) as directory:
                model = cls.load_model(directory)
        except ValueError:
            logger.warning("%s: nothing trained in the model; %s", cls.__name__, cls.UNTRAINED)
            model = None
        return cls(config, model_storage, resource, model)

    @classmethod
    def load_model(cls, directory: Path) -> Model:
        raise NotImplementedError

    def _store(self, model: Model) -> Resource:
        """Keep a freshly trained model, in memory and in the model archive."""
        self._model = model
        with self._model_storage.write_to(self._resource) as directory:
            model.persist(directory)
        return self._resource
