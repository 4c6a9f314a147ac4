"""CORS for the customer HTTP API, so a widget embedded on the shop's own site can call it.

register_cors(app, paths=("/api/transcript", "/api/attachments"))
"""

from __future__ import annotations

from typing import Sequence

from sanic import Sanic, response
from sanic.request import Request

ALLOWED_HEADERS = "Content-Type, X-Session-Token, X-File-Name"


def register_cors(app: Sanic, paths: Sequence[str], allowed: str | list[str]) -> None:
    """Every answer under `paths` (errors included) allows the configured origins, and an
    OPTIONS preflight to any of them is answered."""
    prefixes = tuple(paths)

    async def preflight(request: Request, rest: str = "") -> response.HTTPResponse:
        return response.empty()

    for path in prefixes:
        name = path.strip("/").replace("/", "_")
        app.add_route(preflight, path, methods=["OPTIONS"], name=f"{name}_cors")
        app.add_route(
            preflight, f"{path}/<rest:path>", methods=["OPTIONS"], name=f"{name}_cors_any"
        )

    async def add_headers(request: Request, resp: response.BaseHTTPResponse) -> None:
        if not request.path.startswith(prefixes):
            return
        origin = request.headers.get("origin")
        if not origin or not (allowed == "*" or origin in allowed):
            return
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Vary"] = "Origin"
        if request.method == "OPTIONS":
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST"
            resp.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            resp.headers["Access-Control-Max-Age"] = "600"

    app.register_middleware(add_headers, "response")
