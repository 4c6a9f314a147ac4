"""Live reload: a model trained with a new FAQ is served by every Rasa worker while customers
keep talking through the gateway, and none of their messages is lost, answered twice or
answered out of order.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from rasa.core.agent import Agent

from bot.served_model import POINTER_NAME, publish
from devstack.clients import Customer, eventually
from devstack.gateways import GatewayProcess
from devstack.servers import RasaStack, RedisServer
from tests.support.bot_copy import copy_bot, train_copy

ROOT = Path(__file__).resolve().parents[2]
NEW_FAQ = {
    "id": "mobile_app",
    "questions": [
        "Do you have a mobile app?",
        "is there a Northwind app for iPhone",
        "can I download your app on android",
        "where can I get the mobile app",
        "does the app work on tablets",
        "is there a shopping app",
        "do you have an app for my phone",
        "what's the name of your app",
        "can I shop from an app instead of the website",
        "is the Northwind app free",
    ],
    "answer": "Yes - search for 'Northwind Shop' in your phone's app store; the app is free.",
}
NEW_ANSWER = "Northwind Shop"
NEW_QUESTION = "is there an app I can install on my phone"
# FAQs of the served model, asked round and round while the model changes underneath.
QUESTIONS = [
    "How do I reset my password?",
    "what payment methods do you take",
    "how long does it take to get my money back after a return",
]
CONVERSATIONS = 4
TURNS_AFTER_SWITCH = 2
# sha256 of `Agent.load_model` in Rasa 3.6.21, whose two halves bot/model_reload.py runs.
LOAD_MODEL_SHA256 = "f4c1ab4c5c7af6349384fc0a2d3a1cffdc5f277f08378d07fd0cd247cd4d5fa7"


@pytest.fixture(scope="module")
def model_with_new_faq(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bot's files with one FAQ more, trained as `make train` would."""
    copy = copy_bot(tmp_path_factory.mktemp("bot-with-new-faq"))
    faq_file = copy / "data" / "faq.yml"
    document = yaml.safe_load(faq_file.read_text())
    document["faqs"].append(NEW_FAQ)
    # As trainers.md says: a question the bot now answers leaves the `unanswerable:` list.
    document["unanswerable"].remove("do you have a mobile app")
    faq_file.write_text(yaml.safe_dump(document, sort_keys=False))
    return train_copy(copy)


@pytest.fixture
def following_stack(
    trained_model: Path, redis_server: RedisServer, tmp_path: Path
) -> Iterator[RasaStack]:
    """Rasa as `make run` starts it: several workers, following $RUN_DIR/model.path."""
    publish(trained_model, tmp_path / POINTER_NAME)
    stack = RasaStack(trained_model, redis_server, workers=2, run_dir=tmp_path)
    yield stack
    stack.stop()


def workers_serving(stack: RasaStack, model: Path, log_from: int) -> set[str]:
    """The workers (by pid) that logged switching to `model` since `log_from`."""
    log = stack.rasa_log.read_text(errors="replace")[log_from:]
    return set(re.findall(rf"worker (\d+): now serves {re.escape(model.name)}", log))


async def converse(customer: Customer, switched: asyncio.Event) -> list[str]:
    """Ask, wait for the bot's answer, ask again: until a few turns after the switch."""
    asked: list[str] = []
    turns_after_switch = 0
    while turns_after_switch < TURNS_AFTER_SWITCH:
        if switched.is_set():
            turns_after_switch += 1
        question = QUESTIONS[len(asked) % len(QUESTIONS)]
        mark = customer.mark()
        await customer.say(question)
        asked.append(question)
        await customer.bot_message(after=mark, timeout=30)
    return asked


async def ask_once(gateway: GatewayProcess, text: str) -> dict[str, Any]:
    customer = await Customer.connect(gateway.url)
    await customer.start_session()
    await customer.say(text)
    reply = await customer.bot_message(timeout=30)
    await customer.disconnect()
    return reply


async def test_every_worker_switches_to_the_new_model_and_no_message_is_lost(
    following_stack: RasaStack,
    model_with_new_faq: Path,
    redis_server: RedisServer,
    prefix: str,
    tmp_path: Path,
) -> None:
    stack = following_stack
    gateway = GatewayProcess(redis_server, prefix, stack.rasa_url, bot_timeout_s=10)
    try:
        before = await ask_once(gateway, NEW_QUESTION)
        assert NEW_ANSWER not in before["text"]

        customers = [await Customer.connect(gateway.url) for _ in range(CONVERSATIONS)]
        for customer in customers:
            await customer.start_session()
        switched = asyncio.Event()
        talks = [asyncio.create_task(converse(customer, switched)) for customer in customers]
        log_from = len(stack.rasa_log.read_text(errors="replace"))
        publish(model_with_new_faq, tmp_path / POINTER_NAME)  # what `make train` does
        await eventually(
            lambda: len(workers_serving(stack, model_with_new_faq, log_from)) == stack.workers,
            timeout=120,
            what="every Rasa worker serving the new model",
        )
        switched.set()
        asked = await asyncio.gather(*talks)

        # Right after the switch, whichever worker takes the message knows the new FAQ.
        replies = await asyncio.gather(
            *(ask_once(gateway, NEW_QUESTION) for _ in range(3 * stack.workers))
        )
        assert all(NEW_ANSWER in reply["text"] for reply in replies), replies

        for customer, questions in zip(customers, asked, strict=True):
            again = await Customer.connect(gateway.url)
            session = await again.start_session(customer.token)
            roles = [message["role"] for message in session["history"]]
            said = [m["text"] for m in session["history"] if m["role"] == "customer"]
            assert said == questions  # every message recorded once, in order
            turns = "".join("q" if role == "customer" else "a" for role in roles)
            assert re.fullmatch(r"(qa+)+", turns), turns  # each one answered by the bot
            assert {"customer", "bot"} == set(roles)  # no hand-off, no system message
            assert session["status"]["state"] == "bot"
            await again.disconnect()
            await customer.disconnect()
    finally:
        gateway.stop()


def test_the_swap_still_does_what_rasas_load_model_does() -> None:
    """`build_processor` and `install` split Rasa's `Agent.load_model` in two: if a Rasa
    upgrade changed it, carry the change into bot/model_reload.py, then pin the new hash."""
    source = inspect.getsource(Agent.load_model).encode()
    assert hashlib.sha256(source).hexdigest() == LOAD_MODEL_SHA256
