"""Measure FAQ retrieval on a labelled query file, exactly as the bot would answer.

A query file is CSV with a `text,faq_id` header; an empty faq_id means no FAQ fits and the
right outcome is a hand-off to a person.
"""

from __future__ import annotations

import csv
import itertools
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from bot.faq.calibration import FaqTrainingData, Questions, shipped_generic
from bot.faq.catalog import Faq
from bot.faq.decision import Decision
from bot.faq.embedder import Encoder
from bot.faq.evidence import Answers
from bot.faq.index import FaqMatch
from bot.faq.retriever import TrainedRetriever
from bot.faq.settings import RetrievalSettings


@dataclass(frozen=True)
class LabelledQuery:
    text: str
    faq_id: str | None


@dataclass(frozen=True)
class Outcome:
    query: LabelledQuery
    matches: list[FaqMatch]
    decision: Decision
    seconds: float

    @property
    def correct(self) -> bool:
        return self.decision.faq_id == self.query.faq_id


def read_queries(path: str | Path, known_faq_ids: Iterable[str]) -> list[LabelledQuery]:
    """Read a `text,faq_id` CSV, refusing ids the FAQ file does not define."""
    known = set(known_faq_ids)
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"text", "faq_id"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: needs a 'text,faq_id' header")
        queries = []
        for line, row in enumerate(reader, start=2):
            faq_id = (row["faq_id"] or "").strip() or None
            if faq_id is not None and faq_id not in known:
                raise ValueError(f"{path}:{line}: unknown faq_id '{faq_id}'")
            queries.append(LabelledQuery(text=row["text"], faq_id=faq_id))
    return queries


def answer_queries(
    retriever: TrainedRetriever,
    encoder: Encoder,
    settings: RetrievalSettings,
    queries: Sequence[LabelledQuery],
) -> list[Outcome]:
    """Answer one query at a time, as live traffic arrives, timing each."""
    index, rule = retriever.index, retriever.rule(settings)
    encoder.encode(["warm up"])  # the first call pays one-off start-up costs
    outcomes = []
    for query in queries:
        started = time.perf_counter()
        matches = index.search([query.text], encoder.encode([query.text]), settings.top_k)[0]
        decision = rule.decide(matches)
        outcomes.append(Outcome(query, matches, decision, time.perf_counter() - started))
    return outcomes


def summarise(outcomes: Sequence[Outcome], settings: RetrievalSettings) -> dict[str, object]:
    """The figures `bot.faq eval` prints as its last line."""
    in_scope = [o for o in outcomes if o.query.faq_id is not None]
    out_of_scope = [o for o in outcomes if o.query.faq_id is None]
    handed_off = [o for o in outcomes if not o.decision.answerable]
    oos_handed_off = [o for o in out_of_scope if not o.decision.answerable]
    latencies_ms = np.array([o.seconds * 1000 for o in outcomes]) if outcomes else np.zeros(1)
    return {
        "queries": len(outcomes),
        "in_scope": len(in_scope),
        "out_of_scope": len(out_of_scope),
        "top1_accuracy": _ratio(sum(o.correct for o in in_scope), len(in_scope)),
        # the right answer, or a person when no FAQ fits: what a customer would call right
        "right_outcomes": _ratio(sum(o.correct for o in outcomes), len(outcomes)),
        "oos_recall": _ratio(len(oos_handed_off), len(out_of_scope)),
        "oos_precision": _ratio(len(oos_handed_off), len(handed_off)),
        **settings.thresholds(),
        "model": settings.model,
        "p50_ms": round(float(np.percentile(latencies_ms, 50)), 2),
        "p99_ms": round(float(np.percentile(latencies_ms, 99)), 2),
    }


TARGET_TOP1_ACCURACY = 0.90


def calibrate(
    outcomes: Sequence[Outcome], settings: RetrievalSettings
) -> tuple[RetrievalSettings, dict[str, object]]:
    """Pick fixed thresholds (instead of `auto`) that maximise accuracy + OOS recall on a dev file,
    among those whose accuracy reaches the product's target (any, if none does).

    Reuses the matches already found, so only the decision is replayed per setting.
    """
    grid = itertools.product(np.arange(0.0, 0.71, 0.02), np.arange(0.20, 0.81, 0.02))
    best: tuple[float, RetrievalSettings] | None = None
    for threshold, min_similarity in grid:
        candidate = replace(
            settings,
            threshold=round(float(threshold), 2),
            min_similarity=round(float(min_similarity), 2),
        )
        rule = candidate.fixed_rule()
        replayed = [replace(o, decision=rule.decide(o.matches)) for o in outcomes]
        figures = summarise(replayed, candidate)
        accuracy, recall = float(figures["top1_accuracy"]), float(figures["oos_recall"])  # type: ignore[arg-type]
        objective = accuracy + recall + (2.0 if accuracy >= TARGET_TOP1_ACCURACY else 0.0)
        if best is None or objective > best[0] + 1e-9:
            best = (objective, candidate)
    assert best is not None
    chosen = best[1]
    rule = chosen.fixed_rule()
    return chosen, summarise(
        [replace(o, decision=rule.decide(o.matches)) for o in outcomes], chosen
    )


def build_retriever(
    faqs: Sequence[Faq],
    encoder: Encoder,
    settings: RetrievalSettings,
    unanswerable: Sequence[str] = (),
) -> tuple[TrainedRetriever, float]:
    """Train as `rasa train` does (embed, index, calibrate); the seconds it took."""
    started = time.perf_counter()
    variants = [question for faq in faqs for question in faq.questions]
    vectors = encoder.encode(variants)
    data = FaqTrainingData(
        vectors,
        [faq.id for faq in faqs for _ in faq.questions],
        variants,
        Questions(list(unanswerable), encoder.encode(list(unanswerable))),
        Answers.encode({faq.id: faq.answer for faq in faqs}, encoder),
    )
    retriever = TrainedRetriever.train(data, shipped_generic(encoder, vectors), settings)
    return retriever, time.perf_counter() - started


def _ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0
