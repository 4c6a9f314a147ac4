"""Run the reply receiver alone: `python -m handoff.mail` (settings from the env).

For a deployment whose mail relay should not reach the gateway processes: replies are
recorded in the same Redis, and agents are told through the gateways' Socket.IO channel,
so any gateway's console shows them. Needs MAIL_RECEIVER_PORT and MAIL_REPLY_DOMAIN.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import socketio

from handoff.gateway import connect
from handoff.mail.receiver import start_receiver
from handoff.settings import Settings
from handoff.sockets.notifier import SocketNotifier


async def serve(settings: Settings) -> None:
    if not (settings.mail_receiver_port and settings.mail_reply_domain):
        raise SystemExit("set MAIL_RECEIVER_PORT and MAIL_REPLY_DOMAIN to receive replies")
    # Emits go to the gateways through Redis; this process holds no sockets of its own.
    manager = socketio.AsyncRedisManager(
        settings.redis_url, channel=settings.socketio_channel, write_only=True
    )
    redis, services = await connect(
        settings, SocketNotifier(socketio.AsyncServer(client_manager=manager))
    )
    server = await start_receiver(settings, services.mail.tokens, services.customers.email_reply)
    try:
        await server.serve_forever()
    finally:
        server.close()
        await services.close()
        await redis.close()


def main() -> None:
    settings = Settings.from_env()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
