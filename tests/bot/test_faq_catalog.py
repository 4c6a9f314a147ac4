"""A trainer's broken FAQ file is refused with file, entry and problem named."""

from pathlib import Path

import pytest

from bot.faq import FaqFileError, load_catalog
from bot.faq.catalog import load_faq_file

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "faq.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_starter_faq_file_is_valid_and_large_enough() -> None:
    faqs = load_catalog(ROOT / "bot" / "data" / "faq.yml")
    assert len(faqs) >= 60
    assert all(len(faq.questions) >= 5 for faq in faqs)


@pytest.mark.parametrize(
    ("body", "entry", "problem"),
    [
        (
            "faqs:\n  - id: a\n    questions: [hi]\n",
            "entry 1 (id 'a')",
            "'answer' must be non-empty",
        ),
        ("faqs:\n  - id: Bad Id\n    questions: [q]\n    answer: x\n", "entry 1", "'id' must be"),
        (
            "faqs:\n  - id: a\n    questions: []\n    answer: x\n",
            "entry 1 (id 'a')",
            "'questions' must be",
        ),
        (
            "faqs:\n  - id: a\n    questions: [q]\n    answer: x\n"
            "  - id: a\n    questions: [r]\n    answer: y\n",
            "entry 2 (id 'a')",
            "duplicate id",
        ),
        (
            "faqs:\n  - id: a\n    questions: [q, '']\n    answer: x\n",
            "entry 1 (id 'a')",
            "question 2",
        ),
        ("faqs: [unclosed\n", "file", "not valid YAML"),
        (
            "faqs:\n  - id: no_faq_fits\n    questions: [q]\n    answer: x\n",
            "entry 1 (id 'no_faq_fits')",
            "reserved",
        ),
        (
            "faqs:\n  - id: a\n    questions: [q]\n    answer: x\nunanswerable: [fine, '']\n",
            "unanswerable",
            "question 2",
        ),
        (
            "faqs:\n  - id: a\n    questions: [q]\n    answer: x\nunanswerable: just one\n",
            "unanswerable",
            "must be a list",
        ),
        ("questions: []\n", "file", "top-level 'faqs:'"),
    ],
)
def test_malformed_entries_name_file_entry_and_problem(
    tmp_path: Path, body: str, entry: str, problem: str
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(FaqFileError) as error:
        load_faq_file(path)
    assert str(path) in str(error.value)
    assert entry in str(error.value)
    assert problem in str(error.value)
