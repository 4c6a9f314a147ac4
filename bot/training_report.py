"""What a trainer should fix in the training data, found by cross-validating the intent model.

`python -m bot.training` prints this after it trains a new model; `make test-bot` prints it
with figures per intent. It lists the intents and FAQs the model confuses (with example
phrasings and how often), the intents with too few examples, and the intent examples that
say the same as an FAQ question. The model is `bot.components.intent_classifier.IntentModel`
over the bot's own sentence vectors, trained on four fifths of the examples and asked about
the rest, five times over. Then, from the trained model's FAQ calibration
(`bot.faq.calibration`): the expected share of right answers, wrong answers and hand-offs,
and the FAQ pairs the retriever confuses:

    python -m bot.training_report --per-intent
"""

from __future__ import annotations

import argparse
import json
import sys
import tarfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Sequence

import numpy as np
import yaml

from bot.components.intent_classifier import IntentModel, fine_label, intent_of
from bot.faq.calibration import CALIBRATION_FILE, Calibration

ROOT = Path(__file__).resolve().parent.parent
FOLDS = 5
MIN_EXAMPLES = 10
# Cosine similarity from which an intent example says the same as an FAQ question.
COLLISION_SIMILARITY = 0.9
FALLBACK = "nlu_fallback"
SHOWN = 10


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # `greet`, or `faq/reset_password` for a retrieval intent's example


@dataclass
class IntentFigures:
    examples: int = 0
    correct: int = 0
    predicted: int = 0
    below_threshold: int = 0

    @property
    def recall(self) -> float:
        return self.correct / self.examples if self.examples else 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def f1(self) -> float:
        total = self.recall + self.precision
        return 2 * self.recall * self.precision / total if total else 0.0


@dataclass
class TrainingReport:
    examples: int
    figures: Dict[str, IntentFigures]
    # (true label, predicted label) -> the held-out examples that went that way
    confusions: Dict[tuple[str, str], List[str]] = field(default_factory=dict)
    too_few: Dict[str, int] = field(default_factory=dict)
    # (intent example, its intent, FAQ id, FAQ question, similarity)
    collisions: List[tuple[str, str, str, str, float]] = field(default_factory=list)


def build_report(
    examples: Sequence[Example],
    vectors: np.ndarray,
    regularisation: float,
    fallback: tuple[float, float],
) -> TrainingReport:
    """Cross-validate the intent model on the examples (vectors row by row); `fallback` is
    FallbackClassifier's (threshold, ambiguity_threshold): under either, Rasa falls back."""
    threshold, ambiguity = fallback
    labels = [e.label for e in examples]
    order = np.random.default_rng(0).permutation(len(examples))
    predicted: List[str] = [""] * len(examples)
    confident = np.zeros(len(examples), dtype=bool)
    for fold in range(FOLDS):
        held_out = order[fold::FOLDS]
        kept = np.setdiff1d(order, held_out)
        model = IntentModel.train(vectors[kept], [labels[i] for i in kept], regularisation)
        intent_p = model.probabilities(vectors[held_out])
        label_p = model.label_probabilities(vectors[held_out])
        for row, i in enumerate(held_out):
            intent = model.intents[int(intent_p[row].argmax())]
            in_intent = [j for j, label in enumerate(model.labels) if intent_of(label) == intent]
            predicted[i] = model.labels[max(in_intent, key=lambda j: label_p[row, j])]
            second, first = np.sort(intent_p[row])[-2:]
            confident[i] = first >= threshold and first - second >= ambiguity
    report = TrainingReport(len(examples), defaultdict(IntentFigures))
    confusions: Dict[tuple[str, str], List[str]] = defaultdict(list)
    for example, guess, sure in zip(examples, predicted, confident, strict=True):
        true_intent, guessed_intent = intent_of(example.label), intent_of(guess)
        report.figures[true_intent].examples += 1
        if not sure:
            report.figures[true_intent].below_threshold += 1
        else:
            report.figures[guessed_intent].predicted += 1
            report.figures[true_intent].correct += guessed_intent == true_intent
        if guessed_intent != true_intent and not (
            _is_retrieval(example.label) and _is_retrieval(guess)
        ):
            confusions[(example.label, guess)].append(example.text)
    report.confusions = dict(sorted(confusions.items(), key=lambda item: -len(item[1])))
    counts = Counter(intent_of(label) for label in labels if not _is_retrieval(label))
    report.too_few = {intent: n for intent, n in sorted(counts.items()) if n < MIN_EXAMPLES}
    report.collisions = _collisions(examples, vectors)
    return report


def _is_retrieval(label: str) -> bool:
    return "/" in label


def _collisions(
    examples: Sequence[Example], vectors: np.ndarray
) -> List[tuple[str, str, str, str, float]]:
    """Intent examples at least COLLISION_SIMILARITY close to an FAQ question."""
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    intents = [i for i, e in enumerate(examples) if not _is_retrieval(e.label)]
    faqs = [i for i, e in enumerate(examples) if _is_retrieval(e.label)]
    if not intents or not faqs:
        return []
    similarity = unit[intents] @ unit[faqs].T
    found = []
    for row, col in zip(*np.nonzero(similarity >= COLLISION_SIMILARITY), strict=True):
        example, question = examples[intents[row]], examples[faqs[col]]
        faq_id = question.label.split("/", 1)[1]
        found.append(
            (example.text, example.label, faq_id, question.text, float(similarity[row, col]))
        )
    return sorted(found, key=lambda c: -c[4])


def format_report(report: TrainingReport, per_intent: bool = False) -> str:
    lines = [f"Intent report ({FOLDS}-fold cross-validation over {report.examples} examples)"]
    if per_intent:
        lines.append(
            f"  {'intent':32} {'examples':>8} {'recall':>7} {'precision':>9} {'f1':>5}  fell back"
        )
        for intent, f in sorted(report.figures.items()):
            lines.append(
                f"  {intent:32} {f.examples:8d} {f.recall:7.0%} {f.precision:9.0%} {f.f1:5.2f}"
                f"  {f.below_threshold}"
            )
    if report.confusions:
        lines.append("Confused (true -> predicted, how often, examples):")
        for (true, guess), texts in list(report.confusions.items())[:SHOWN]:
            shown = "; ".join(f'"{t}"' for t in texts[:2])
            lines.append(f"  {true} -> {guess}: {len(texts)}x, e.g. {shown}")
        if len(report.confusions) > SHOWN:
            lines.append(f"  ... and {len(report.confusions) - SHOWN} more pairs")
    if report.too_few:
        lines.append(f"Too few examples (fewer than {MIN_EXAMPLES}; add more phrasings):")
        lines += [f"  {intent}: {n}" for intent, n in report.too_few.items()]
    if report.collisions:
        lines.append("Intent examples that say the same as an FAQ question (reword or remove):")
        for text, intent, faq_id, question, similarity in report.collisions[:SHOWN]:
            lines.append(f'  {intent} "{text}" ~ FAQ {faq_id} "{question}" ({similarity:.2f})')
        if len(report.collisions) > SHOWN:
            lines.append(f"  ... and {len(report.collisions) - SHOWN} more")
    if not (report.confusions or report.too_few or report.collisions):
        lines.append("No confusions, no intent short of examples, no collisions with FAQs.")
    return "\n".join(lines)


def faq_calibration(model: Path) -> Calibration | None:
    """The FAQ calibration a trained model archive holds (None in a model without one)."""
    with tarfile.open(model) as archive:
        for member in archive.getmembers():
            handle = archive.extractfile(member) if member.name.endswith(CALIBRATION_FILE) else None
            if handle is not None:
                return Calibration.from_dict(json.load(handle))
    return None


def format_faq_report(calibration: Calibration) -> str:
    """What the trained FAQ retriever is expected to do, and the FAQs it mixes up."""
    e = calibration.estimate
    asked = [
        (e.unanswerable_questions, f"{e.unanswerable_handed_off:.0%} of the unanswerable list"),
        (
            e.missing_faq_questions,
            f"{e.missing_faq_handed_off:.0%} of an FAQ's questions while that FAQ was left out",
        ),
        (1, f"{e.generic_handed_off:.0%} of generic off-topic questions"),
    ]
    out_of_scope = ", ".join(text for count, text in asked if count)
    lines = [
        f"FAQ answers, estimated from the FAQ file alone ({e.in_scope_questions} question "
        f"variants, each asked of a model trained without it; {e.out_of_scope_questions} "
        "questions no FAQ answers):",
        f"  asked an FAQ's question: {e.accuracy:.0%} right answer, {e.wrong_answers:.0%} "
        f"wrong answer, {e.handoffs:.0%} handed to a person",
        f"  asked what no FAQ answers: {out_of_scope} handed to a person",
    ]
    if not e.unanswerable_questions:
        lines.append(
            "  the FAQ file has no `unanswerable:` list: add questions your customers ask that "
            "no FAQ answers (near your FAQs' topics), so the bot learns to hand them off"
        )
    if calibration.confusions:
        lines.append(
            "FAQs the model confuses (true -> answered, how often, examples): make their "
            "questions more distinct, or merge them:"
        )
        for c in calibration.confusions[:SHOWN]:
            shown = "; ".join(f'"{text}"' for text in c.examples)
            lines.append(f"  {c.faq_id} -> {c.mistaken_for}: {c.count}x, e.g. {shown}")
    return "\n".join(lines)


def _pipeline_setting(config: Dict[str, Any], component: str, key: str, default: Any) -> Any:
    for entry in config.get("pipeline") or []:
        if str(entry.get("name", "")).split(".")[-1] == component:
            return entry.get(key, default)
    return default


def report_for(
    config_path: Path = ROOT / "config.yml",
    domain_path: Path = ROOT / "domain.yml",
    data_dir: Path = ROOT / "bot" / "data",
) -> TrainingReport:
    """The report for the bot's training data as `rasa train` would read it."""
    from bot.components.intent_classifier import SharedLabelIntentClassifier
    from bot.faq.embedder import DEFAULT_MODEL, load_encoder
    from bot.importer import FaqImporter

    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    importer = FaqImporter(str(config_path), str(domain_path), [str(data_dir)])
    examples = [
        Example(m.get("text"), fine_label(m)) for m in importer.get_nlu_data().intent_examples
    ]
    model = _pipeline_setting(config, "SentenceEmbeddingFeaturizer", "model", DEFAULT_MODEL)
    default = SharedLabelIntentClassifier.get_default_config()["regularisation"]
    vectors = load_encoder(model).encode([e.text for e in examples])
    return build_report(
        examples,
        np.asarray(vectors, dtype=np.float32),
        float(_pipeline_setting(config, "SharedLabelIntentClassifier", "regularisation", default)),
        (
            float(_pipeline_setting(config, "FallbackClassifier", "threshold", 0.0)),
            float(_pipeline_setting(config, "FallbackClassifier", "ambiguity_threshold", 0.0)),
        ),
    )


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--domain", type=Path, default=ROOT / "domain.yml")
    parser.add_argument("--data", type=Path, default=ROOT / "bot" / "data")
    parser.add_argument("--per-intent", action="store_true", help="figures for every intent")
    parser.add_argument("--model", type=Path, help="model archive (default: the current one)")
    args = parser.parse_args(argv)
    report = report_for(args.config, args.domain, args.data)
    print(format_report(report, args.per_intent))
    model = args.model or current_model()
    calibration = faq_calibration(model) if model else None
    if calibration:
        print(format_faq_report(calibration))
    return 0


def current_model() -> Path | None:
    """The trained model for the current inputs, if `python -m bot.training` made it."""
    from bot.training import model_file

    model = model_file(ROOT / "models")
    return model if model.exists() else None


if __name__ == "__main__":
    sys.exit(main())
