"""Insights in-process: a period's conversations and bulk reads over the test Redis, the
counts of a period, clustering (with a keyword encoder standing in for the model; the
real one is exercised in tests/gateway/test_insights.py) and the exported YAML."""

from __future__ import annotations

import time
from typing import Sequence

import numpy as np
import pytest
import yaml
from redis.asyncio import Redis

from bot.faq.catalog import parse_catalog
from handoff.insights.clustering import cluster_questions
from handoff.insights.export import SuggestedFaq, faq_id, faq_yaml, intent_yaml
from handoff.insights.period import parse_since
from handoff.insights.suggestions import representative_reply
from handoff.insights.tally import HandedOffQuestion, Tally
from handoff.protocol import Entry, EntryEvent, HandoffReason
from handoff.protocol.entries import (
    agent_message,
    bot_message,
    customer_message,
    late,
    system_event,
)
from handoff.settings import Settings
from handoff.stores import Stores


def _at(*entries: Entry, start: float = 1000.0) -> list[Entry]:
    for offset, entry in enumerate(entries):
        entry["ts"] = start + offset * 10
    return list(entries)


def _faq_answer(faq: str) -> Entry:
    entry = bot_message(text="Here is how.")
    entry["faq_id"], entry["faq_confidence"] = faq, 0.9
    return entry


def _handoff(reason: HandoffReason, text: str, **details: str) -> Entry:
    return system_event(EntryEvent.HANDOFF, text="queued", reason=reason, trigger=text, **details)


async def test_conversations_are_indexed_by_creation_and_read_in_bulk(
    redis: Redis, prefix: str
) -> None:
    stores = Stores.connect(redis, Settings(redis_prefix=prefix))
    before = time.time()
    for conversation_id in ("c1", "c2"):
        await stores.conversations.create(conversation_id)
        await stores.conversations.append(conversation_id, [customer_message("hi")])
    await stores.conversations.append("c2", [bot_message(text="hello\nthere")])
    ids = await stores.inbox.started_between(before - 1, time.time() + 1)
    assert ids == ["c1", "c2"]
    assert await stores.inbox.started_between(0, before - 1) == []
    assert await stores.transcripts.read_many([*ids, "gone"]) == [
        await stores.transcripts.read("c1"),
        await stores.transcripts.read("c2"),
        [],
    ]


def test_a_tally_counts_containment_waits_ratings_and_faqs() -> None:
    tally = Tally()
    tally.add("bot-only", _at(customer_message("reset password?"), _faq_answer("reset_password")))
    tally.add(
        "rejected",
        _at(
            customer_message("track it"),
            _faq_answer("track_order"),
            customer_message("/faq_rejected"),
            _handoff(HandoffReason.FAQ_REJECTED, "track it", faq_id="track_order"),
            system_event(EntryEvent.CLAIMED, text="Ada joined."),
            agent_message("Look in the shipping email.", "ada", "Ada"),
            system_event(EntryEvent.RESOLVED, text="resolved"),
            agent_message("(after resolving: not an answer)", "ada", "Ada"),
            system_event(EntryEvent.RATING, text="thanks", score=2),
        ),
    )
    tally.add(
        "waiting",
        _at(
            customer_message("do you rent cameras"),
            late(_faq_answer("pay_later")),
            _handoff(HandoffReason.LOW_CONFIDENCE, "do you rent cameras"),
        ),
    )
    tally.add("no message", _at(bot_message(text="Hi! How can I help?")))
    assert (tally.conversations, tally.contained, tally.unclaimed) == (3, 1, 1)
    assert tally.handoffs_by_reason == {"faq_rejected": 1, "low_confidence": 1}
    assert tally.waits_s == [10.0] and tally.ratings == [2]
    assert tally.faq_hits == {"reset_password": 1, "track_order": 1}
    assert tally.faq_rejections == {"track_order": 1}
    assert [(q.text, q.agent_replies) for q in tally.questions] == [
        ("track it", ["Look in the shipping email."]),
        ("do you rent cameras", []),
    ]


class KeywordEncoder:
    """Unit vectors by the first known keyword of a text: a stand-in for the model."""

    KEYWORDS = ("dog", "wrap", "park")
    dimension = 4

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            hits = [i for i, word in enumerate(self.KEYWORDS) if word in text.lower()]
            vectors[row, hits[0] if hits else 3] = 1.0
        return vectors


def _questions(*texts: str) -> list[HandedOffQuestion]:
    return [HandedOffQuestion(text, "low_confidence", f"c{n}") for n, text in enumerate(texts)]


def test_questions_cluster_by_meaning_largest_first_with_stable_ids() -> None:
    questions = _questions(
        "Can I bring my dog?",
        "can I bring my  DOG",
        "dogs allowed in store?",
        "do you gift wrap",
        "wrapping paper available?",
        "where do I park",
    )
    clusters, left_out = cluster_questions(questions, KeywordEncoder(), 0.6, 100)
    assert [(c.size, c.texts) for c in clusters] == [
        (3, ("Can I bring my dog?", "dogs allowed in store?")),
        (2, ("do you gift wrap", "wrapping paper available?")),
    ]
    assert left_out == 1  # "where do I park": asked once
    again, _ = cluster_questions(questions[::-1], KeywordEncoder(), 0.6, 100)
    assert [c.id for c in again] == [c.id for c in clusters]
    capped, left_out = cluster_questions(questions, KeywordEncoder(), 0.6, 1)
    assert [c.size for c in capped] == [2] and left_out == 4


def test_the_draft_answer_is_the_reply_agents_kept_giving() -> None:
    replies = [
        "Hello, let me check.",
        "Yes, dogs on a lead are welcome in our stores.",
        "Dogs on a lead are welcome in every store.",
    ]
    assert representative_reply(replies) == replies[1]
    assert representative_reply([]) == ""


def test_an_exported_faq_is_a_valid_faq_file_and_an_intent_two_documents() -> None:
    draft = SuggestedFaq(
        faq_id("Hi, can I bring my dog?", taken=["bring_dog"]),
        ("Hi, can I bring my dog?", "dogs: allowed?"),
        "Yes.\nOn a lead.",
    )
    assert draft.id == "bring_dog_2"
    (faq,) = parse_catalog(yaml.safe_load(faq_yaml(draft)))
    assert (faq.id, faq.questions, faq.answer.strip()) == (draft.id, draft.questions, draft.answer)
    data, domain = yaml.safe_load_all(intent_yaml(draft))
    assert data["nlu"][0]["examples"] == "- Hi, can I bring my dog?\n- dogs: allowed?\n"
    assert data["stories"][0]["steps"] == [{"intent": draft.id}, {"action": f"utter_{draft.id}"}]
    assert domain == {
        "intents": [draft.id],
        "responses": {f"utter_{draft.id}": [{"text": "Yes.\nOn a lead."}]},
    }
    assert SuggestedFaq.from_dict(draft.as_dict()) == draft
    for broken in (
        {"id": "Bad Id"},
        {"id": "ok", "questions": []},
        {"id": "ok", "answer": " "},
    ):
        with pytest.raises(ValueError):
            SuggestedFaq.from_dict({"questions": ["q"], "answer": "a", **broken})


def test_a_period_is_written_as_people_write_it() -> None:
    assert parse_since("7d", now=1_000_000.0) == 1_000_000.0 - 7 * 86400
    assert parse_since("90m", now=10_000.0) == 10_000.0 - 5400
    assert parse_since("1970-01-02", now=0) == 86400
    with pytest.raises(ValueError, match="7d"):
        parse_since("last week", now=0)
