"""Attacks on agent accounts and pages through two real gateway processes: password
guessing, tokens that outlive a logout or a password change, agents acting as admins,
pages framed or sniffed, other sites opening sockets."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from devstack.clients import Agent, eventually
from devstack.gateways import GatewayProcess
from handoff.protocol import AgentRole
from handoff.stores.agents import AgentDirectory
from tests.gateway.conftest import GatewayFactory
from tests.support.fake_rasa import FakeRasa

pytestmark = pytest.mark.asyncio


async def _call(
    gateway: GatewayProcess, method: str, path: str, token: str = "", **kwargs: Any
) -> tuple[int, dict[str, str], Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers |= kwargs.pop("headers", {})
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, gateway.url + path, headers=headers, **kwargs) as response,
    ):
        body = await response.json() if "json" in response.content_type else await response.text()
        return response.status, dict(response.headers), body


async def test_guessing_is_locked_out_on_every_process(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    first = start_gateway(fake_rasa.url, login_failures_per_username=3, login_lockout_s=60)
    second = start_gateway(fake_rasa.url, login_failures_per_username=3, login_lockout_s=60)
    for _ in range(3):
        assert (await Agent.login(first.url, "ada", "guess"))["status"] == 401
    status, headers, body = await _call(
        second, "POST", "/api/agents/login", json={"username": "ada", "password": "pw"}
    )
    assert (status, body["error"]) == (429, "rate_limited")
    assert 0 < int(headers["Retry-After"]) <= 60
    assert (await Agent.login(second.url, "bob", "pw"))["status"] == 200


async def test_the_address_lockout_counts_the_real_client(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    """A spoofed X-Forwarded-For evades nothing; behind a trusted proxy, clients are
    told apart by the address the proxy saw."""
    limits = {"login_failures_per_address": 3, "login_failures_per_username": 100}
    direct = start_gateway(fake_rasa.url, **limits)
    proxied = start_gateway(fake_rasa.url, trusted_proxies="127.0.0.1", **limits)

    async def login(gateway: GatewayProcess, username: str, password: str, client: str) -> int:
        body = {"username": username, "password": password}
        headers = {"X-Forwarded-For": client}
        return (await _call(gateway, "POST", "/api/agents/login", json=body, headers=headers))[0]

    for attempt in range(3):
        assert await login(direct, f"guess{attempt}", "x", f"10.9.9.{attempt}") == 401
    assert await login(direct, "ada", "pw", "10.9.9.200") == 429  # all from 127.0.0.1
    for attempt in range(3):
        assert await login(proxied, f"guess{attempt}", "x", "10.0.0.1") == 401
    assert await login(proxied, "ada", "pw", "10.0.0.1") == 429
    assert await login(proxied, "ada", "pw", "10.0.0.2") == 200


async def test_logout_and_a_new_password_revoke_tokens_on_every_process(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    first, second = start_gateway(fake_rasa.url), start_gateway(fake_rasa.url)
    ada = await Agent.connect(second.url, "ada")
    assert (await _call(first, "POST", "/api/agents/logout", ada.token))[0] == 200
    assert (await _call(second, "GET", "/api/faq-answers", ada.token))[0] == 401
    await eventually(lambda: not ada.sio.connected, what="the signed-out socket to close")

    bob = await Agent.connect(second.url, "bob")
    other_login = (await Agent.login(first.url, "bob", "pw"))["token"]
    await agents.add("root", "Root", "root-password", role=AgentRole.ADMIN)
    root = (await Agent.login(first.url, "root", "root-password"))["token"]
    status, _, _ = await _call(
        first, "PATCH", "/api/admin/agents/bob", root, json={"password": "new-password"}
    )
    assert status == 200
    for token in (bob.token, other_login):
        assert (await _call(second, "GET", "/api/faq-answers", token))[0] == 401
    await eventually(lambda: not bob.sio.connected, what="bob's socket to close")
    assert (await Agent.login(second.url, "bob", "new-password"))["status"] == 200


async def test_agents_cannot_use_the_admin_api(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    gateway = start_gateway(fake_rasa.url)
    ada = (await Agent.login(gateway.url, "ada", "pw"))["token"]
    new = {"username": "eve", "password": "eve-password", "role": "admin"}
    for method, path, body in (
        ("GET", "/api/admin/agents", None),
        ("POST", "/api/admin/agents", new),
        ("PATCH", "/api/admin/agents/ada", {"role": "admin"}),
        ("DELETE", "/api/admin/agents/bob", None),
    ):
        status, _, answer = await _call(gateway, method, path, ada, json=body)
        assert (status, answer["error"]) == (403, "forbidden"), (method, path)
        assert (await _call(gateway, method, path, json=body))[0] == 401
    assert await agents.get("eve") is None and await agents.get("bob") is not None
    await agents.add("root", "Root", "root-password", role=AgentRole.ADMIN)
    root = (await Agent.login(gateway.url, "root", "root-password"))["token"]
    status, _, created = await _call(gateway, "POST", "/api/admin/agents", root, json=new)
    assert status == 201 and created["role"] == "admin"
    status, _, listed = await _call(gateway, "GET", "/api/admin/agents", root)
    assert "eve" in [row["username"] for row in listed["agents"]]


async def test_every_page_is_locked_down_and_other_origins_are_refused(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa
) -> None:
    gateway = start_gateway(fake_rasa.url)
    for path in ("/", "/console/", "/widget/widget.js", "/health", "/api/faq-answers"):
        _, headers, _ = await _call(gateway, "GET", path)
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["Referrer-Policy"] == "no-referrer", path
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
    _, demo, _ = await _call(gateway, "GET", "/")
    _, console, _ = await _call(gateway, "GET", "/console/")
    assert "script-src 'self' 'sha256-" in demo["Content-Security-Policy"]  # the widget config
    assert "script-src 'self';" in console["Content-Security-Policy"]
    assert "unsafe-eval" not in demo["Content-Security-Policy"]

    handshake = "/socket.io/?EIO=4&transport=polling"
    own = f"http://127.0.0.1:{gateway.port}"
    for origin, allowed in ((own, True), (f"http://localhost:{gateway.port}", True)):
        status, _, _ = await _call(gateway, "GET", handshake, headers={"Origin": origin})
        assert (status == 200) is allowed, origin
    status, headers, _ = await _call(
        gateway, "GET", handshake, headers={"Origin": "http://evil.example"}
    )
    assert status == 400 and "Access-Control-Allow-Origin" not in headers
    _, headers, _ = await _call(
        gateway,
        "OPTIONS",
        "/api/transcript",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "Access-Control-Allow-Origin" not in headers
