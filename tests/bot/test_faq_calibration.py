"""Calibration from the FAQ file alone: on small synthetic vectors, no encoder, in seconds;
and what the trained model's calibration tells a trainer."""

from pathlib import Path

import numpy as np
import pytest

from bot.faq.calibration import (
    Calibration,
    FaqTrainingData,
    Questions,
    generic_out_of_scope,
    unrelated_to_faqs,
)
from bot.faq.decision import Decision
from bot.faq.evidence import NO_ANSWERS
from bot.faq.index import FaqIndex
from bot.faq.retriever import TrainedRetriever
from bot.faq.settings import RetrievalSettings
from bot.training_report import faq_calibration, format_faq_report

DIMENSION = 24
AUTO = RetrievalSettings()


def unit(rows: np.ndarray) -> np.ndarray:
    return np.asarray(rows / np.linalg.norm(rows, axis=1, keepdims=True), dtype=np.float32)


def around(centre: np.ndarray, count: int, spread: float, rng: np.random.Generator) -> np.ndarray:
    return unit(centre + spread * rng.standard_normal((count, DIMENSION)))


@pytest.fixture(scope="module")
def topics() -> dict[str, np.ndarray]:
    """Eight FAQ topics, two of them (`twin_a`, `twin_b`) almost the same."""
    rng = np.random.default_rng(3)
    names = [f"faq_{i}" for i in range(6)] + ["twin_a"]
    centres = dict(zip(names, unit(rng.standard_normal((len(names), DIMENSION))), strict=True))
    centres["twin_b"] = unit(centres["twin_a"][None] + 0.05 * rng.standard_normal(DIMENSION))[0]
    return centres


def trained(
    topics: dict[str, np.ndarray], settings: RetrievalSettings, unanswerable_count: int = 10
) -> TrainedRetriever:
    rng = np.random.default_rng(4)
    faq_ids = list(topics)
    vectors = np.vstack([around(topics[name], 10, 0.1, rng) for name in faq_ids])
    labels = [name for name in faq_ids for _ in range(10)]
    texts = [f"{name} question {i}" for name in faq_ids for i in range(10)]
    # Out of scope: questions about anything, each its own direction. Their texts, like
    # every asked text here, use only words all FAQs use: the vectors tell them apart.
    unanswerable = Questions(
        [f"question {i}" for i in range(unanswerable_count)], unrelated(unanswerable_count, rng)
    )
    generic = Questions([f"question {i}" for i in range(20)], unrelated(20, rng))
    data = FaqTrainingData(vectors, labels, texts, unanswerable, NO_ANSWERS)
    return TrainedRetriever.train(data, generic, settings)


@pytest.fixture(scope="module")
def retriever(topics: dict[str, np.ndarray]) -> TrainedRetriever:
    return trained(topics, AUTO)


def unrelated(count: int, rng: np.random.Generator) -> np.ndarray:
    return unit(rng.standard_normal((count, DIMENSION)))


def ask(
    retriever: TrainedRetriever, vectors: np.ndarray, settings: RetrievalSettings = AUTO
) -> list[Decision]:
    rule = retriever.rule(settings)
    texts = [f"question {i}" for i in range(len(vectors))]
    return [rule.decide(matches) for matches in retriever.index.search(texts, vectors, 5)]


def test_calibrated_rule_answers_paraphrases_and_hands_off_the_rest(
    retriever: TrainedRetriever, topics: dict[str, np.ndarray]
) -> None:
    rng = np.random.default_rng(5)
    paraphrases = ask(retriever, around(topics["faq_2"], 10, 0.1, rng))
    others = ask(retriever, unrelated(20, rng))
    assert sum(d.faq_id == "faq_2" for d in paraphrases) >= 9
    assert sum(d.faq_id is None for d in others) >= 15
    # The confidence is the probability of a right answer: high for one, low for the other.
    assert np.mean([d.confidence for d in paraphrases]) > 2 * np.mean(
        [d.confidence for d in others]
    )


def test_estimate_and_confusions_come_from_held_out_questions(
    retriever: TrainedRetriever,
) -> None:
    estimate = retriever.calibration.estimate
    assert estimate.in_scope_questions == 80 and estimate.out_of_scope_questions == 30
    assert estimate.accuracy + estimate.wrong_answers + estimate.handoffs == pytest.approx(1, 1e-3)
    assert estimate.accuracy >= 0.7 and estimate.generic_handed_off >= 0.9
    pairs = {frozenset((c.faq_id, c.mistaken_for)) for c in retriever.calibration.confusions[:2]}
    assert frozenset(("twin_a", "twin_b")) in pairs
    top = retriever.calibration.confusions[0]
    assert top.examples and all(text.startswith(top.faq_id) for text in top.examples)


def test_fixed_thresholds_override_the_calibration(
    topics: dict[str, np.ndarray], retriever: TrainedRetriever
) -> None:
    """A number in config.yml wins; the estimate then describes that fixed rule."""
    never = RetrievalSettings(threshold=1.01)
    fixed = trained(topics, never)
    rng = np.random.default_rng(6)
    assert all(d.faq_id is None for d in ask(fixed, around(topics["faq_1"], 5, 0.1, rng), never))
    assert fixed.calibration.estimate.handoffs == 1.0
    assert never.thresholds() == {"threshold": 1.01, "min_similarity": 0.2}
    assert AUTO.thresholds() == {"threshold": AUTO.answer_probability}


def test_report_asks_for_an_unanswerable_list_when_the_file_has_none(
    topics: dict[str, np.ndarray], retriever: TrainedRetriever
) -> None:
    """Eight FAQs: too few to leave one out, so only the generic questions are reported."""
    without = format_faq_report(trained(topics, AUTO, unanswerable_count=0).calibration)
    assert "no `unanswerable:` list: add questions your customers ask" in without
    assert "of the unanswerable list" not in without
    assert "while that FAQ was left out" not in without
    assert "of generic off-topic questions handed to a person" in without
    with_list = format_faq_report(retriever.calibration)
    assert "of the unanswerable list" in with_list and "no `unanswerable:`" not in with_list


def test_calibration_survives_persisting(retriever: TrainedRetriever, tmp_path: Path) -> None:
    retriever.persist(tmp_path)
    loaded = TrainedRetriever.load(tmp_path)
    assert loaded.calibration == retriever.calibration
    assert isinstance(loaded.index, FaqIndex)
    assert Calibration.load(tmp_path).rule() == retriever.calibration.rule()


def test_threshold_must_be_a_number_or_auto() -> None:
    with pytest.raises(ValueError, match="threshold must be a number or 'auto'"):
        RetrievalSettings(threshold="automatic")


def test_generic_questions_close_to_an_faq_question_are_left_out(
    topics: dict[str, np.ndarray],
) -> None:
    variants = topics["faq_0"][None]
    generic = np.vstack([topics["faq_0"], unrelated(1, np.random.default_rng(7))])
    assert unrelated_to_faqs(generic, variants).tolist() == [False, True]


def test_shipped_generic_set_is_large_and_clean() -> None:
    questions = generic_out_of_scope()
    assert len(questions) >= 250
    assert len(set(questions)) == len(questions)
    assert not any(q.startswith("#") for q in questions)


def test_training_report_shows_the_trained_models_estimate_and_confused_faqs(
    trained_model: Path,
) -> None:
    """What `make train` prints comes from the calibration stored in the model archive."""
    calibration = faq_calibration(trained_model)
    assert calibration is not None and calibration.confusions
    report = format_faq_report(calibration)
    estimate = calibration.estimate
    assert f"{estimate.accuracy:.0%} right answer" in report
    assert f"{estimate.handoffs:.0%} handed to a person" in report
    assert estimate.missing_faq_handed_off > 0
    assert f"{estimate.missing_faq_handed_off:.0%} of an FAQ's questions while that FAQ" in report
    assert "no `unanswerable:` list" not in report
    confused = calibration.confusions[0]
    assert f"{confused.faq_id} -> {confused.mistaken_for}: {confused.count}x" in report
    assert confused.examples[0] in report
