"""Canned answers ranked by meaning with the bot's own sentence encoder: an agent typing
"return" gets the return answers first, not the first FAQ that mentions the word."""

from __future__ import annotations

from pathlib import Path

from handoff.services.faq_answers import FaqAnswers

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


async def test_answers_come_best_first_by_meaning(tmp_path: Path) -> None:
    faq = tmp_path / "faq.yml"
    faq.write_text(FAQS)
    answers = FaqAnswers.load([str(faq)])
    assert answers.listed[0]["id"] == "change_order"  # file order
    ranked = await answers.ranked("return")
    assert {item["id"] for item in ranked[:2]} == {"return_policy", "how_to_return"}
    assert ranked[-1]["id"] == "opening_hours"
    scores = [item["score"] for item in ranked]
    assert scores == sorted(scores, reverse=True)
    assert (await answers.ranked("what time do you open"))[0]["id"] == "opening_hours"


async def test_no_faq_file_ranks_nothing(tmp_path: Path) -> None:
    answers = FaqAnswers.load([str(tmp_path / "missing.yml")])
    assert answers.listed == [] and await answers.ranked("return") == []
