"""What one gateway process holds, from start to stop: the Socket.IO server, the Redis
connection, the services, the agents' canned answers, and the sweeper that watches agents'
presence and the FAQ files.

    gateway = Gateway(settings)
    await gateway.start()        # connects Redis, wires the services
    await gateway.close_sockets()
    await gateway.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import socketio
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from handoff.auth.tokens import resolve_secret
from handoff.bot_client import RasaClient
from handoff.insights.runner import InsightsRunner
from handoff.mail.receiver import start_receiver
from handoff.mail.sender import OutboxWorker
from handoff.services import Services
from handoff.services.faq_answers import FaqFiles
from handoff.services.notifier import Notifier
from handoff.settings import Settings
from handoff.sockets.agents import AgentNamespace
from handoff.sockets.customers import CustomerNamespace
from handoff.sockets.notifier import SocketNotifier
from handoff.sockets.wire import WirePacket
from handoff.stores import Stores
from handoff.stores.agents import HEARTBEAT_INTERVAL_S

log = logging.getLogger("handoff.gateway")

# How long a stopping process waits for a mail it is handing over (docs/email.md).
OUTBOX_STOP_S = 1.0
# How often each process deletes attachment files and marked answers whose conversation
# expired.
FILE_SWEEP_INTERVAL_S = 600.0
# A restarted Redis closed every pooled connection: a command that meets one reconnects
# and tries again, for about 2.5 s in all (0.2, 0.4, 0.8, 1.0 s apart), instead of failing
# once per pooled connection (a bot reply that arrives then would be dropped).
REDIS_RETRIES = 4


def max_frame_bytes(settings: Settings) -> int:
    """Largest Socket.IO frame or polling body taken: room for the longest message."""
    return max(64_000, settings.max_message_chars * 16)


async def connect(settings: Settings, notifier: Notifier) -> tuple[Redis, Services]:
    """Redis and the services over it: what every process of the gateway starts from
    (a gateway, or the reply receiver alone: `python -m handoff.mail`)."""
    redis = settings.redis_client(
        socket_connect_timeout=2,
        socket_timeout=5,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.1), REDIS_RETRIES),
        retry_on_error=[RedisConnectionError],
    )
    stores = Stores.connect(redis, settings)
    secret = await resolve_secret(redis, stores.keys, settings.gateway_secret)
    rasa = RasaClient(
        settings.rasa_url,
        settings.bot_timeout_s,
        settings.rasa_token,
        settings.rasa_channel_secret,
    )
    return redis, Services.build(stores, settings, notifier, rasa, secret)


class Gateway:
    """Settings, the Socket.IO server and, once started, Redis and the services."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sio = socketio.AsyncServer(
            async_mode="sanic",
            client_manager=socketio.AsyncRedisManager(
                settings.redis_url, channel=settings.socketio_channel
            ),
            cors_allowed_origins=settings.allowed_origins,
            max_http_buffer_size=max_frame_bytes(settings),
            ping_interval=settings.socket_ping_interval_s,
            ping_timeout=settings.socket_ping_timeout_s,
            serializer=WirePacket,  # every incoming payload checked once (sockets/wire.py)
            logger=False,
            engineio_logger=False,
            # One event at a time per socket, in arrival order: a customer's (or agent's)
            # messages reach the transcript in the order they were sent. Handlers never
            # wait on the bot (that runs in the background), so this costs nothing.
            async_handlers=False,
        )
        self.sio.register_namespace(CustomerNamespace(lambda: self.services.customers))
        self.sio.register_namespace(AgentNamespace(lambda: self.services.agents))
        self.redis: Redis | None = None
        self._services: Services | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._outbox: tuple[OutboxWorker, asyncio.Task[None]] | None = None
        self._receiver: asyncio.AbstractServer | None = None
        self.faq_files = FaqFiles(settings.faq_files)
        self.insights = InsightsRunner(settings)

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the gateway has not started yet")
        return self._services

    async def start(self) -> None:
        settings = self.settings
        self.redis, self._services = await connect(settings, SocketNotifier(self.sio))
        stores = self._services.stores
        if settings.agents_file:
            loaded = await stores.agents.load_file(settings.agents_file)
            log.info("loaded %d agent accounts from %s", loaded, settings.agents_file)
        await asyncio.to_thread(self.faq_files.refresh)
        self._sweeper = asyncio.create_task(self._sweep_forever())
        await self._start_mail()

    async def close_sockets(self) -> None:
        """Disconnect every client of this process, so the server stops at once; their
        clients reconnect, to another process if one runs."""
        with contextlib.suppress(RedisError, OSError):
            if self.sio.eio.sockets:  # engine.io's disconnect fails when there are none
                await self.sio.eio.disconnect()
        await self.sio.shutdown()

    async def stop(self) -> None:
        self.insights.close()
        if self._receiver:
            self._receiver.close()
        tasks = [self._sweeper]
        if self._outbox:  # a mail being handed over gets a moment to finish
            worker, outbox = self._outbox
            worker.stop()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(outbox), OUTBOX_STOP_S)
            tasks.append(outbox)
        for task in tasks:
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._services:
            await self._services.close()
        if self.redis:
            await self.redis.close()

    async def _start_mail(self) -> None:
        """The outbox worker when SMTP is set up; the reply receiver when it has a port."""
        settings, mail = self.settings, self.services.mail
        if settings.mail_enabled:
            # Named by address, so a restarted process finds its own unfinished mails.
            consumer = f"{settings.gateway_host}:{settings.gateway_port}"
            worker = OutboxWorker(mail, settings, consumer, poll_s=settings.sweep_interval_s)
            self._outbox = (worker, asyncio.create_task(worker.run()))
        if settings.mail_receiver_port and settings.mail_reply_domain:
            self._receiver = await start_receiver(
                settings, mail.tokens, self.services.customers.email_reply
            )

    async def redis_ok(self) -> bool:
        try:
            return bool(await self.redis.ping()) if self.redis else False
        except (RedisError, OSError):
            return False

    async def _sweep_forever(self) -> None:
        """Heartbeat this process's agent sockets; requeue chats of vanished agents;
        delete attachment files and marked answers of expired conversations and take them
        out of the inbox; reread changed FAQ files."""
        last_heartbeat = last_file_sweep = 0.0
        while True:
            await asyncio.sleep(self.settings.sweep_interval_s)
            beat = time.monotonic() - last_heartbeat >= HEARTBEAT_INTERVAL_S
            try:
                await asyncio.to_thread(self.faq_files.refresh)
                await self.services.agents.sweep(heartbeat=beat)
                if beat:
                    await self.services.mail.heartbeat()
                    last_heartbeat = time.monotonic()
                if time.monotonic() - last_file_sweep >= FILE_SWEEP_INTERVAL_S:
                    await self.services.stores.records.sweep_files()
                    await self.services.stores.inbox.sweep()
                    await self.services.stores.taught.prune()
                    last_file_sweep = time.monotonic()
            except (RedisError, OSError) as exc:
                log.warning("sweep skipped: Redis unavailable (%s)", exc)
            except Exception:
                log.exception("sweep failed")
