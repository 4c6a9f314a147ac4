"""Agents teach the bot through a real gateway: an agent marks their reply in the console's
socket, an admin lists the review list and downloads it as a `faqs:` file the bot accepts,
and `python -m handoff.insights taught` prints the same file."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import aiohttp
import yaml

from bot.faq.catalog import parse_catalog
from devstack.clients import Agent, queued_customer
from devstack.gateways import GatewayProcess
from devstack.processes import ROOT
from handoff.protocol import AgentRole
from handoff.stores.agents import AgentDirectory
from tests.gateway.conftest import AGENT_PASSWORD, GatewayFactory
from tests.support.fake_rasa import FakeRasa

QUESTION = "my wifi is broken after the update"
REPLY = "Restart the router, then choose 'Forget network' and join again."


async def admin_call(
    gateway: GatewayProcess, method: str, path: str, token: str
) -> tuple[int, dict[str, str], str]:
    async with (
        aiohttp.ClientSession() as http,
        http.request(
            method, gateway.url + path, headers={"Authorization": f"Bearer {token}"}
        ) as response,
    ):
        return response.status, dict(response.headers), await response.text()


def insights_taught(gateway: GatewayProcess) -> str:
    """`python -m handoff.insights taught` against the gateway's Redis and key prefix."""
    result = subprocess.run(
        [sys.executable, "-m", "handoff.insights", "taught"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **gateway.env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


async def test_an_agent_marks_a_reply_and_an_admin_exports_it_as_an_faq(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    gateway = start_gateway(fake_rasa.url)
    await agents.add("root", "Root", AGENT_PASSWORD, role=AgentRole.ADMIN)
    customer = await queued_customer(gateway.url, QUESTION)
    ada, bob = await Agent.connect(gateway.url, "ada"), await Agent.connect(gateway.url, "bob")
    cid = customer.conversation_id
    assert (await ada.call("claim", {"conversation_id": cid}))["ok"]
    sent = await ada.call("message", {"conversation_id": cid, "text": REPLY})
    mark = {"conversation_id": cid, "reply_id": sent["entry"]["id"]}

    refused = await bob.call("mark_good_answer", mark)
    assert (refused["ok"], refused["error"]) == (False, "forbidden")
    marked = await ada.call("mark_good_answer", mark)
    assert marked["ok"] and (marked["taught"]["question"], marked["taught"]["answer"]) == (
        QUESTION,
        REPLY,
    )

    root = await Agent.login(gateway.url, "root", AGENT_PASSWORD)
    status, _, body = await admin_call(gateway, "GET", "/api/admin/taught", ada.token)
    assert status == 403
    status, _, body = await admin_call(gateway, "GET", "/api/admin/taught", root["token"])
    [listed] = json.loads(body)["taught"]
    draft: dict[str, Any] = listed.pop("suggested_faq")
    assert status == 200 and listed == marked["taught"]

    status, headers, exported = await admin_call(
        gateway, "GET", "/api/admin/taught?format=yaml", root["token"]
    )
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    [faq] = parse_catalog(yaml.safe_load(exported))  # a file bot/data/ accepts as it is
    assert (faq.questions, faq.answer.strip()) == ((QUESTION,), REPLY)
    assert draft == {"id": faq.id, "questions": [QUESTION], "answer": REPLY}
    assert insights_taught(gateway) == exported

    path = f"/api/admin/taught/{cid}/{sent['entry']['id']}"
    assert (await admin_call(gateway, "DELETE", path, root["token"]))[0] == 200
    status, _, body = await admin_call(gateway, "GET", "/api/admin/taught", root["token"])
    assert json.loads(body) == {"taught": []}
    for client in (customer, ada, bob):
        await client.disconnect()
