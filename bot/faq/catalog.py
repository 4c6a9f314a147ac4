"""The FAQ file trainers edit (bot/data/faq.yml), parsed and checked entry by entry.

A broken file must stop `make train` with a message naming the file, the entry and the
problem, so a trainer can fix it without reading a stack trace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.faq.classifier import NO_FAQ

FAQ_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]*$")


class FaqFileError(ValueError):
    """The FAQ file cannot be used; the message names file, entry and problem."""

    def __init__(self, path: str | Path, entry: str, problem: str) -> None:
        self.path = str(path)
        self.entry = entry
        self.problem = problem
        super().__init__(f"{self.path}: {entry}: {problem}")


@dataclass(frozen=True)
class Faq:
    """One FAQ: its stable id, the question variants that ask it, and the answer."""

    id: str
    questions: tuple[str, ...]
    answer: str


def load_catalog(path: str | Path) -> list[Faq]:
    """Read and validate an FAQ file."""
    return load_faq_file(path)[0]


def load_faq_file(path: str | Path) -> tuple[list[Faq], list[str]]:
    """Read and validate an FAQ file: its FAQs and its `unanswerable:` questions."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise FaqFileError(path, "file", f"cannot be read ({error.strerror})") from error
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise FaqFileError(path, "file", f"is not valid YAML ({error})") from error
    return parse_catalog(document, path), parse_unanswerable(document, path)


def parse_catalog(document: Any, path: str | Path = "<faq>") -> list[Faq]:
    """Validate an already parsed FAQ document (`{"faqs": [...]}`)."""
    if not isinstance(document, dict) or "faqs" not in document:
        raise FaqFileError(path, "file", "needs a top-level 'faqs:' list")
    entries = document["faqs"]
    if not isinstance(entries, list) or not entries:
        raise FaqFileError(path, "faqs", "must be a non-empty list of FAQ entries")
    faqs: list[Faq] = []
    seen: dict[str, int] = {}
    for position, entry in enumerate(entries, start=1):
        faq = _parse_entry(entry, position, path)
        if faq.id == NO_FAQ:
            raise FaqFileError(path, _label(position, faq.id), "this id is reserved")
        if faq.id in seen:
            raise FaqFileError(
                path, _label(position, faq.id), f"duplicate id (first used by entry {seen[faq.id]})"
            )
        seen[faq.id] = position
        faqs.append(faq)
    return faqs


def parse_unanswerable(document: Any, path: str | Path = "<faq>") -> list[str]:
    """The `unanswerable:` questions: asked by customers, answered by no FAQ.

    They teach the FAQ classifier what such a question looks like, so it hands it to a
    person instead of answering with the nearest FAQ.
    """
    entries = document.get("unanswerable", []) if isinstance(document, dict) else []
    if not isinstance(entries, list):
        raise FaqFileError(path, "unanswerable", "must be a list of questions")
    questions: list[str] = []
    for number, question in enumerate(entries, start=1):
        if not isinstance(question, str) or not question.strip():
            raise FaqFileError(path, "unanswerable", f"question {number} must be non-empty text")
        questions.append(" ".join(question.split()))
    return questions


def is_faq_document(document: Any) -> bool:
    """Whether a parsed YAML file is an FAQ file (used to find them among training data)."""
    return isinstance(document, dict) and "faqs" in document


def _label(position: int, faq_id: object = None) -> str:
    return f"entry {position}" + (f" (id '{faq_id}')" if faq_id else "")


def _parse_entry(entry: Any, position: int, path: str | Path) -> Faq:
    if not isinstance(entry, dict):
        raise FaqFileError(path, _label(position), "must be a mapping with id, questions, answer")
    faq_id = entry.get("id")
    label = _label(position, faq_id)
    if not isinstance(faq_id, str) or not FAQ_ID_PATTERN.match(faq_id):
        raise FaqFileError(path, label, "'id' must be lower-case letters, digits and underscores")
    questions = entry.get("questions")
    if not isinstance(questions, list) or not questions:
        raise FaqFileError(path, label, "'questions' must be a non-empty list")
    cleaned: list[str] = []
    for number, question in enumerate(questions, start=1):
        if not isinstance(question, str) or not question.strip():
            raise FaqFileError(path, label, f"question {number} must be non-empty text")
        cleaned.append(" ".join(question.split()))
    answer = entry.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        raise FaqFileError(path, label, "'answer' must be non-empty text")
    return Faq(id=faq_id, questions=tuple(cleaned), answer=answer.strip())
