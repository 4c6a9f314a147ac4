"""What the browser tests share: Debian's Chromium and node's packages (installed when
missing), the agents' accounts, and a gateway in front of the trained bot."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import urllib.request
from pathlib import Path
from typing import Awaitable, Callable, Iterator

import pytest

from devstack.gateways import GatewayProcess
from devstack.processes import ROOT, free_port
from devstack.servers import RasaStack, RedisServer

HERE = Path(__file__).resolve().parent
OUTPUT = ROOT / "test-output" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
AGENT = ("ada", "Ada Lovelace", "correct-horse-battery")
COLLEAGUE = ("bob", "Bob Marley", "another-password")
NODE_PACKAGES = ("playwright-core", "rasa-webchat", "axe-core")
# The loopback port rasa-webchat's host page is served from (webchat.mjs): a site of its
# own, whose origin the gateway must allow.
WEBCHAT_SITE_PORT = free_port()


def browser_tools() -> str:
    """The node binary; installs playwright-core, rasa-webchat and axe-core (npm ci) when
    missing."""
    node = shutil.which("node")
    if node is None or not CHROMIUM.exists():
        pytest.fail("node and /usr/bin/chromium are needed: run scripts/setup.sh --browser")
    if not all((HERE / "node_modules" / package).is_dir() for package in NODE_PACKAGES):
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=HERE, check=True, timeout=300
        )
    return node


def run_scenario(script: str, output_name: str, *args: str, timeout: int) -> Path:
    """Run `node <script> <output dir> <args...>` (a Playwright scenario, shared output
    under test-output/browser/<output_name>, emptied first); fail with its log."""
    output = OUTPUT / output_name
    shutil.rmtree(output, ignore_errors=True)
    output.mkdir(parents=True)
    result = subprocess.run(
        [browser_tools(), str(HERE / script), args[0], str(output), *args[1:]],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    (output / "scenario.log").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, (
        f"browser scenario failed (screenshots and logs in {output}):\n"
        f"{result.stdout}\n{result.stderr}"
    )
    return output


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
        cors_origins=f"http://127.0.0.1:{WEBCHAT_SITE_PORT}",
        max_message_chars=1500,  # not the widget's default: the widget must take the gateway's
    )
    yield process
    process.stop()


async def run_console_script(
    script: str,
    redis_server: RedisServer,
    prefix: str,
    rasa_url: str,
    accounts_file: Path,
    admin: tuple[str, str],
    agent: tuple[str, str],
    env: dict[str, str] | None = None,
    before: Callable[[GatewayProcess], Awaitable[None]] | None = None,
) -> tuple[int, str]:
    """`node <script> <gateway url> <output dir> <admin> <password> <agent> <password>`
    against a gateway of its own whose accounts are `admin` (an admin) and `agent`, after
    `before` (what happens in the gateway before the browser comes): the script's exit
    status and what it printed."""
    accounts_file.write_text(
        json.dumps(
            {
                "agents": [
                    {"username": admin[0], "password": admin[1], "role": "admin"},
                    {"username": agent[0], "password": agent[1]},
                ]
            }
        )
    )
    gateway = GatewayProcess(redis_server, prefix, rasa_url, agents_file=str(accounts_file))
    try:
        if before is not None:
            await before(gateway)
        process = await asyncio.create_subprocess_exec(
            browser_tools(),
            str(HERE / script),
            gateway.url,
            str(OUTPUT / Path(script).stem),
            *admin,
            *agent,
            cwd=HERE,
            env={**os.environ, **(env or {})},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        printed, _ = await asyncio.wait_for(process.communicate(), 180)
    finally:
        gateway.stop()
    return process.returncode or 0, printed.decode()
