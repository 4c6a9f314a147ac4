"""The retrieval core without Rasa: index, rule, persistence and the eval CLI."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.faq import Faq, FaqFileError, FaqIndex, FaqMatch, RetrievalSettings, load_encoder
from bot.training import check_faq_files

ROOT = Path(__file__).resolve().parents[2]

FAQS = [
    Faq(
        "reset_password",
        ("How do I reset my password?", "I forgot my password"),
        "Use the reset link.",
    ),
    Faq(
        "delivery_time",
        ("How long does delivery take?", "When will my parcel arrive?"),
        "2-4 days.",
    ),
    Faq(
        "refund_time", ("How long until I get my money back?", "When is my refund paid?"), "5 days."
    ),
]


def search(index: FaqIndex, question: str, top_k: int) -> list[FaqMatch]:
    return index.search([question], load_encoder().encode([question]), top_k)[0]


UNANSWERABLE = ["do you sell garden furniture", "can I rent a car from you", "tell me a joke"]


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return FaqIndex.build(FAQS, load_encoder(), unanswerable=UNANSWERABLE)


def test_paraphrase_finds_its_faq_first(index: FaqIndex) -> None:
    matches = search(index, "can't remember my password", 3)
    assert matches[0].faq_id == "reset_password"
    assert [m.faq_id for m in matches] == list(dict.fromkeys(m.faq_id for m in matches))


def test_rule_answers_close_match_and_hands_off_unrelated(index: FaqIndex) -> None:
    rule = RetrievalSettings(threshold=0.2).fixed_rule()
    close = rule.decide(search(index, "I forgot my password", 3))
    unrelated = rule.decide(search(index, "do you sell tractors", 3))
    assert close.faq_id == "reset_password"
    assert unrelated.faq_id is None
    assert unrelated.confidence < close.confidence


def test_unanswerable_examples_draw_probability_away_from_faqs(index: FaqIndex) -> None:
    """They are never offered as a match; they make resembling questions less FAQ-like."""
    without = FaqIndex.build(FAQS, load_encoder())
    with_examples = search(index, "do you sell lawn mowers", 5)
    assert {m.faq_id for m in with_examples} == {faq.id for faq in FAQS}
    assert with_examples[0].confidence < search(without, "do you sell lawn mowers", 5)[0].confidence


def test_matches_say_what_the_faq_leaves_unsaid(index: FaqIndex) -> None:
    """A question next to an FAQ's topic uses words that FAQ never does, and no sentence of
    its answer speaks to it; a paraphrase of the FAQ does neither."""
    paraphrase = search(index, "forgot my password again", 1)[0]
    near_topic = search(index, "can I reset the password of my neighbour's wifi router", 1)[0]
    assert paraphrase.faq_id == near_topic.faq_id == "reset_password"
    assert paraphrase.novelty == 0.0
    assert near_topic.novelty > 0.5
    assert paraphrase.answer_similarity > 0.0
    assert search(index, "use the reset link", 1)[0].answer_similarity > 0.9


def test_persisted_index_answers_identically(index: FaqIndex, tmp_path: Path) -> None:
    index.persist(tmp_path)
    loaded = FaqIndex.load(tmp_path)
    asked = search(index, "when does my package come", 2)
    assert search(loaded, "when does my package come", 2) == asked
    assert asked[0].answer_similarity != 0.0


def test_malformed_faq_file_stops_training_naming_entry(tmp_path: Path) -> None:
    (tmp_path / "faq.yml").write_text("faqs:\n  - id: ok\n    questions: [q]\n", encoding="utf-8")
    with pytest.raises(FaqFileError, match=r"faq.yml: entry 1 \(id 'ok'\): 'answer' must be"):
        check_faq_files(tmp_path)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.faq", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_eval_cli_prints_figures_as_last_json_line(tmp_path: Path) -> None:
    queries = tmp_path / "q.csv"
    queries.write_text(
        "text,faq_id\ni can't log in since i forgot my password,reset_password\n"
        "how many days is shipping,delivery_time\ndo you sell tractors,\n",
        encoding="utf-8",
    )
    faq = tmp_path / "faq.yml"
    faq.write_text(
        "faqs:\n"
        + "".join(
            f"  - id: {f.id}\n    questions: {json.dumps(list(f.questions))}\n"
            f"    answer: {f.answer}\n"
            for f in FAQS
        ),
        encoding="utf-8",
    )
    result = run_cli("eval", "--faq", str(faq), "--queries", str(queries))
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["queries"] == 3
    assert figures["top1_accuracy"] == 1.0
    assert figures["oos_recall"] == 1.0
    settings = RetrievalSettings.from_rasa_config(ROOT / "config.yml")
    assert figures["threshold"] == settings.thresholds()["threshold"]
    assert figures["p50_ms"] > 0


def test_eval_cli_rejects_unknown_faq_ids(tmp_path: Path) -> None:
    queries = tmp_path / "q.csv"
    queries.write_text("text,faq_id\nhello,no_such_faq\n", encoding="utf-8")
    result = run_cli("eval", "--faq", str(ROOT / "bot/data/faq.yml"), "--queries", str(queries))
    assert result.returncode == 2
    assert "unknown faq_id 'no_such_faq'" in result.stderr


def test_heldout_queries_do_not_regress() -> None:
    """Floors at (recall: two queries under) the product's targets; the README has figures."""
    result = run_cli(
        "eval",
        "--faq",
        str(ROOT / "bot/data/faq.yml"),
        "--queries",
        str(ROOT / "tests/data/heldout_queries.csv"),
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["out_of_scope"] >= 50 and figures["queries"] >= 200
    assert figures["top1_accuracy"] >= 0.90
    assert figures["oos_recall"] >= 0.78
