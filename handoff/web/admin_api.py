"""The admins' HTTP API: agent accounts and insights, behind `Authorization: Bearer <token>`
of an agent with the admin role (others: 401 without a valid token, 403 with an agent's).

GET    /api/admin/agents                -> {"agents": [{username, name, role, disabled, limit}]}
POST   /api/admin/agents {username, password, name?, role?, limit?}   -> 201 the account
PATCH  /api/admin/agents/<username> {name?, password?, role?, limit?, disabled?} -> the account
DELETE /api/admin/agents/<username>     -> {"ok": true}
GET    /api/admin/taught                -> {"taught": [answers agents marked good, with drafts]}
GET    /api/admin/taught?format=yaml    -> them as draft FAQs, a `faqs:` file to download
DELETE /api/admin/taught/<conversation_id>/<reply_id>   -> {"ok": true} (reviewed)
GET    /api/admin/insights?since=7d     -> the report of `python -m handoff.insights`
POST   /api/admin/insights/export {faq: {id, questions, answer}, as?: "faq"|"intent"}
                                        -> the YAML to download (text/yaml)
"""

from __future__ import annotations

import time
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request

from handoff.insights.export import SuggestedFaq, faq_yaml, faqs_yaml, intent_yaml
from handoff.insights.period import parse_since
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
    """The review list as JSON, each answer with its draft FAQ for the console to edit, or
    (`?format=yaml`) the drafts alone; their ids the bot's FAQ files do not use yet."""
    admin, _ = await _admin(request)
    gateway = gateway_of(request)
    taught = await gateway.services.agents.teaching.review_list(admin)
    catalog_ids = [answer["id"] for answer in gateway.faq_files.current.listed]
    drafts = taught_drafts(taught, taken=catalog_ids)
    if request.args.get("format") != "yaml":
        listed = [
            {**answer, "suggested_faq": draft.as_dict()}
            for answer, draft in zip(taught, drafts, strict=True)
        ]
        return response.json({"taught": listed})
    return response.text(
        faqs_yaml(drafts),
        content_type="text/yaml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="taught-faq.yml"'},
    )


@admin_api.delete("/taught/<conversation_id:str>/<reply_id:str>")
async def remove_taught(
    request: Request, conversation_id: str, reply_id: str
) -> response.HTTPResponse:
    admin, _ = await _admin(request)
    await gateway_of(request).services.agents.teaching.remove(admin, conversation_id, reply_id)
    return response.json({"ok": True})


@admin_api.get("/insights")
async def insights(request: Request) -> response.HTTPResponse:
    """Seconds of work, done in the insights process: this event loop stays free."""
    await _admin_only(request)
    now = time.time()
    try:
        since = parse_since(request.args.get("since", "7d"), now)
    except ValueError as error:
        raise InputError(ErrorCode.INVALID_PAYLOAD, str(error)) from None
    return response.json(await gateway_of(request).insights.report(since, now))


@admin_api.post("/insights/export")
async def export_draft(request: Request) -> response.HTTPResponse:
    """An admin's (edited) draft as the YAML file a trainer adds to the bot."""
    await _admin_only(request)
    body = _json(request)
    kind = body.get("as", "faq") if isinstance(body, dict) else None
    if kind not in ("faq", "intent"):
        raise InputError(ErrorCode.INVALID_PAYLOAD, 'Send {"faq": {...}, "as": "faq"|"intent"}.')
    try:
        draft = SuggestedFaq.from_dict(body.get("faq") or {})
    except ValueError as error:
        raise InputError(ErrorCode.INVALID_PAYLOAD, f"faq: {error}") from None
    text = intent_yaml(draft) if kind == "intent" else faq_yaml(draft)
    return response.text(
        text,
        content_type="text/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{draft.id}.yml"'},
    )


async def _admin_only(request: Request) -> Agent:
    admin, _ = await _admin(request)
    if not admin.is_admin:
        raise InputError(ErrorCode.FORBIDDEN, "Only admins read insights.")
    return admin


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
