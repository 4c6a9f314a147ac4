"""A TCP proxy in front of the test Redis that can lose one reply, as a Redis restart or a
cut network does: the command reached Redis and ran, and the client never hears back.

    async with ReplyLosingProxy(redis_server.host, redis_server.port) as proxy:
        client = Redis(host=proxy.host, port=proxy.port, ...)
        proxy.lose_next_reply_to(b"EVALSHA")   # that connection closes before the reply
        ...
        proxy.sent(b"EVALSHA")                 # how many such commands reached Redis
"""

from __future__ import annotations

import asyncio
from types import TracebackType

from devstack.processes import free_port


class ReplyLosingProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.host, self.port = "127.0.0.1", free_port()
        self._upstream = (upstream_host, upstream_port)
        self._server: asyncio.Server | None = None
        self._armed: bytes | None = None
        self._commands: list[bytes] = []
        self.lost = 0

    def lose_next_reply_to(self, command: bytes) -> None:
        self._armed = command

    def sent(self, command: bytes) -> int:
        return sum(chunk.count(command) for chunk in self._commands)

    async def __aenter__(self) -> ReplyLosingProxy:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        server_in, server_out = await asyncio.open_connection(*self._upstream)
        losing = asyncio.Event()

        async def requests() -> None:
            while chunk := await client_in.read(65536):
                self._commands.append(chunk)
                if self._armed is not None and self._armed in chunk:
                    self._armed = None
                    losing.set()
                server_out.write(chunk)
                await server_out.drain()

        async def replies() -> None:
            while chunk := await server_in.read(65536):
                if losing.is_set():
                    self.lost += 1
                    return  # the reply goes nowhere: both ends are closed below
                client_out.write(chunk)
                await client_out.drain()

        tasks = [asyncio.ensure_future(requests()), asyncio.ensure_future(replies())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            for writer in (client_out, server_out):
                writer.close()
