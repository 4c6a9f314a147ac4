"""The customer's HTTP API: the downloadable transcript and attachments.

GET /api/transcript?session=, POST /api/attachments?session= (streamed), and
GET /api/attachments/<id> for that conversation's customer or any signed-in agent.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from sanic import Blueprint, response
from sanic.request import Request

from handoff.protocol import ErrorCode, InputError, extended_view
from handoff.stores.attachments import StoredAttachment
from handoff.web.credentials import agent_of, gateway_of, session_token
from handoff.web.uploads import read_upload

log = logging.getLogger("handoff.gateway")

customer_api = Blueprint("customer_api")
PATHS = ("/api/transcript", "/api/attachments")


@customer_api.get("/api/transcript")
async def transcript(request: Request) -> response.HTTPResponse:
    """The customer's own transcript (download); notes and internals left out."""
    services = gateway_of(request).services
    conversation_id = services.customers.sessions.verify(request.args.get("session"))
    if conversation_id is None:
        raise InputError(ErrorCode.INVALID_SESSION, "Unknown session.")
    entries = await services.stores.transcripts.read(conversation_id)
    return response.json(
        {"messages": [view for entry in entries if (view := extended_view(entry)) is not None]}
    )


@customer_api.post("/api/attachments", stream=True)
async def upload_attachment(request: Request) -> response.HTTPResponse:
    """A customer attaches a screenshot or PDF: raw body or multipart field `file`."""
    gateway = gateway_of(request)
    customers = gateway.services.customers
    conversation_id = customers.sessions.verify(session_token(request))
    if conversation_id is None:
        raise InputError(ErrorCode.INVALID_SESSION, "Unknown session; reload the chat.")
    data, name = await read_upload(request, gateway.settings.max_attachment_bytes)
    address = customers.client_address(request.ip, request.headers.get("x-forwarded-for"))
    entry = await customers.attachment(conversation_id, data, name, address)
    return response.json({"ok": True, "entry": extended_view(entry)})


@customer_api.get("/api/attachments/<attachment_id:str>")
async def get_attachment(request: Request, attachment_id: str) -> response.HTTPResponse:
    """The file, only for its conversation's customer or an authenticated agent."""
    services = gateway_of(request).services
    agent = await agent_of(request, allow_query=True)
    conversation_id = services.customers.sessions.verify(session_token(request))
    if agent is None and conversation_id is None:
        raise InputError(ErrorCode.FORBIDDEN, "Not yours to see.")
    stored = await services.stores.attachments.get(attachment_id)
    if stored is None or (agent is None and stored.conversation_id != conversation_id):
        raise InputError(ErrorCode.NOT_FOUND, "No such attachment.")
    return await response.file(
        str(stored.path), mime_type=stored.content_type, headers=_attachment_headers(stored)
    )


def _attachment_headers(stored: StoredAttachment) -> dict[str, str]:
    """Shown inline (images) or downloaded (PDFs); never sniffed, never able to run code."""
    disposition = "inline" if stored.kind == "image" else "attachment"
    fallback = "".join(
        char if 32 <= ord(char) < 127 and char not in '"\\' else "_" for char in stored.name
    )
    return {
        "Content-Disposition": f'{disposition}; filename="{fallback}"; '
        f"filename*=UTF-8''{quote(stored.name, safe='')}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "private, max-age=3600",
    }
