"""The trained assistant behind the real Rasa server and action server, over REST."""

from __future__ import annotations

import json
import tarfile
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import redis

from bot.signals import ANSWER, HANDOFF, SIGNAL_KEY
from devstack.servers import RasaStack, RedisServer


def say(stack: RasaStack, text: str, sender: str | None = None) -> list[dict[str, Any]]:
    body = json.dumps({"sender": sender or uuid.uuid4().hex, "message": text}).encode()
    request = urllib.request.Request(
        stack.webhook_url, data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return list(json.load(response))


def signal(messages: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    customs = [m["custom"] for m in messages if isinstance(m.get("custom"), dict)]
    return next((c for c in customs if c.get(SIGNAL_KEY) == kind), None)


def texts(messages: list[dict[str, Any]]) -> str:
    return " ".join(m.get("text", "") for m in messages)


@pytest.mark.parametrize(
    ("question", "faq_id", "answer_fragment"),
    [
        ("How do I reset my password?", "reset_password", "Forgot password"),
        ("i cant remember my password", "reset_password", "Forgot password"),
        (
            "how long does it take to get my money back after a return",
            "refund_time",
            "working days",
        ),
        ("what payment methods do you take", "payment_methods", "PayPal"),
    ],
)
def test_faq_questions_and_paraphrases_get_the_answer(
    rasa_stack: RasaStack, question: str, faq_id: str, answer_fragment: str
) -> None:
    messages = say(rasa_stack, question)
    assert answer_fragment in texts(messages)
    answered = signal(messages, ANSWER)
    assert answered is not None and answered["faq_id"] == faq_id
    assert signal(messages, HANDOFF) is None


def test_concurrent_conversations_each_get_their_own_answer(rasa_stack: RasaStack) -> None:
    """Messages arriving together are embedded in one batch; no answer may change hands."""
    asked = {
        "How do I reset my password?": "reset_password",
        "what payment methods do you take": "payment_methods",
        "how long does it take to get my money back after a return": "refund_time",
    }
    questions = list(asked) * 4
    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        replies = list(pool.map(lambda question: say(rasa_stack, question), questions))
    for question, messages in zip(questions, replies, strict=True):
        answered = signal(messages, ANSWER)
        assert answered is not None and answered["faq_id"] == asked[question], question


def test_every_worker_keeps_the_conversation_in_redis(
    rasa_stack: RasaStack, redis_server: RedisServer
) -> None:
    """Every turn of a conversation lands in one Redis tracker, whichever worker served it."""
    sender = uuid.uuid4().hex
    questions = ["hello", "How do I reset my password?", "what payment methods do you take"]
    for question in questions:
        say(rasa_stack, question, sender)
    stored = redis.Redis(host=redis_server.host, port=redis_server.port).get(
        f"rasa:tracker:{sender}"
    )
    assert stored is not None
    events = json.loads(stored)["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == questions
    assert rasa_stack.workers >= 2


@pytest.mark.parametrize(
    "request_text", ["I want to talk to a real person", "agent please", "this bot is useless"]
)
def test_asking_for_a_human_hands_off_with_customer_request(
    rasa_stack: RasaStack, request_text: str
) -> None:
    messages = say(rasa_stack, request_text)
    handoff = signal(messages, HANDOFF)
    assert handoff is not None and handoff["reason"] == "customer_request"
    assert "person" in texts(messages)


def test_unanswerable_question_hands_off_with_low_confidence_and_its_value(
    rasa_stack: RasaStack,
) -> None:
    messages = say(rasa_stack, "Can I rent a lawn mower from your warehouse for the weekend?")
    handoff = signal(messages, HANDOFF)
    assert handoff is not None and handoff["reason"] == "low_confidence"
    assert isinstance(handoff["confidence"], float) and 0 < handoff["confidence"] < 0.75
    assert handoff["text"].startswith("Can I rent a lawn mower")


def test_two_fallbacks_in_a_row_hand_off(rasa_stack: RasaStack) -> None:
    sender = uuid.uuid4().hex
    first = say(rasa_stack, "tell me a joke", sender)
    assert signal(first, HANDOFF) is None
    assert "rephrase" in texts(first)
    second = say(rasa_stack, "what's the weather in Paris", sender)
    handoff = signal(second, HANDOFF)
    assert handoff is not None and handoff["reason"] == "repeated_fallback"


@pytest.mark.parametrize(
    "awkward",
    [
        "",
        "   ",
        "x" * 10_000,
        "\x00\x01\x02\xff\ufffd binary \x7f",
        "¿Dónde está mi pedido?",
        "我的包裹在哪里",
        "<script>alert(1)</script>",
    ],
)
def test_awkward_input_gets_a_reply_or_a_handoff(rasa_stack: RasaStack, awkward: str) -> None:
    messages = say(rasa_stack, awkward)
    assert messages, "the assistant must answer something"
    assert texts(messages).strip() or signal(messages, HANDOFF) is not None


def test_model_archive_holds_the_faiss_index(trained_model: Path) -> None:
    with tarfile.open(trained_model) as archive:
        names = archive.getnames()
    assert any(name.endswith("faq.faiss") for name in names)
    assert any(name.endswith("faq_meta.json") for name in names)
