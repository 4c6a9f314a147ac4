"""When is an FAQ match good enough to answer, and when must a person take over?

One rule, used by the bot at parse time and by `python -m bot.faq eval`, so the figures
the evaluation prints are the behaviour customers get.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from bot.faq.index import FaqMatch


@dataclass(frozen=True)
class Decision:
    """The outcome for one query: the FAQ to answer with, or None to hand off."""

    faq_id: Optional[str]
    score: float
    margin: float

    @property
    def answerable(self) -> bool:
        return self.faq_id is not None


@dataclass(frozen=True)
class DecisionRule:
    """Answer when the best FAQ is close enough, or fairly close and clearly ahead.

    * `score >= margin_threshold`: answer.
    * `threshold <= score < margin_threshold`: answer only if the best FAQ leads the
      runner-up FAQ by at least `min_margin` (an ambiguous middle score goes to a person).
    * below `threshold`: hand off.
    """

    threshold: float
    margin_threshold: float
    min_margin: float

    def decide(self, matches: Sequence[FaqMatch]) -> Decision:
        if not matches:
            return Decision(faq_id=None, score=0.0, margin=0.0)
        best = matches[0]
        runner_up = matches[1].score if len(matches) > 1 else 0.0
        margin = best.score - runner_up
        confident = best.score >= self.margin_threshold or (
            best.score >= self.threshold and margin >= self.min_margin
        )
        return Decision(
            faq_id=best.faq_id if confident else None,
            score=best.score,
            margin=margin,
        )
