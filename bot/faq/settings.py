"""Retrieval settings shared by the Rasa component and the evaluation CLI.

Both read the same `bot.components.FaqRetriever` entry of config.yml, so a threshold
measured with `python -m bot.faq eval` is exactly the one the bot applies.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from bot.faq.decision import DecisionRule
from bot.faq.embedder import DEFAULT_MODEL

COMPONENT_NAME = "bot.components.FaqRetriever"


@dataclass(frozen=True)
class RetrievalSettings:
    """Knobs of FAQ retrieval; defaults work offline on a laptop."""

    model: str = DEFAULT_MODEL
    top_k: int = 5
    threshold: float = 0.2
    min_similarity: float = 0.2
    regularisation: float = 30.0

    def rule(self) -> DecisionRule:
        return DecisionRule(threshold=self.threshold, min_similarity=self.min_similarity)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> RetrievalSettings:
        known = {field.name for field in fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})

    @classmethod
    def from_rasa_config(cls, config_path: str | Path = "config.yml") -> RetrievalSettings:
        """The settings of the FaqRetriever entry in a Rasa config file."""
        config = yaml.safe_load(Path(config_path).read_text(encoding="utf-8")) or {}
        for component in config.get("pipeline") or []:
            if component.get("name") == COMPONENT_NAME:
                return cls.from_mapping(component)
        raise ValueError(f"{config_path}: no '{COMPONENT_NAME}' in the pipeline")
