"""The widget and the agent console in a real browser.

The journey: Redis, the trained bot (Rasa + action server) and a gateway process are
started here; then `node tests/browser/scenario.mjs` drives Debian's Chromium through the
whole customer + agent journey (see that file) and saves a screenshot of each step in
test-output/browser/journey/. The widget's edge cases run against a scripted fake gateway
(`node --test tests/browser/widget.test.mjs`, no servers needed).
Needs `scripts/setup.sh --browser` (chromium, and playwright-core in node_modules).
"""

from __future__ import annotations

import os
import subprocess

import pytest

from devstack.gateways import GatewayProcess
from tests.browser.conftest import AGENT, COLLEAGUE, HERE, OUTPUT, browser_tools, run_scenario


@pytest.mark.slow
def test_customer_and_agent_journey(gateway: GatewayProcess) -> None:
    output = run_scenario(
        "scenario.mjs",
        "journey",
        gateway.url,
        AGENT[0],
        AGENT[2],
        COLLEAGUE[0],
        COLLEAGUE[2],
        timeout=420,
    )
    assert list(output.glob("*-phone-360px-customer.png"))


def test_widget_against_fake_gateway() -> None:
    node = browser_tools()
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
