"""The agent's workspace in a real browser (`node tests/browser/console_workspace.mjs`): the
customer's context beside the chat, tab labels that say who and what, canned answers by
meaning with a preview and the "/" shortcut, a transcript that follows the chat, title and
desktop alerts, a rating with a comment, earlier conversations of the same email, the
customer panel behind a "Customer" button below 900 px, the inbox's search and filters;
axe-core on every console state it visits (a summary line per state at the end of
scenario.log). Screenshots in test-output/browser/workspace/."""

from __future__ import annotations

import pytest

from devstack.gateways import GatewayProcess
from tests.browser.conftest import AGENT, run_scenario


@pytest.mark.slow
def test_agent_workspace(gateway: GatewayProcess) -> None:
    output = run_scenario(
        "console_workspace.mjs", "workspace", gateway.url, AGENT[0], AGENT[2], timeout=300
    )
    assert (
        "axe summary  console inbox with a conversation open"
        in (output / "scenario.log").read_text()
    )
