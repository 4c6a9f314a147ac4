"""The agents' canned answers follow the FAQ files, and a half-saved file never empties them."""

from __future__ import annotations

from pathlib import Path

from handoff.services.faq_answers import FaqAnswers


def faq_file(path: Path, *ids: str) -> str:
    entries = "".join(
        f"  - id: {faq_id}\n    questions:\n      - What about {faq_id}?\n"
        f"      - {faq_id}\n    answer: |\n      All about {faq_id}.\n"
        for faq_id in ids
    )
    path.write_text(f"faqs:\n{entries}")
    return str(path)


def test_answers_are_reread_only_when_a_file_changes(tmp_path: Path) -> None:
    path = faq_file(tmp_path / "faq.yml", "parking")
    answers = FaqAnswers([path])
    assert answers.refresh() is True
    assert answers.items == [
        {"id": "parking", "question": "What about parking?", "answer": "All about parking."}
    ]
    assert answers.refresh() is False

    faq_file(tmp_path / "faq.yml", "parking", "opening_hours")
    assert answers.refresh() is True
    assert [item["id"] for item in answers.items] == ["parking", "opening_hours"]


def test_a_broken_or_missing_file_keeps_its_last_good_answers(tmp_path: Path) -> None:
    path = faq_file(tmp_path / "faq.yml", "parking")
    answers = FaqAnswers([path, str(tmp_path / "missing.yml")])
    answers.refresh()
    Path(path).write_text("faqs:\n  - id: parking\n    questions: [")  # saved half-way
    assert answers.refresh() is False
    assert [item["id"] for item in answers.items] == ["parking"]
