"""When is an FAQ match good enough to answer, and when must a person take over?

One rule, used by the bot at parse time and by `python -m bot.faq eval`, so the figures
the evaluation prints are the behaviour customers get.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

from bot.faq.index import FaqMatch


@dataclass(frozen=True)
class Decision:
    """The outcome for one query: the FAQ to answer with, or None to hand off."""

    faq_id: str | None
    confidence: float
    similarity: float

    @property
    def answerable(self) -> bool:
        return self.faq_id is not None


class Rule(Protocol):
    """Answer with the best of a query's matches, or hand off (faq_id None)."""

    def decide(self, matches: Sequence[FaqMatch]) -> Decision: ...


@dataclass(frozen=True)
class DecisionRule:
    """The hand-set rule (`threshold` a number in config.yml).

    Answer only when the classifier is sure enough AND the query resembles that FAQ.

    A probability alone cannot spot an unrelated question (the softmax always picks
    some FAQ); a similarity alone cannot separate neighbouring FAQs. Both must pass.
    """

    threshold: float
    min_similarity: float

    def decide(self, matches: Sequence[FaqMatch]) -> Decision:
        if not matches:
            return Decision(faq_id=None, confidence=0.0, similarity=0.0)
        best = matches[0]
        confident = best.confidence >= self.threshold and best.similarity >= self.min_similarity
        return Decision(
            faq_id=best.faq_id if confident else None,
            confidence=best.confidence,
            similarity=best.similarity,
        )
