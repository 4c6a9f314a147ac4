"""A trained model loads its FAQ index from the archive instead of re-embedding FAQs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.faq import FaqIndex


def test_loaded_model_answers_without_rebuilding_the_index(
    trained_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rasa.core.agent import Agent

    def forbidden(*args: object, **kwargs: object) -> FaqIndex:
        raise AssertionError("the FAQ index was rebuilt at load time")

    monkeypatch.setattr(FaqIndex, "build", classmethod(forbidden))
    agent = Agent.load(str(trained_model))
    parsed = asyncio.run(agent.parse_message("I forgot my password"))
    assert parsed["faq"]["answer_id"] == "reset_password"
    assert parsed["intent"]["name"] == "faq"
    assert parsed["faq"]["ranking"][0]["confidence"] > parsed["faq"]["threshold"]
    # The archive holds each FAQ's answer: the decision weighed how close it is.
    assert parsed["faq"]["ranking"][0]["novelty"] == 0.0
    assert parsed["faq"]["ranking"][0]["answer_similarity"] > 0.5
