"""The agents' canned answers: ranked by meaning with the bot's own sentence encoder (an
agent typing "return" gets the return answers first, not the first FAQ that mentions the
word), following the FAQ files as trainers change them, never emptied by a half-saved file."""

from __future__ import annotations

from pathlib import Path

from handoff.services.faq_answers import FaqAnswers, FaqFiles

FAQS = """faqs:
  - id: change_order
    questions:
      - Can I change my order?
      - modify my order after placing it
    answer: You can change an order until it is packed; after that, return it.
  - id: return_policy
    questions:
      - What is your return policy?
      - how long do I have to send something back
    answer: You have 30 days to return any product in its original condition.
  - id: how_to_return
    questions:
      - How do I return an item?
      - I want to send my purchase back
    answer: Print the return label from your account and drop the parcel at a pickup point.
  - id: opening_hours
    questions:
      - When are you open?
    answer: Every day from 8 to 20.
"""


def answers_of(*paths: Path) -> FaqAnswers:
    files = FaqFiles([str(path) for path in paths])
    files.refresh()
    return files.current


def faq_file(path: Path, *ids: str) -> Path:
    entries = "".join(
        f"  - id: {faq_id}\n    questions:\n      - What about {faq_id}?\n"
        f"      - {faq_id}\n    answer: |\n      All about {faq_id}.\n"
        for faq_id in ids
    )
    path.write_text(f"faqs:\n{entries}")
    return path


async def test_answers_come_best_first_by_meaning(tmp_path: Path) -> None:
    faq = tmp_path / "faq.yml"
    faq.write_text(FAQS)
    answers = answers_of(faq)
    assert answers.listed[0]["id"] == "change_order"  # file order
    ranked = await answers.ranked("return")
    assert {item["id"] for item in ranked[:2]} == {"return_policy", "how_to_return"}
    assert ranked[-1]["id"] == "opening_hours"
    scores = [item["score"] for item in ranked]
    assert scores == sorted(scores, reverse=True)
    assert (await answers.ranked("what time do you open"))[0]["id"] == "opening_hours"


async def test_no_faq_file_ranks_nothing(tmp_path: Path) -> None:
    answers = answers_of(tmp_path / "missing.yml")
    assert answers.listed == [] and await answers.ranked("return") == []


def test_answers_are_reread_only_when_a_file_changes(tmp_path: Path) -> None:
    path = faq_file(tmp_path / "faq.yml", "parking")
    files = FaqFiles([str(path)])
    assert files.refresh() is True
    assert files.current.listed == [
        {"id": "parking", "question": "What about parking?", "answer": "All about parking."}
    ]
    assert files.refresh() is False

    faq_file(path, "parking", "opening_hours")
    assert files.refresh() is True
    assert [item["id"] for item in files.current.listed] == ["parking", "opening_hours"]


def test_a_broken_or_missing_file_keeps_its_last_good_answers(tmp_path: Path) -> None:
    path = faq_file(tmp_path / "faq.yml", "parking")
    files = FaqFiles([str(path), str(tmp_path / "missing.yml")])
    files.refresh()
    path.write_text("faqs:\n  - id: parking\n    questions: [")  # saved half-way
    assert files.refresh() is False
    assert [item["id"] for item in files.current.listed] == ["parking"]
