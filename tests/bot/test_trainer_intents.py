"""The trainer's path: new intents with ten examples, a rule and a multi-turn story, added to a
copy of the bot's data and trained there, work next to the FAQs in the real Rasa server,
action server and gateway; the training report points at what a trainer should fix.
"""

from __future__ import annotations

import json
import shutil
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from bot.signals import ANSWER, HANDOFF
from bot.training_report import Example, build_report, format_report, report_for
from devstack.clients import Customer
from devstack.gateways import GatewayProcess
from devstack.servers import RasaStack, RedisServer
from tests.bot.test_assistant import say, signal, texts
from tests.support.bot_copy import copy_bot, train_copy

ROOT = Path(__file__).resolve().parents[2]
TRAINER_DATA = Path(__file__).parent / "trainer_data"
UNSEEN: dict[str, list[str]] = yaml.safe_load((TRAINER_DATA / "unseen.yml").read_text())


@pytest.fixture(scope="module")
def trainer_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bot's config, domain and data plus the trainer's files, in a directory of its own."""
    copy = copy_bot(tmp_path_factory.mktemp("trainer-bot"))
    shutil.copy(TRAINER_DATA / "domain.yml", copy / "domain" / "trainer.yml")
    (copy / "data" / "trainer").mkdir()
    for name in ("nlu.yml", "rules.yml", "stories.yml"):
        shutil.copy(TRAINER_DATA / name, copy / "data" / "trainer" / name)
    return copy


@pytest.fixture(scope="module")
def trainer_model(trainer_copy: Path) -> Path:
    return train_copy(trainer_copy)


@pytest.fixture(scope="module")
def trainer_stack(trainer_model: Path, redis_server: RedisServer) -> Iterator[RasaStack]:
    stack = RasaStack(trainer_model, redis_server, workers=1)
    yield stack
    stack.stop()


def parse(stack: RasaStack, text: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{stack.rasa_url}/model/parse?token={stack.token}",
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        parsed: dict[str, Any] = json.load(response)
    return parsed


def test_new_intents_are_recognised_on_unseen_phrasings(trainer_stack: RasaStack) -> None:
    asked = [(text, intent) for intent, phrasings in UNSEEN.items() for text in phrasings]
    missed = [
        (text, intent, parsed["intent"])
        for text, intent in asked
        if (parsed := parse(trainer_stack, text))["intent"]["name"] != intent
    ]
    assert len(missed) <= 0.1 * len(asked), missed


def test_a_multi_turn_story_runs_through_the_action_server(trainer_stack: RasaStack) -> None:
    customer = uuid.uuid4().hex
    assert "Shall I send you the download link?" in texts(
        say(trainer_stack, "have you got a mobile app", customer)
    )
    assert "northwind.example/app" in texts(say(trainer_stack, "yes please", customer))

    customer = uuid.uuid4().hex
    say(trainer_stack, "is there an app for android", customer)
    declined = say(trainer_stack, "no thanks", customer)
    assert "If anything else comes up" in texts(declined)


async def test_the_story_reaches_a_customer_through_the_gateway(
    trainer_stack: RasaStack, redis_server: RedisServer
) -> None:
    gateway = GatewayProcess(
        redis_server, f"test-{uuid.uuid4().hex[:10]}:", trainer_stack.rasa_url, bot_timeout_s=30
    )
    customer = await Customer.connect(gateway.url)
    try:
        await customer.start_session()
        await customer.say("is there an app for android")
        await customer.bot_message(lambda m: "download link" in m["text"], timeout=30)
        mark = customer.mark()
        await customer.say("yes")
        await customer.bot_message(
            lambda m: "northwind.example/app" in m["text"], after=mark, timeout=30
        )
    finally:
        await customer.disconnect()
        gateway.stop()


def test_talk_to_a_person_wins_in_the_middle_of_a_story(trainer_stack: RasaStack) -> None:
    customer = uuid.uuid4().hex
    say(trainer_stack, "do you have an app", customer)
    handed_off = signal(say(trainer_stack, "I want to talk to a real person", customer), HANDOFF)
    assert handed_off is not None and handed_off["reason"] == "customer_request"


def test_faqs_are_still_answered_next_to_the_new_intents(trainer_stack: RasaStack) -> None:
    answered = signal(say(trainer_stack, "i cant remember my password"), ANSWER)
    assert answered is not None and answered["faq_id"] == "reset_password"


def test_the_training_report_has_figures_for_the_new_intents(trainer_copy: Path) -> None:
    report = report_for(trainer_copy / "config.yml", trainer_copy / "domain", trainer_copy / "data")
    for intent in UNSEEN:
        assert report.figures[intent].examples == 10
        assert intent not in report.too_few
    assert "ask_mobile_app" in format_report(report, per_intent=True)


def test_the_report_names_a_thin_intent_and_its_collision_with_an_faq() -> None:
    from bot.faq.embedder import DEFAULT_MODEL, load_encoder

    examples = [
        Example("How do I reset my password?", "faq/reset_password"),
        Example("I forgot my password", "faq/reset_password"),
        Example("where is my parcel", "faq/track_order"),
        Example("has my order shipped", "faq/track_order"),
        Example("how do I reset my password?", "password_help"),
        Example("help with my password", "password_help"),
        Example("hello", "greet"),
        Example("hi there", "greet"),
    ]
    vectors = load_encoder(DEFAULT_MODEL).encode([e.text for e in examples])
    report = build_report(examples, vectors, regularisation=1000.0, fallback=(0.5, 0.05))
    assert report.too_few == {"password_help": 2, "greet": 2}
    assert [(c[0], c[2]) for c in report.collisions] == [
        ("how do I reset my password?", "reset_password")
    ]
    shown = format_report(report)
    assert "password_help: 2" in shown and "~ FAQ reset_password" in shown
