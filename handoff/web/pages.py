"""Health, the demo shop page and the front-end directories (widget, console).

GET /health, GET / (widget/index.html, the widget embedded), /widget/ and /console/.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sanic import Blueprint, Sanic, response
from sanic.request import Request

from handoff.settings import Settings
from handoff.web.credentials import gateway_of

log = logging.getLogger("handoff.gateway")


def pages(settings: Settings) -> Blueprint:
    blueprint = Blueprint("pages")
    demo_page = Path(settings.widget_dir) / "index.html"

    @blueprint.get("/health")
    async def health(request: Request) -> response.HTTPResponse:
        gateway = gateway_of(request)
        redis_ok = await gateway.redis_ok()
        return response.json(
            {
                "status": "ok" if redis_ok else "unavailable",
                "redis": redis_ok,
                "rasa": await gateway.services.bot.rasa.healthy(),
                "process": gateway.services.agents.process_id,
            },
            status=200 if redis_ok else 503,
        )

    @blueprint.get("/")
    async def shop(request: Request) -> response.HTTPResponse:
        return await _file(demo_page, "text/html; charset=utf-8")

    return blueprint


def serve_directory(app: Sanic, uri: str, directory: str) -> None:
    """Serve a front-end directory, with its index.html at `uri/`."""
    path = Path(directory)
    if not path.is_dir():
        log.info("%s not served: %s does not exist", uri, path)
        return
    app.static(uri, str(path), name=f"static{uri.replace('/', '_')}")
    index = path / "index.html"

    async def serve_index(request: Request) -> response.HTTPResponse:
        return await _file(index)

    app.add_route(serve_index, f"{uri}/", name=f"index{uri.replace('/', '_')}", strict_slashes=True)


async def _file(path: Path, mime_type: str | None = None) -> response.HTTPResponse:
    if not path.is_file():
        return response.text("not found", status=404)
    return await response.file(str(path), mime_type=mime_type)
