"""The admins' HTTP API: agent accounts, behind `Authorization: Bearer <token>` of an agent
with the admin role (others: 401 without a valid token, 403 with an agent's).

GET    /api/admin/agents                -> {"agents": [{username, name, role, disabled, limit}]}
POST   /api/admin/agents {username, password, name?, role?, limit?}   -> 201 the account
PATCH  /api/admin/agents/<username> {name?, password?, role?, limit?, disabled?} -> the account
DELETE /api/admin/agents/<username>     -> {"ok": true}
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, response
from sanic.request import Request

from handoff.protocol import ErrorCode, InputError
from handoff.services.accounts import AccountAdmin
from handoff.stores.agents import Agent
from handoff.web.credentials import agent_of, gateway_of

admin_api = Blueprint("admin_api", url_prefix="/api/admin")


@admin_api.get("/agents")
async def list_agents(request: Request) -> response.HTTPResponse:
    admin, accounts = await _admin(request)
    return response.json({"agents": await accounts.list(admin)})


@admin_api.post("/agents")
async def create_agent(request: Request) -> response.HTTPResponse:
    admin, accounts = await _admin(request)
    return response.json(await accounts.create(admin, _json(request)), status=201)


@admin_api.patch("/agents/<username:str>")
async def update_agent(request: Request, username: str) -> response.HTTPResponse:
    admin, accounts = await _admin(request)
    return response.json(await accounts.update(admin, username, _json(request)))


@admin_api.delete("/agents/<username:str>")
async def remove_agent(request: Request, username: str) -> response.HTTPResponse:
    admin, accounts = await _admin(request)
    await accounts.remove(admin, username)
    return response.json({"ok": True})


async def _admin(request: Request) -> tuple[Agent, AccountAdmin]:
    """The signed-in caller (whose role AccountAdmin checks) and the account service."""
    agent = await agent_of(request, allow_query=False)
    if agent is None:
        raise InputError(
            ErrorCode.UNAUTHORIZED, "Sign in as an admin (Authorization: Bearer <token>)."
        )
    return agent, gateway_of(request).services.agents.accounts


def _json(request: Request) -> Any:
    try:
        return request.json
    except Exception:
        raise InputError(ErrorCode.INVALID_PAYLOAD, "Send a JSON object.") from None
