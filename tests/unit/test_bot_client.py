"""Rasa's REST replies as entries and signals; every failure of Rasa as BotUnavailable."""

from __future__ import annotations

import pytest

from bot.signals import HandoffReason, answer_signal, handoff_signal
from handoff.bot_client import BotUnavailable, RasaClient, parse_bot_reply
from tests.support.fake_rasa import FakeRasa


def test_rasa_reply_parsing() -> None:
    reply = parse_bot_reply(
        [
            {"recipient_id": "c", "text": "A\n\nB", "buttons": [{"title": "Yes", "payload": "/y"}]},
            {"recipient_id": "c", "custom": answer_signal("returns", 0.9712345)},
            {"recipient_id": "c", "image": "https://x/y.png"},
            {"recipient_id": "c", "attachment": {"type": "template", "payload": {}}},
            {"recipient_id": "c", "custom": {"kind": "card"}},
            {"recipient_id": "c", "custom": handoff_signal(HandoffReason.LOW_CONFIDENCE, 0.3)},
        ]
    )
    texts = [e.get("text") for e in reply.entries]
    assert texts == ["A", "B", None, None, None]
    assert reply.entries[1]["quick_replies"] == [
        {"content_type": "text", "title": "Yes", "payload": "/y"}
    ]
    assert (reply.entries[1]["faq_id"], reply.entries[1]["faq_confidence"]) == ("returns", 0.9712)
    assert reply.entries[2]["attachment"] == {
        "type": "image",
        "payload": {"src": "https://x/y.png"},
    }
    assert reply.entries[4]["custom"] == {"kind": "card"}
    assert reply.handoff is not None and reply.handoff["reason"] == "low_confidence"


async def test_rasa_client_failures_become_bot_unavailable() -> None:
    async with FakeRasa() as rasa:
        client = RasaClient(rasa.url, timeout_s=0.5)
        assert (await client.send("c", "hi"))[0]["text"] == "You said: hi"
        rasa.status = 502
        with pytest.raises(BotUnavailable):
            await client.send("c", "hi")
        rasa.status, rasa.delay = 200, 1.0
        with pytest.raises(BotUnavailable):
            await client.send("c", "hi")
        rasa.delay, rasa.replies = 0.0, lambda sender, text: []  # a custom action failed
        with pytest.raises(BotUnavailable, match="answered nothing"):
            await client.send("c", "hi")
        await client.close()
    down = RasaClient(rasa.url, timeout_s=0.5)
    with pytest.raises(BotUnavailable):
        await down.send("c", "hi")
    await down.close()
