"""Health, the demo shop page and the front-end directories (widget, console), and the
security headers of every answer the gateway gives.

GET /health, GET / (widget/index.html, the widget embedded), /widget/ and /console/.
register_security_headers(app, settings)   # CSP, no framing, nosniff, no referrer
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from pathlib import Path

from sanic import Blueprint, Sanic, response
from sanic.request import Request

from handoff.settings import Settings
from handoff.web.credentials import gateway_of

log = logging.getLogger("handoff.gateway")

# Pages load only the gateway's own scripts, styles, images and connections; no page may be
# framed (clickjacking the console). Styles may be inline: the widget styles its shadow DOM.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'{scripts}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Anything else (JSON, attachments, scripts) is never a document that runs something.
RESOURCE_CSP = "default-src 'none'; frame-ancestors 'none'"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def register_security_headers(app: Sanic, settings: Settings) -> None:
    """Every answer: nosniff, no referrer, no framing, and a CSP: pages may run only the
    gateway's own scripts plus the demo page's inline configuration (by its hash)."""
    demo_csp = PAGE_CSP.format(scripts=_inline_script_hashes(Path(settings.widget_dir)))
    page_csp = PAGE_CSP.format(scripts="")

    async def add_headers(request: Request, resp: response.BaseHTTPResponse) -> None:
        headers = resp.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        if (resp.content_type or "").startswith("text/html"):
            headers.setdefault(
                "Content-Security-Policy", demo_csp if request.path == "/" else page_csp
            )
        else:
            headers.setdefault("Content-Security-Policy", RESOURCE_CSP)

    app.register_middleware(add_headers, "response")


def _inline_script_hashes(widget_dir: Path) -> str:
    """` 'sha256-...'` for each inline script of the demo page (its widget config)."""
    page = widget_dir / "index.html"
    scripts = _INLINE_SCRIPT.findall(page.read_text()) if page.is_file() else []
    digests = (
        base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() for code in scripts
    )
    return "".join(f" 'sha256-{digest}'" for digest in digests)


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
