"""The admins' HTTP API: agent accounts, behind `Authorization: Bearer <token>` of an agent
with the admin role (others: 401 without a valid token, 403 with an agent's).

GET    /api/admin/agents                -> {"agents": [{username, name, role, disabled, limit}]}
POST   /api/admin/agents {username, password, name?, role?, limit?}   -> 201 the account
PATCH  /api/admin/agents/<username> {name?, password?, role?, limit?, disabled?} -> the account
DELETE /api/admin/agents/<username>     -> {"ok": true}
GET    /api/admin/taught                -> {"taught": [answers agents marked good]}
GET    /api/admin/taught?format=yaml    -> them as draft FAQs, a `faqs:` file to download
DELETE /api/admin/taught/<conversation_id>/<reply_id>   -> {"ok": true} (reviewed)
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, response
from sanic.request import Request

from handoff.insights.export import faqs_yaml
from handoff.insights.taught import taught_drafts
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


@admin_api.get("/taught")
async def list_taught(request: Request) -> response.HTTPResponse:
    """The review list as JSON, or (`?format=yaml`) as draft FAQs whose ids the bot's FAQ
    files do not use yet."""
    admin, _ = await _admin(request)
    gateway = gateway_of(request)
    taught = await gateway.services.agents.teaching.review_list(admin)
    if request.args.get("format") != "yaml":
        return response.json({"taught": taught})
    catalog_ids = [answer["id"] for answer in gateway.faq_files.current.listed]
    return response.text(
        faqs_yaml(taught_drafts(taught, taken=catalog_ids)),
        content_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="taught-faq.yml"'},
    )


@admin_api.delete("/taught/<conversation_id:str>/<reply_id:str>")
async def remove_taught(
    request: Request, conversation_id: str, reply_id: str
) -> response.HTTPResponse:
    admin, _ = await _admin(request)
    await gateway_of(request).services.agents.teaching.remove(admin, conversation_id, reply_id)
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
