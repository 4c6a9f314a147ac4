"""Training data a person reviews before the bot learns it: an FAQ entry, or an intent.

Insight clusters and the answers agents mark as good both end here, so a trainer gets the
same YAML from either and pastes it into `bot/data/` (docs/trainers.md).

    draft = SuggestedFaq(faq_id("Do you gift wrap?"), ["Do you gift wrap?"], "Yes, ...")
    print(faq_yaml(draft))      # a `faqs:` file with one entry, ready for bot/data/
    print(intent_yaml(draft))   # an NLU block and a story stub, then the domain part
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

import yaml

from bot.faq.catalog import FAQ_ID_PATTERN

RASA_DATA_VERSION = "3.1"
_MAX_ID_WORDS = 5
# Words that do not tell one question from another; an id is made of the others.
_FILLER_WORDS = """a about an and any are asap at can could do does for get good hello hey hi how
i i'm im is it know me morning my need of offer on or please question quick sorry tell thanks
thank the there to want what when where which why will with would you your"""
_FILLER = frozenset(_FILLER_WORDS.split())


@dataclass(frozen=True)
class SuggestedFaq:
    """A draft FAQ: an id, the customers' questions as its variants, an answer to review."""

    id: str
    questions: tuple[str, ...]
    answer: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "questions": list(self.questions), "answer": self.answer}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> SuggestedFaq:
        """An (edited) draft as the console sends it back; ValueError says what is wrong."""
        draft_id, questions, answer = raw.get("id"), raw.get("questions"), raw.get("answer")
        if not isinstance(draft_id, str) or not FAQ_ID_PATTERN.match(draft_id):
            raise ValueError("id: lower-case letters, digits and underscores")
        if not isinstance(questions, list) or not questions:
            raise ValueError("questions: a non-empty list of texts")
        texts = tuple(q.strip() for q in questions if isinstance(q, str) and q.strip())
        if len(texts) != len(questions):
            raise ValueError("questions: every question is a non-empty text")
        if not isinstance(answer, str) or not answer.strip():
            raise ValueError("answer: a non-empty text")
        return cls(draft_id, texts, answer.strip())


def faq_id(text: str, taken: Sequence[str] = ()) -> str:
    """An FAQ id from a question's telling words ("Do you gift wrap?" -> "gift_wrap"),
    made unique against `taken` with a number."""
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _FILLER]
    base = "_".join(words[:_MAX_ID_WORDS]) or "question"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}_{number}", number + 1
    return candidate


def faq_yaml(draft: SuggestedFaq) -> str:
    """A `faqs:` file with the one entry (bot/data/ reads every such file)."""
    return faqs_yaml([draft])


def faqs_yaml(drafts: Sequence[SuggestedFaq]) -> str:
    """A `faqs:` file with these entries, in this order."""
    return _dump({"faqs": [draft.as_dict() for draft in drafts]})


def intent_yaml(draft: SuggestedFaq) -> str:
    """The intent's NLU examples and a story stub, then (second document) its domain part:
    the intent and an `utter_` response with the draft answer."""
    response = f"utter_{draft.id}"
    data = {
        "version": RASA_DATA_VERSION,
        "nlu": [{"intent": draft.id, "examples": _examples(draft.questions)}],
        "stories": [
            {
                "story": draft.id,
                "steps": [{"intent": draft.id}, {"action": response}],
            }
        ],
    }
    domain = {
        "intents": [draft.id],
        "responses": {response: [{"text": draft.answer}]},
    }
    return (
        "# bot/data/: NLU examples and a story stub\n"
        + _dump(data)
        + "---\n# domain.yml: the intent and its response\n"
        + _dump(domain)
    )


def _examples(questions: Sequence[str]) -> str:
    return "".join(f"- {' '.join(question.split())}\n" for question in questions)


class _Dumper(yaml.SafeDumper):
    """Block style with indented lists (as in bot/data/), keys in the order given,
    multi-line texts as `|` blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _text)


def _dump(document: dict[str, Any]) -> str:
    return yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000, indent=2
    )
