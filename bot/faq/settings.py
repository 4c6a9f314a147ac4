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
AUTO = "auto"


@dataclass(frozen=True)
class RetrievalSettings:
    """Knobs of FAQ retrieval; defaults work offline on a laptop.

    `threshold: auto` calibrates the decision from the FAQ file at training time
    (`bot.faq.calibration`) and answers when the best FAQ is right with a probability of
    at least `answer_probability`. A number instead fixes the older rule by hand: answer
    when P(best FAQ) >= threshold and its closest question's similarity >= min_similarity.
    """

    model: str = DEFAULT_MODEL
    top_k: int = 5
    threshold: float | str = AUTO
    min_similarity: float = 0.2
    answer_probability: float = 0.2
    regularisation: float = 100.0

    def __post_init__(self) -> None:
        if self.threshold != AUTO and not isinstance(self.threshold, (int, float)):
            raise ValueError(f"threshold must be a number or '{AUTO}', not {self.threshold!r}")

    @property
    def calibrated(self) -> bool:
        """Whether the decision comes from the calibration rather than fixed thresholds."""
        return self.threshold == AUTO

    def fixed_rule(self) -> DecisionRule:
        """The hand-set rule (only meaningful when `threshold` is a number)."""
        assert not isinstance(self.threshold, str), "threshold: auto has no fixed rule"
        return DecisionRule(threshold=float(self.threshold), min_similarity=self.min_similarity)

    def thresholds(self) -> dict[str, float]:
        """The thresholds in force, as the parse result and eval's figures show them."""
        if isinstance(self.threshold, str):
            return {"threshold": self.answer_probability}
        return {"threshold": float(self.threshold), "min_similarity": self.min_similarity}

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
