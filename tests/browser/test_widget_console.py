"""The widget and the agent console in a real browser.

The journey: Redis, the trained bot (Rasa + action server) and a gateway process are
started here; then `node tests/browser/scenario.mjs` drives Debian's Chromium through the
whole customer + agent journey (see that file) and saves a screenshot of each step in
test-output/browser/. The widget's edge cases run against a scripted fake gateway
(`node --test tests/browser/widget.test.mjs`, no servers needed).
Needs `scripts/setup.sh --browser` (chromium, and playwright-core in node_modules).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from devstack.gateways import GatewayProcess
from devstack.processes import ROOT
from devstack.servers import RasaStack, RedisServer

HERE = Path(__file__).resolve().parent
OUTPUT = ROOT / "test-output" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
AGENT = ("ada", "Ada Lovelace", "correct-horse-battery")
COLLEAGUE = ("bob", "Bob Marley", "another-password")


def _browser_tools() -> str:
    """The node binary; installs playwright-core (npm ci) when it is missing."""
    node = shutil.which("node")
    if node is None or not CHROMIUM.exists():
        pytest.fail("node and /usr/bin/chromium are needed: run scripts/setup.sh --browser")
    if not (HERE / "node_modules" / "playwright-core").is_dir():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=HERE, check=True, timeout=300
        )
    return node


def _warm_up(stack: RasaStack) -> None:
    """The first parse loads the sentence encoder; do it before the browser waits on it."""
    request = urllib.request.Request(
        stack.webhook_url,
        data=json.dumps({"sender": "warm-up", "message": "hello"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()


@pytest.fixture
def gateway(
    rasa_stack: RasaStack, redis_server: RedisServer, tmp_path: Path
) -> Iterator[GatewayProcess]:
    accounts = tmp_path / "agents.yml"  # JSON is YAML too
    accounts.write_text(
        json.dumps(
            {
                "agents": [
                    {"username": username, "name": name, "password": password}
                    for username, name, password in (AGENT, COLLEAGUE)
                ]
            }
        )
    )
    _warm_up(rasa_stack)
    process = GatewayProcess(
        redis_server,
        f"browser-{tmp_path.name}:",
        rasa_stack.rasa_url,
        bot_timeout_s=30,
        agent_grace_s=30,
        agents_file=str(accounts),
    )
    yield process
    process.stop()


@pytest.mark.slow
def test_customer_and_agent_journey(gateway: GatewayProcess) -> None:
    node = _browser_tools()
    shutil.rmtree(OUTPUT, ignore_errors=True)
    OUTPUT.mkdir(parents=True)
    result = subprocess.run(
        [
            node,
            str(HERE / "scenario.mjs"),
            gateway.url,
            str(OUTPUT),
            AGENT[0],
            AGENT[2],
            COLLEAGUE[0],
            COLLEAGUE[2],
        ],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=420,
    )
    (OUTPUT / "scenario.log").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, (
        f"browser scenario failed (screenshots and logs in {OUTPUT}):\n"
        f"{result.stdout}\n{result.stderr}"
    )
    assert list(OUTPUT.glob("*-phone-360px-customer.png"))


def test_widget_against_fake_gateway() -> None:
    node = _browser_tools()
    output = OUTPUT / "widget-unit"
    output.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [node, "--test", "--test-reporter=spec", str(HERE / "widget.test.mjs")],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "BROWSER_OUTPUT": str(output)},
    )
    (output / "node-test.log").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, f"widget tests failed:\n{result.stdout}\n{result.stderr}"
