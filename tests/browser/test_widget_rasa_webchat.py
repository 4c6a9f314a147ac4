"""Stock rasa-webchat, a third-party Rasa widget, works against the gateway unchanged.

The README promises that any widget speaking Rasa's socketio channel works; this runs
one. rasa-webchat (npm, the version pinned in package.json) is embedded in a host page with
only `socketUrl` set and served from a loopback origin of its own; `webchat.mjs` drives it
in Debian's Chromium against the gateway, the trained bot and Redis started here, while this
test plays the agent: it claims the chat the script hands off and writes the reply that
must appear in the widget. Screenshots: test-output/browser/webchat-*.png.
"""

from __future__ import annotations

import asyncio
from asyncio.subprocess import PIPE, STDOUT

import pytest

from devstack.clients import Agent
from devstack.gateways import GatewayProcess
from tests.browser.conftest import AGENT, HERE, OUTPUT, WEBCHAT_SITE_PORT, browser_tools

AGENT_REPLY = "Hello from the team: I'm resetting your account now."
WAITING_FOR_AGENT = b"waiting-for-agent"


async def _answer_as_agent(agent: Agent) -> None:
    """Claim the one queued chat and write the reply the script waits for."""
    queue = await agent.wait_for("queue", lambda data: bool(data["items"]))
    conversation_id = queue["items"][0]["conversation_id"]
    claimed = await agent.call("claim", {"conversation_id": conversation_id})
    assert claimed["ok"], claimed
    sent = await agent.call("message", {"conversation_id": conversation_id, "text": AGENT_REPLY})
    assert sent["ok"], sent


async def _run_script(node: str, gateway_url: str, agent: Agent) -> tuple[int, str]:
    """Run webchat.mjs, answering as the agent when it asks; its exit code and output."""
    script = await asyncio.create_subprocess_exec(
        node,
        str(HERE / "webchat.mjs"),
        gateway_url,
        str(OUTPUT),
        AGENT_REPLY,
        str(WEBCHAT_SITE_PORT),
        cwd=HERE,
        stdout=PIPE,
        stderr=STDOUT,
    )
    assert script.stdout is not None
    output = []
    try:
        async for line in script.stdout:
            output.append(line.decode())
            if line.strip() == WAITING_FOR_AGENT:
                await _answer_as_agent(agent)
        return await script.wait(), "".join(output)
    finally:
        if script.returncode is None:
            script.kill()
            await script.wait()


@pytest.mark.slow
async def test_rasa_webchat_shows_bot_quick_replies_handoff_and_agent(
    gateway: GatewayProcess,
) -> None:
    node = browser_tools()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for old in OUTPUT.glob("webchat-*"):
        old.unlink()
    agent = await Agent.connect(gateway.url, AGENT[0], AGENT[2])
    try:
        code, output = await asyncio.wait_for(_run_script(node, gateway.url, agent), 300)
    finally:
        await agent.disconnect()
    (OUTPUT / "webchat.log").write_text(output)
    assert code == 0, f"rasa-webchat scenario failed (screenshots in {OUTPUT}):\n{output}"
