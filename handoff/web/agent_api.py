"""The agents' HTTP API: sign-in and out, and the FAQ answers the console offers as canned
answers.

POST /api/agents/login {"username", "password"} -> {"token", "name", "username", "role"};
POST /api/agents/logout, GET /api/faq-answers with `Authorization: Bearer <token>`.
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, response
from sanic.request import Request

from handoff.protocol import ErrorCode, InputError
from handoff.services.validation import client_address
from handoff.web.credentials import agent_of, bearer_token, gateway_of

agent_api = Blueprint("agent_api")


@agent_api.post("/api/agents/login")
async def login(request: Request) -> response.HTTPResponse:
    """Throttled per username and client address: 429 with Retry-After when locked."""
    body = _json_body(request)
    gateway = gateway_of(request)
    address = client_address(
        request.ip,
        request.headers.get("x-forwarded-for"),
        gateway.settings.trusted_proxy_addresses,
    )
    issued = await gateway.services.agents.login(
        body.get("username"), body.get("password"), address
    )
    return response.json(issued)


@agent_api.post("/api/agents/logout")
async def logout(request: Request) -> response.HTTPResponse:
    """The presented token stops working at once, on every gateway process."""
    await gateway_of(request).services.agents.logout(bearer_token(request))
    return response.json({"ok": True})


@agent_api.get("/api/faq-answers")
async def faq_answers(request: Request) -> response.HTTPResponse:
    """The FAQ answers, searchable in the console as canned answers (agents only); they
    follow the FAQ file within a sweep interval of a change."""
    if await agent_of(request, allow_query=False) is None:
        raise InputError(
            ErrorCode.UNAUTHORIZED, "Sign in as an agent (Authorization: Bearer <token>)."
        )
    return response.json({"answers": gateway_of(request).faq_answers.items})


def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except Exception:
        body = None
    if not isinstance(body, dict):
        raise InputError(ErrorCode.INVALID_PAYLOAD, 'Send {"username", "password"}.')
    return body
