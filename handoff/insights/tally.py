"""One pass over a period's transcripts: the counts a report is made of.

Every figure comes from the entries the gateway records anyway (handoff/protocol/entries.py):
a conversation is one with at least one customer message; it is contained when it never
went to a person; a wait runs from a hand-off to the claim that follows it.

    tally = Tally()
    tally.add("c1", await stores.transcripts.read("c1"))
    tally.conversations, tally.handoffs_by_reason, tally.questions
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

from handoff.protocol import Entry, EntryEvent, HandoffReason, Role

# The hand-offs whose question the bot should learn to answer.
LEARNABLE_REASONS = frozenset({HandoffReason.LOW_CONFIDENCE, HandoffReason.FAQ_REJECTED})
# Events after which an agent's messages are no longer about the handed-off question.
_ANSWERED = frozenset({EntryEvent.RESOLVED, EntryEvent.CLOSED, EntryEvent.HANDOFF})


@dataclass
class HandedOffQuestion:
    """A question the bot gave to a person, and what agents replied until it was done."""

    text: str
    reason: str
    conversation_id: str
    faq_id: str | None = None
    agent_replies: list[str] = field(default_factory=list)


@dataclass
class Tally:
    """Running counts over conversations; `add` each conversation's entries once."""

    conversations: int = 0
    contained: int = 0
    handoffs_by_reason: Counter[str] = field(default_factory=Counter)
    waits_s: list[float] = field(default_factory=list)
    unclaimed: int = 0
    ratings: list[int] = field(default_factory=list)
    faq_hits: Counter[str] = field(default_factory=Counter)
    faq_rejections: Counter[str] = field(default_factory=Counter)
    questions: list[HandedOffQuestion] = field(default_factory=list)

    def add(self, conversation_id: str, entries: Sequence[Entry]) -> None:
        if not any(entry.get("role") == Role.CUSTOMER for entry in entries):
            return
        self.conversations += 1
        handed_off = False
        waiting_since: float | None = None
        question: HandedOffQuestion | None = None
        for entry in entries:
            role, event = entry.get("role"), entry.get("event")
            if role == Role.BOT and entry.get("faq_id") and not entry.get("late"):
                self.faq_hits[entry["faq_id"]] += 1
            elif role == Role.AGENT and question is not None:
                question.agent_replies.append(entry.get("text", ""))
            if event in _ANSWERED:
                question = None
            if event == EntryEvent.HANDOFF:
                handed_off = True
                if waiting_since is not None:
                    self.unclaimed += 1
                waiting_since = entry.get("ts")
                question = self._handoff(conversation_id, entry)
            elif event == EntryEvent.CLAIMED and waiting_since is not None:
                self.waits_s.append(max(entry.get("ts", waiting_since) - waiting_since, 0.0))
                waiting_since = None
            elif event == EntryEvent.RATING and isinstance(entry.get("score"), int):
                self.ratings.append(entry["score"])
        if waiting_since is not None:
            self.unclaimed += 1
        if not handed_off:
            self.contained += 1

    def _handoff(self, conversation_id: str, entry: Entry) -> HandedOffQuestion | None:
        """Count a hand-off; the question to learn from, if it is one."""
        reason = entry.get("reason", "")
        self.handoffs_by_reason[reason] += 1
        faq_id = entry.get("faq_id")
        if reason == HandoffReason.FAQ_REJECTED and faq_id:
            self.faq_rejections[faq_id] += 1
        text = (entry.get("trigger") or "").strip()
        if reason not in LEARNABLE_REASONS or not text:
            return None
        question = HandedOffQuestion(text, reason, conversation_id, faq_id)
        self.questions.append(question)
        return question
