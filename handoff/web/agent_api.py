"""The agents' HTTP API: sign-in and out, the FAQ answers the console offers as canned
answers, and the inbox of past conversations.

POST /api/agents/login {"username", "password"} -> {"token", "name", "username", "role"};
with `Authorization: Bearer <token>`: POST /api/agents/logout, GET /api/faq-answers?q=...,
GET /api/inbox?q=...&state=..., GET /api/conversations/<id>/customer.
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, response
from sanic.request import Request

from handoff.protocol import ErrorCode, InputError
from handoff.services.inbox import MAX_QUERY_CHARS
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
    """The FAQ answers as canned answers: in file order, or with `q` the closest in
    meaning first (each with its `score`); they follow the FAQ files within a sweep
    interval of a change."""
    await _signed_in(request)
    answers = gateway_of(request).faq_files.current
    query = request.args.get("q", "").strip()[:MAX_QUERY_CHARS]
    return response.json({"answers": await answers.ranked(query) if query else answers.listed})


@agent_api.get("/api/inbox")
async def inbox(request: Request) -> response.HTTPResponse:
    """Past conversations: full-text `q` and filters, newest first (docs/protocol.md)."""
    await _signed_in(request)
    params = {name: request.args.get(name, "") for name in request.args}
    return response.json(await gateway_of(request).services.inbox.search(params))


@agent_api.get("/api/conversations/<conversation_id>/customer")
async def customer(request: Request, conversation_id: str) -> response.HTTPResponse:
    """Who the customer is: contact, pages, browser, earlier conversations."""
    await _signed_in(request)
    return response.json(await gateway_of(request).services.inbox.profile(conversation_id))


async def _signed_in(request: Request) -> None:
    if await agent_of(request, allow_query=False) is None:
        raise InputError(
            ErrorCode.UNAUTHORIZED, "Sign in as an agent (Authorization: Bearer <token>)."
        )


def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except Exception:
        body = None
    if not isinstance(body, dict):
        raise InputError(ErrorCode.INVALID_PAYLOAD, 'Send {"username", "password"}.')
    return body
