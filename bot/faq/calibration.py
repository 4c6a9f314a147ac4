"""The answer-or-hand-off decision, calibrated from the FAQ file alone at training time.

A company that writes its own faq.yml has no labelled customer questions to tune a
threshold on, so the trainer's own data stands in for them: each FAQ's question variants
are held out a fifth at a time and asked of an index built from the rest, next to held-out
`unanswerable:` questions and a generic out-of-scope set that ships with the project
(`generic_out_of_scope.txt`: other businesses, chit-chat). A small logistic model learns,
from how each of those matched (the best FAQ's probability, its lead over the runner-up,
the similarity of its closest variant and that similarity's lead, the share of the
question's wording the FAQ never uses, the closeness of its answer's nearest sentence), how
likely the best FAQ is the right answer. The bot answers when that probability reaches
`answer_probability`; the same held-out questions give the figures a trainer sees after
training (expected accuracy, hand-offs) and the FAQ pairs the model confuses.

    generic = shipped_generic(encoder, vectors)
    data = FaqTrainingData(vectors, faq_ids, variants, unanswerable, answers)
    calibration = calibrate(data, generic, settings)
    calibration.rule().decide(index.search(query_texts, query_vectors, top_k=5)[0])
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from bot.faq.decision import Decision, Rule
from bot.faq.embedder import Encoder
from bot.faq.evidence import Answers
from bot.faq.index import FaqIndex, FaqMatch
from bot.faq.settings import RetrievalSettings

CALIBRATION_FILE = "faq_calibration.json"
GENERIC_OUT_OF_SCOPE_FILE = Path(__file__).with_name("generic_out_of_scope.txt")
FOLDS = 5
# Held-out variants that make a trustworthy estimate: a large FAQ file needs fewer folds.
ENOUGH_HELD_OUT = 1500
# A generic question this close to an FAQ question may be one the FAQ answers (a bank's
# FAQ and a generic banking question): it does not count as out of scope.
GENERIC_OVERLAP_SIMILARITY = 0.6
CONFUSIONS_KEPT = 20
IN_SCOPE = "faqs"
MISSING_FAQ = "missing_faq"
# Fewer FAQs than this: none is left out of a fold (the rest would say little).
MIN_FAQS_TO_LEAVE_OUT = 10
_FLOOR = 1e-6


def generic_out_of_scope() -> list[str]:
    """The shipped generic out-of-scope questions (comments and blank lines skipped)."""
    lines = GENERIC_OUT_OF_SCOPE_FILE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def shipped_generic(encoder: Encoder, variants: np.ndarray) -> Questions:
    """The shipped generic questions, minus those close to one of the FAQ file's questions."""
    texts = generic_out_of_scope()
    vectors = encoder.encode(texts)
    kept = unrelated_to_faqs(vectors, variants)
    return Questions([t for t, keep in zip(texts, kept, strict=True) if keep], vectors[kept])


def unrelated_to_faqs(generic: np.ndarray, variants: np.ndarray) -> np.ndarray:
    """Which rows of `generic` are no close paraphrase of any FAQ question (a mask)."""
    if not len(generic):
        return np.zeros(0, dtype=bool)
    closest = (generic @ variants.T).max(axis=1)
    return np.asarray(closest < GENERIC_OVERLAP_SIMILARITY)


def match_features(matches: Sequence[FaqMatch]) -> np.ndarray:
    """What the answer model sees of a query's ranking: how sure, how far ahead, how close,
    and how much of the query the best FAQ's text leaves unsaid."""
    best = matches[0]
    runner_up = matches[1] if len(matches) > 1 else None
    p1 = min(max(best.confidence, _FLOOR), 1 - _FLOOR)
    p2 = max(runner_up.confidence, _FLOOR) if runner_up else _FLOOR
    sim2 = runner_up.similarity if runner_up else 0.0
    return np.array(
        [
            math.log(p1 / (1 - p1)),
            math.log(p1 / p2),
            best.similarity,
            best.similarity - sim2,
            best.novelty or 0.0,
            best.answer_similarity or 0.0,
        ],
        dtype=np.float64,
    )


@dataclass(frozen=True)
class AnswerModel:
    """P(the best FAQ is the right answer | its match features): a logistic regression."""

    weights: tuple[float, ...]
    bias: float

    def probability(self, matches: Sequence[FaqMatch]) -> float:
        logit = float(np.dot(self.weights, match_features(matches))) + self.bias
        return 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))


@dataclass(frozen=True)
class CalibratedRule:
    """Answer when the best FAQ is likely enough right; `confidence` is that probability."""

    model: AnswerModel
    answer_probability: float

    def decide(self, matches: Sequence[FaqMatch]) -> Decision:
        if not matches:
            return Decision(faq_id=None, confidence=0.0, similarity=0.0)
        best = matches[0]
        probability = self.model.probability(matches)
        return Decision(
            faq_id=best.faq_id if probability >= self.answer_probability else None,
            confidence=probability,
            similarity=best.similarity,
        )


@dataclass(frozen=True)
class Estimate:
    """What the held-out questions say a deployment of this FAQ file will do."""

    in_scope_questions: int
    out_of_scope_questions: int
    unanswerable_questions: int  # of them, from the `unanswerable:` list
    missing_faq_questions: int  # of them, of an FAQ left out of the round's index
    accuracy: float  # in-scope questions answered with the right FAQ
    wrong_answers: float  # in-scope questions answered with another FAQ
    handoffs: float  # in-scope questions handed to a person
    unanswerable_handed_off: float  # of the `unanswerable:` questions
    generic_handed_off: float  # of the generic out-of-scope questions
    missing_faq_handed_off: float  # of an FAQ's questions while that FAQ was left out


@dataclass(frozen=True)
class Confusion:
    """Held-out questions of one FAQ that the model ranked another FAQ first for."""

    faq_id: str
    mistaken_for: str
    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Calibration:
    """The calibrated decision plus what it is expected to do; persisted with the model."""

    model: AnswerModel
    answer_probability: float
    estimate: Estimate
    confusions: tuple[Confusion, ...] = field(default=())

    def rule(self) -> CalibratedRule:
        return CalibratedRule(self.model, self.answer_probability)

    def persist(self, directory: Path) -> None:
        (directory / CALIBRATION_FILE).write_text(json.dumps(asdict(self)), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> Calibration:
        return cls.from_dict(json.loads((directory / CALIBRATION_FILE).read_text("utf-8")))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        """Back from the JSON `persist` wrote."""
        model = data["model"]
        return cls(
            model=AnswerModel(tuple(model["weights"]), float(model["bias"])),
            answer_probability=float(data["answer_probability"]),
            estimate=Estimate(**data["estimate"]),
            confusions=tuple(
                Confusion(c["faq_id"], c["mistaken_for"], c["count"], tuple(c["examples"]))
                for c in data.get("confusions") or []
            ),
        )


@dataclass(frozen=True)
class Questions:
    """Out-of-scope questions and their vectors, row by row."""

    texts: Sequence[str]
    vectors: np.ndarray


@dataclass(frozen=True)
class FaqTrainingData:
    """What an FAQ file gives training: each question variant (its vector, FAQ id and
    text, row by row), the `unanswerable:` questions and the answers."""

    vectors: np.ndarray
    faq_ids: Sequence[str]
    variants: Sequence[str]
    unanswerable: Questions
    answers: Answers

    def index(
        self,
        rows: np.ndarray,
        regularisation: float,
        unanswerable_rows: np.ndarray,
        like: FaqIndex | None = None,
    ) -> FaqIndex:
        """An index of the variants and `unanswerable:` questions the masks keep, as
        training builds the real one (the answers always known)."""
        unrelated = self.unanswerable.vectors[unanswerable_rows]
        return FaqIndex.from_vectors(
            self.vectors[rows],
            [faq_id for faq_id, keep in zip(self.faq_ids, rows, strict=True) if keep],
            [text for text, keep in zip(self.variants, rows, strict=True) if keep],
            regularisation,
            unrelated if len(unrelated) else None,
            self.answers,
            like=like,
        )


@dataclass(frozen=True)
class HeldOut:
    """One held-out question, how an index without it ranked it, and what it really is."""

    text: str
    faq_id: str | None  # None: out of scope
    source: str  # "faqs", or the out-of-scope source it came from
    matches: list[FaqMatch]
    weight: float = 1.0


def calibrate(
    data: FaqTrainingData,
    generic: Questions,
    settings: RetrievalSettings,
    trained: FaqIndex | None = None,
) -> Calibration:
    """Cross-validate on the FAQ variants, the `unanswerable:` questions and the generic
    out-of-scope ones (texts and vectors each), fit the answer model, and estimate what
    the rule in force (calibrated, or the fixed one of `settings`) will do. `trained`, the
    index of all the data, makes each round's training quicker."""
    held_out = cross_validate(data, generic, settings.regularisation, settings.top_k, trained)
    model = fit_answer_model(held_out)
    rule: Rule = CalibratedRule(model, settings.answer_probability)
    if not settings.calibrated:
        rule = settings.fixed_rule()
    return Calibration(
        model=model,
        answer_probability=settings.answer_probability,
        estimate=estimate(held_out, rule),
        confusions=confusions(held_out),
    )


def cross_validate(
    data: FaqTrainingData,
    generic: Questions,
    regularisation: float,
    top_k: int,
    trained: FaqIndex | None = None,
) -> list[HeldOut]:
    """Every held-out question with its matches from an index that never saw it.

    The index of each fold is built as training builds the real one (the `unanswerable:`
    questions train its "no FAQ fits" class, the answers are known, a held-out question's
    words are not); the generic questions are only asked. In scope and out of scope weigh
    half each in total, each out-of-scope source the same, so neither a large FAQ file nor
    a long generic list tilts the answer model.
    """
    rng = np.random.default_rng(0)
    variant_fold = _folds_within_groups(data.faq_ids, rng)
    missing_fold = _missing_faq_folds(data.faq_ids, rng)
    unanswerable_fold = rng.permutation(len(data.unanswerable.texts)) % FOLDS
    variant_count = max(len(data.faq_ids), 1)
    rounds = min(FOLDS, max(1, math.ceil(ENOUGH_HELD_OUT * FOLDS / variant_count)))
    held_out: list[HeldOut] = []
    for fold in range(rounds):
        missing = missing_fold == fold
        asked_in_scope = (variant_fold == fold) & ~missing
        index = data.index(
            ~asked_in_scope & ~missing, regularisation, unanswerable_fold != fold, trained
        )
        # source, its texts, their FAQ ids (None: out of scope), vectors, rows asked
        asked: list[tuple[str, Sequence[str], Sequence[str] | None, np.ndarray, np.ndarray]] = [
            (IN_SCOPE, data.variants, data.faq_ids, data.vectors, asked_in_scope),
            (MISSING_FAQ, data.variants, None, data.vectors, missing),
            (
                "unanswerable",
                data.unanswerable.texts,
                None,
                data.unanswerable.vectors,
                unanswerable_fold == fold,
            ),
            ("generic", generic.texts, None, generic.vectors, np.ones(len(generic.texts), bool)),
        ]
        for source, texts, faq_ids, vectors, rows in asked:
            chosen = np.flatnonzero(rows)
            if len(chosen):
                rankings = index.search([texts[i] for i in chosen], vectors[chosen], top_k)
                held_out += [
                    HeldOut(texts[i], faq_ids[i] if faq_ids else None, source, matches)
                    for i, matches in zip(chosen, rankings, strict=True)
                ]
    return _balanced(held_out)


def fit_answer_model(held_out: Sequence[HeldOut]) -> AnswerModel:
    """Logistic regression: features of each held-out ranking -> was its best FAQ right."""
    from sklearn.linear_model import LogisticRegression

    features = np.vstack([match_features(h.matches) for h in held_out])
    right = np.array([h.faq_id is not None and h.matches[0].faq_id == h.faq_id for h in held_out])
    if right.all() or not right.any():  # nothing to tell apart: trust the ranking or nothing
        return AnswerModel((0.0,) * features.shape[1], 5.0 if right.all() else -5.0)
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit(features, right, sample_weight=[h.weight for h in held_out])
    return AnswerModel(tuple(float(w) for w in model.coef_[0]), float(model.intercept_[0]))


def estimate(held_out: Sequence[HeldOut], rule: Rule) -> Estimate:
    """The rule's outcomes on the held-out questions (each counted once, unweighted)."""
    outcomes: dict[str, list[tuple[str | None, str | None]]] = defaultdict(list)
    for h in held_out:
        outcomes[h.source].append((h.faq_id, rule.decide(h.matches).faq_id))
    in_scope = outcomes[IN_SCOPE]
    return Estimate(
        in_scope_questions=len(in_scope),
        # the generic questions are asked in every round: count each once
        out_of_scope_questions=len({(h.source, h.text) for h in held_out if h.source != IN_SCOPE}),
        unanswerable_questions=len(outcomes["unanswerable"]),
        missing_faq_questions=len(outcomes[MISSING_FAQ]),
        accuracy=_share(sum(answer == truth for truth, answer in in_scope), in_scope),
        wrong_answers=_share(
            sum(answer not in (None, truth) for truth, answer in in_scope), in_scope
        ),
        handoffs=_share(sum(answer is None for _, answer in in_scope), in_scope),
        unanswerable_handed_off=_handed_off(outcomes["unanswerable"]),
        generic_handed_off=_handed_off(outcomes["generic"]),
        missing_faq_handed_off=_handed_off(outcomes[MISSING_FAQ]),
    )


def confusions(held_out: Sequence[HeldOut]) -> tuple[Confusion, ...]:
    """FAQ pairs the model mixes up (true -> ranked first), most often first, with examples."""
    mixed: dict[tuple[str, str], list[str]] = defaultdict(list)
    for h in held_out:
        if h.faq_id is not None and h.matches[0].faq_id != h.faq_id:
            mixed[(h.faq_id, h.matches[0].faq_id)].append(h.text)
    ranked = sorted(mixed.items(), key=lambda item: -len(item[1]))[:CONFUSIONS_KEPT]
    return tuple(
        Confusion(true, guess, len(texts), tuple(texts[:2])) for (true, guess), texts in ranked
    )


def _folds_within_groups(faq_ids: Sequence[str], rng: np.random.Generator) -> np.ndarray:
    """A fold per variant, spread evenly within each FAQ (each FAQ keeps most variants)."""
    folds = np.zeros(len(faq_ids), dtype=np.int64)
    rows_by_faq: dict[str, list[int]] = defaultdict(list)
    for row, faq_id in enumerate(faq_ids):
        rows_by_faq[faq_id].append(row)
    offset = 0
    for rows in rows_by_faq.values():
        order = rng.permutation(len(rows))
        folds[np.array(rows)[order]] = (np.arange(len(rows)) + offset) % FOLDS
        offset += len(rows)
    return folds


def _missing_faq_folds(faq_ids: Sequence[str], rng: np.random.Generator) -> np.ndarray:
    """The fold (if any) whose index leaves out a variant's whole FAQ, per variant (-1: none).

    A tenth of the FAQs is missing from each fold's index, so their questions stand for
    what customers ask about the business that no FAQ answers: near the FAQs' topics, as
    a real out-of-scope question is, even when the FAQ file has no `unanswerable:` list.
    """
    distinct = list(dict.fromkeys(faq_ids))
    if len(distinct) < MIN_FAQS_TO_LEAVE_OUT:
        return np.full(len(faq_ids), -1, dtype=np.int64)
    order = rng.permutation(len(distinct))
    slot = {faq_id: int(order[n]) % (FOLDS * 2) for n, faq_id in enumerate(distinct)}
    return np.array([slot[f] if slot[f] < FOLDS else -1 for f in faq_ids], dtype=np.int64)


def _balanced(held_out: list[HeldOut]) -> list[HeldOut]:
    """Half the total weight in scope, the other half shared equally by the other sources."""
    counts = Counter(h.source for h in held_out)
    out_of_scope_sources = len(counts) - (IN_SCOPE in counts)
    if IN_SCOPE not in counts or not out_of_scope_sources:
        return held_out
    share = {
        source: len(held_out) / 2 / (1 if source == IN_SCOPE else out_of_scope_sources) / count
        for source, count in counts.items()
    }
    return [replace(h, weight=share[h.source]) for h in held_out]


def _handed_off(outcomes: Sequence[tuple[str | None, str | None]]) -> float:
    return _share(sum(answer is None for _, answer in outcomes), outcomes)


def _share(count: int, of: Sequence[object]) -> float:
    return round(count / len(of), 4) if of else 0.0
