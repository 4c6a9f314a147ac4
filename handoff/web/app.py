"""Build the gateway: a Sanic app with python-socketio on top, state in Redis.

    app = create_app(Settings.from_env())
    app.run(host="127.0.0.1", port=8000)

HTTP routes: `GET /health`, `POST /api/agents/login`, `GET /api/transcript?session=`,
`GET /api/faq-answers` (agents), `POST /api/attachments?session=` and
`GET /api/attachments/<id>`, the demo shop page at `/`, and the static widget (`/widget/`)
and agent console (`/console/`) when present.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import socketio
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sanic import Sanic, response
from sanic.request import Request

from handoff.agent_namespace import AgentNamespace
from handoff.agents import HEARTBEAT_INTERVAL_S, Agent
from handoff.attachments import StoredAttachment
from handoff.customer_namespace import CustomerNamespace
from handoff.entries import customer_view
from handoff.errors import InputError
from handoff.faq_answers import load_faq_answers
from handoff.keys import Keys
from handoff.notifier import SocketNotifier
from handoff.rasa_client import RasaClient
from handoff.service import ConversationService, resolve_secret
from handoff.settings import Settings
from handoff.uploads import read_upload

log = logging.getLogger("handoff.gateway")
Response = TypeVar("Response", bound=response.BaseHTTPResponse)


class Gateway:
    """What one process holds: settings, the Socket.IO server, and (once started) the
    Redis connection and the ConversationService."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sio = socketio.AsyncServer(
            async_mode="sanic",
            client_manager=socketio.AsyncRedisManager(
                settings.redis_url, channel=settings.socketio_channel
            ),
            cors_allowed_origins=settings.allowed_origins,
            max_http_buffer_size=max(64_000, settings.max_message_chars * 16),
            logger=False,
            engineio_logger=False,
            # One event at a time per socket, in arrival order: a customer's (or agent's)
            # messages reach the transcript in the order they were sent. Handlers never
            # wait on the bot (that runs in the background), so this costs nothing.
            async_handlers=False,
        )
        self.redis: Redis | None = None
        self._service: ConversationService | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self.faq_answers: list[dict[str, str]] = []

    @property
    def service(self) -> ConversationService:
        if self._service is None:
            raise RuntimeError("the gateway has not started yet")
        return self._service

    async def start(self) -> None:
        settings = self.settings
        self.redis = Redis(
            host=settings.redis_host,
            port=settings.redis_port,
            db=settings.redis_db,
            decode_responses=True,
            socket_connect_timeout=2,
            socket_timeout=5,
        )
        secret = await resolve_secret(
            self.redis, Keys(settings.redis_prefix), settings.gateway_secret
        )
        rasa = RasaClient(settings.rasa_url, settings.bot_timeout_s, settings.rasa_token)
        self._service = ConversationService(
            self.redis, settings, SocketNotifier(self.sio), rasa, secret
        )
        if settings.agents_file:
            loaded = await self._service.agents.load_file(settings.agents_file)
            log.info("loaded %d agent accounts from %s", loaded, settings.agents_file)
        self.faq_answers = await asyncio.to_thread(load_faq_answers, settings.faq_files)
        self._sweeper = asyncio.create_task(self._sweep_forever())

    async def stop(self) -> None:
        if self._sweeper:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        if self._service:
            await self._service.shutdown()
        if self.redis:
            await self.redis.close()

    async def _sweep_forever(self) -> None:
        """Heartbeat this process's agent sockets; requeue chats of vanished agents."""
        last_heartbeat = 0.0
        while True:
            await asyncio.sleep(self.settings.sweep_interval_s)
            beat = time.monotonic() - last_heartbeat >= HEARTBEAT_INTERVAL_S
            try:
                await self.service.sweep(heartbeat=beat)
                if beat:
                    last_heartbeat = time.monotonic()
            except (RedisError, OSError) as exc:
                log.warning("sweep skipped: Redis unavailable (%s)", exc)
            except Exception:
                log.exception("sweep failed")


def create_app(settings: Settings, name: str = "handoff_gateway") -> Sanic:
    app = Sanic(name, configure_logging=False)
    app.config.KEEP_ALIVE_TIMEOUT = 30
    gateway = Gateway(settings)
    app.ctx.gateway = gateway
    gateway.sio.attach(app)
    gateway.sio.register_namespace(CustomerNamespace(lambda: gateway.service))
    gateway.sio.register_namespace(AgentNamespace(lambda: gateway.service))

    async def start(app: Sanic, loop: Any) -> None:
        await gateway.start()

    async def announce(app: Sanic, loop: Any) -> None:
        log.info(
            "gateway listening on http://%s:%d (demo shop /, console /console/)",
            settings.gateway_host,
            settings.gateway_port,
        )

    async def stop(app: Sanic, loop: Any) -> None:
        await gateway.stop()

    app.register_listener(start, "before_server_start")
    app.register_listener(announce, "after_server_start")
    app.register_listener(stop, "after_server_stop")

    @app.get("/health")
    async def health(request: Request) -> response.HTTPResponse:
        try:
            redis_ok = bool(await gateway.redis.ping()) if gateway.redis else False
        except (RedisError, OSError):
            redis_ok = False
        rasa_ok = await gateway.service.rasa.healthy()
        return response.json(
            {
                "status": "ok" if redis_ok else "unavailable",
                "redis": redis_ok,
                "rasa": rasa_ok,
                "process": gateway.service.process_id,
            },
            status=200 if redis_ok else 503,
        )

    @app.post("/api/agents/login")
    async def login(request: Request) -> response.HTTPResponse:
        body = _json_body(request)
        if body is None:
            return response.json(
                {"error": "invalid_payload", "message": 'Send {"username", "password"}.'},
                status=400,
            )
        try:
            issued = await gateway.service.login(body.get("username"), body.get("password"))
        except (RedisError, OSError):
            return response.json(
                {"error": "unavailable", "message": "Try again shortly."}, status=503
            )
        if issued is None:
            return response.json(
                {"error": "invalid_credentials", "message": "Wrong username or password."},
                status=401,
            )
        return response.json(issued)

    @app.get("/api/transcript")
    async def transcript(request: Request) -> response.HTTPResponse:
        """The customer's own transcript (download); notes and internals left out."""
        service = gateway.service
        conversation_id = service.sessions.verify(request.args.get("session"))
        if conversation_id is None:
            return response.json({"error": "invalid_session"}, status=404)
        try:
            entries = await service.transcripts.read(conversation_id)
        except (RedisError, OSError):
            return response.json({"error": "unavailable"}, status=503)
        return response.json(
            {"messages": [view for entry in entries if (view := customer_view(entry)) is not None]}
        )

    @app.get("/api/faq-answers")
    async def faq_answers(request: Request) -> response.HTTPResponse:
        """The FAQ answers, searchable in the console as canned answers (agents only)."""
        try:
            agent = await _agent(gateway, request, allow_query=False)
        except (RedisError, OSError):
            return response.json({"error": "unavailable"}, status=503)
        if agent is None:
            return _unauthorized()
        return response.json({"answers": gateway.faq_answers})

    async def upload_attachment(request: Request) -> response.HTTPResponse:
        """A customer attaches a screenshot or PDF: raw body or multipart field `file`."""
        service = gateway.service
        conversation_id = service.sessions.verify(_session_token(request))
        try:
            if conversation_id is None:
                raise InputError("invalid_session", "Unknown session; reload the chat.")
            data, name = await read_upload(request, settings.max_attachment_bytes)
            entry = await service.customer_attachment(conversation_id, data, name)
        except InputError as error:
            log.info("attachment refused (%s): %s", error.code, error.message)
            return _cors(request, response.json(error.as_http(), status=error.status))
        except (RedisError, OSError):
            log.exception("attachment not stored")
            return _cors(
                request,
                response.json(
                    {"error": "unavailable", "message": "The file could not be stored; try again."},
                    status=503,
                ),
            )
        return _cors(request, response.json({"ok": True, "entry": customer_view(entry)}))

    app.add_route(
        upload_attachment,
        "/api/attachments",
        methods=["POST"],
        stream=True,
        name="upload_attachment",
    )

    @app.get("/api/attachments/<attachment_id:str>")
    async def get_attachment(request: Request, attachment_id: str) -> response.HTTPResponse:
        """The file, only for its conversation's customer or an authenticated agent."""
        service = gateway.service
        try:
            agent = await _agent(gateway, request, allow_query=True)
            conversation_id = service.sessions.verify(_session_token(request))
            if agent is None and conversation_id is None:
                return _cors(
                    request,
                    response.json(
                        {"error": "forbidden", "message": "Not yours to see."}, status=403
                    ),
                )
            stored = await service.attachments.get(attachment_id)
        except (RedisError, OSError):
            return response.json({"error": "unavailable"}, status=503)
        if stored is None or (agent is None and stored.conversation_id != conversation_id):
            return _cors(request, response.json({"error": "not_found"}, status=404))
        return _cors(
            request,
            await response.file(
                str(stored.path), mime_type=stored.content_type, headers=_attachment_headers(stored)
            ),
        )

    async def preflight(request: Request, attachment_id: str = "") -> response.HTTPResponse:
        return _cors(request, response.empty(), preflight=True)

    app.add_route(preflight, "/api/attachments", methods=["OPTIONS"], name="attachments_cors")
    app.add_route(
        preflight,
        "/api/attachments/<attachment_id:str>",
        methods=["OPTIONS"],
        name="attachment_cors",
    )
    app.add_route(preflight, "/api/transcript", methods=["OPTIONS"], name="transcript_cors")

    async def customer_api_cors(request: Request, resp: response.BaseHTTPResponse) -> None:
        if request.path == "/api/transcript":
            _cors(request, resp)

    app.register_middleware(customer_api_cors, "response")

    _serve_demo_page(app, Path(settings.widget_dir) / "index.html")
    _serve_directory(app, "/widget", settings.widget_dir)
    _serve_directory(app, "/console", settings.console_dir)
    return app


def _session_token(request: Request) -> str | None:
    token = request.args.get("session") or request.headers.get("x-session-token")
    return token or None


async def _agent(gateway: Gateway, request: Request, allow_query: bool) -> Agent | None:
    """The agent of an `Authorization: Bearer <token>` header (or `?token=`), if valid."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        token = request.args.get("token", "") if allow_query else ""
    if not token:
        return None
    return await gateway.service.authenticate_token(token.strip())


def _unauthorized() -> response.HTTPResponse:
    return response.json(
        {
            "error": "unauthorized",
            "message": "Sign in as an agent (Authorization: Bearer <token>).",
        },
        status=401,
        headers={"WWW-Authenticate": "Bearer"},
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


def _cors(request: Request, resp: Response, preflight: bool = False) -> Response:
    """Let the widget, embedded on the shop's own site, call the customer HTTP API."""
    origin = request.headers.get("origin")
    allowed = request.app.ctx.gateway.settings.allowed_origins
    if origin and (allowed == "*" or origin in allowed):
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Vary"] = "Origin"
        if preflight:
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST"
            resp.headers["Access-Control-Allow-Headers"] = (
                "Content-Type, X-Session-Token, X-File-Name"
            )
            resp.headers["Access-Control-Max-Age"] = "600"
    return resp


def _json_body(request: Request) -> dict[str, Any] | None:
    try:
        body = request.json
    except Exception:
        return None
    return body if isinstance(body, dict) else None


def _serve_demo_page(app: Sanic, page: Path) -> None:
    """The demo shop with the widget embedded (widget/index.html) at `/`."""

    async def demo_page(request: Request) -> response.HTTPResponse:
        if not page.is_file():
            return response.text("not found", status=404)
        return await response.file(str(page), mime_type="text/html; charset=utf-8")

    app.add_route(demo_page, "/", name="demo_page")


def _serve_directory(app: Sanic, uri: str, directory: str) -> None:
    """Serve a front-end directory, with its index.html at `uri/`."""
    path = Path(directory)
    if not path.is_dir():
        log.info("%s not served: %s does not exist", uri, path)
        return
    app.static(uri, str(path), name=f"static{uri.replace('/', '_')}")
    index = path / "index.html"

    async def serve_index(request: Request) -> response.HTTPResponse:
        if not index.is_file():
            return response.text("not found", status=404)
        return await response.file(str(index))

    app.add_route(serve_index, f"{uri}/", name=f"index{uri.replace('/', '_')}", strict_slashes=True)
