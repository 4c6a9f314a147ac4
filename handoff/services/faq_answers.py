"""The FAQ answers agents search as canned answers, read once from the bot's FAQ file(s).

answers = load_faq_answers(["bot/data/faq.yml"])
answers[0]  # {"id": "place_order", "question": "How do I place an order?", "answer": ...}
"""

from __future__ import annotations

import logging
from typing import Iterable

from bot.faq import FaqFileError, load_catalog

log = logging.getLogger("handoff.gateway")


def load_faq_answers(paths: Iterable[str]) -> list[dict[str, str]]:
    """`{"id", "question", "answer"}` per FAQ (the first question variant is the question).

    A missing or broken file is logged and skipped: the console then offers only its
    built-in phrases, and the gateway still starts.
    """
    answers: list[dict[str, str]] = []
    seen: set[str] = set()
    for path in paths:
        try:
            faqs = load_catalog(path)
        except FaqFileError as error:
            log.warning("FAQ answers not loaded: %s", error)
            continue
        for faq in faqs:
            if faq.id in seen:
                continue
            seen.add(faq.id)
            answers.append(
                {"id": faq.id, "question": faq.questions[0], "answer": faq.answer.strip()}
            )
        log.info("loaded %d FAQ answers from %s", len(faqs), path)
    return answers
