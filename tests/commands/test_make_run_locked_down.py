"""`make run` is locked down by default: no secret on any command line, Redis refuses
clients without its generated password, Rasa's REST webhook refuses anyone but the
gateway; and with all of that the bot still answers a customer through the gateway."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis

from devstack.clients import Customer
from tests.commands.stack import make_run, source_env

SECRETS = ("RASA_TOKEN", "GATEWAY_SECRET", "REDIS_PASSWORD", "RASA_CHANNEL_SECRET")


def _command_lines() -> list[str]:
    """Every process's command line on this machine, as `ps` shows it to anyone."""
    lines = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            lines.append(cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            continue  # ended meanwhile
    return lines


def _post(url: str, body: dict[str, str], headers: dict[str, str]) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as refused:
        return refused.code


async def _bot_answers(gateway: str) -> str:
    customer = await Customer.connect(gateway)
    await customer.start_session()
    await customer.say("How do I reset my password?")
    answer = await customer.bot_message(lambda data: data.get("role") == "bot", timeout=60)
    await customer.disconnect()
    return str(answer["text"])


def test_make_run_keeps_its_secrets_and_its_services_to_itself(
    trained_model: Path, tmp_path: Path
) -> None:
    with make_run(tmp_path) as run:
        secrets = {name: source_env(run.run_dir)[name] for name in SECRETS}
        shown = [line for line in _command_lines() for value in secrets.values() if value in line]
        assert shown == []
        for written in ("supervisord.conf", "redis/redis.conf", "secrets.env"):
            assert (run.run_dir / written).stat().st_mode & 0o077 == 0  # the owner's alone
        supervised = (run.run_dir / "supervisord.conf").read_text()
        assert [name for name, value in secrets.items() if value in supervised] == []

        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=run.ports["REDIS"]).ping()
        assert redis.Redis(port=run.ports["REDIS"], password=secrets["REDIS_PASSWORD"]).ping()

        webhook = f"http://127.0.0.1:{run.ports['RASA']}/webhooks/rest/webhook"
        typed = {"sender": "attacker", "message": "/faq/reset_password"}
        assert _post(webhook, typed, {}) == 403
        assert _post(webhook, typed, {"X-Gateway-Secret": "guess"}) == 403
        answer = asyncio.run(_bot_answers(f"http://127.0.0.1:{run.ports['GATEWAY']}"))
        assert "password" in answer.lower()
