"""Build the gateway: a Sanic app with python-socketio on top, state in Redis.

    app = create_app(Settings.from_env())
    app.run(host="127.0.0.1", port=8000)

The Socket.IO namespaces live in handoff/sockets/, the HTTP routes in this package's
blueprints (customer_api, agent_api, pages), their errors in errors.py.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sanic import Sanic

from handoff.gateway import Gateway, max_frame_bytes
from handoff.settings import Settings
from handoff.web import customer_api
from handoff.web.admin_api import admin_api
from handoff.web.agent_api import agent_api
from handoff.web.cors import register_cors
from handoff.web.errors import register_error_handlers
from handoff.web.pages import pages, register_security_headers, serve_directory

log = logging.getLogger("handoff.gateway")

# Open sockets are closed before the server stops; this only bounds a stuck request.
GRACEFUL_SHUTDOWN_S = 1.0


def create_app(settings: Settings, name: str = "handoff_gateway") -> Sanic:
    app = Sanic(name, configure_logging=False)
    app.config.update(
        KEEP_ALIVE_TIMEOUT=settings.keep_alive_timeout_s,
        REQUEST_TIMEOUT=settings.request_timeout_s,
        RESPONSE_TIMEOUT=settings.response_timeout_s,
    )
    # Uploads stream and check their own limit (uploads.py); every other body is small.
    app.config.REQUEST_MAX_SIZE = settings.max_request_bytes
    app.config.WEBSOCKET_MAX_SIZE = max_frame_bytes(settings)
    app.config.GRACEFUL_SHUTDOWN_TIMEOUT = GRACEFUL_SHUTDOWN_S
    gateway = Gateway(settings)
    app.ctx.gateway = gateway
    gateway.sio.attach(app)

    async def start(app: Sanic, loop: Any) -> None:
        await gateway.start()

    async def announce(app: Sanic, loop: Any) -> None:
        log.info(
            "gateway listening on http://%s:%d (demo shop /, console /console/)",
            settings.gateway_host,
            settings.gateway_port,
        )

    async def close_sockets(app: Sanic, loop: Any) -> None:
        await gateway.close_sockets()

    async def stop(app: Sanic, loop: Any) -> None:
        await gateway.stop()
        await _cancel_leftover_tasks()

    app.register_listener(start, "before_server_start")
    app.register_listener(announce, "after_server_start")
    app.register_listener(close_sockets, "before_server_stop")
    app.register_listener(stop, "after_server_stop")

    register_error_handlers(app)
    register_security_headers(app, settings)
    register_cors(app, customer_api.PATHS, settings.allowed_origins)
    app.blueprint(customer_api.customer_api)
    app.blueprint(agent_api)
    app.blueprint(admin_api)
    app.blueprint(pages(settings))
    serve_directory(app, "/widget", settings.widget_dir)
    serve_directory(app, "/console", settings.console_dir)
    return app


async def _cancel_leftover_tasks() -> None:
    """Background tasks of the Socket.IO server and its Redis manager outlive the sockets;
    end them before the loop closes instead of leaving them to be destroyed pending."""
    current = asyncio.current_task()
    leftovers = [task for task in asyncio.all_tasks() if task is not current]
    for task in leftovers:
        task.cancel()
    await asyncio.gather(*leftovers, return_exceptions=True)
