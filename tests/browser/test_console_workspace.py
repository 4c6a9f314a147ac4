"""The agent's workspace in a real browser (`node tests/browser/console_workspace.mjs`): the
customer's context beside the chat, tab labels that say who and what, canned answers by
meaning with a preview and the "/" shortcut, a transcript that follows the chat, title and
desktop alerts, a rating with a comment, earlier conversations of the same email, the
inbox's search and filters; axe-core on every console state it visits. Screenshots in
test-output/browser/workspace/."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from devstack.gateways import GatewayProcess
from tests.browser.conftest import AGENT, HERE, OUTPUT, browser_tools


@pytest.mark.slow
def test_agent_workspace(gateway: GatewayProcess) -> None:
    node = browser_tools()
    output = OUTPUT / "workspace"
    shutil.rmtree(output, ignore_errors=True)
    output.mkdir(parents=True)
    result = subprocess.run(
        [node, str(HERE / "console_workspace.mjs"), gateway.url, str(output), AGENT[0], AGENT[2]],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=300,
    )
    (output / "scenario.log").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, (
        f"workspace scenario failed (screenshots and logs in {output}):\n"
        f"{result.stdout}\n{result.stderr}"
    )
    assert (output / "axe.json").is_file()
