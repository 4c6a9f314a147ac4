"""A TCP proxy whose wire a test can cut, as a dropped network does: from then on nothing
arrives either way and nothing is closed, so each end only notices by its own timeouts.

    proxy = await CuttableProxy.start(gateway.port)
    agent = await Agent.connect(proxy.url, "ada")
    proxy.cut()          # Wi-Fi gone: the sockets stay open, every byte vanishes
    await proxy.close()  # the network is back: the old connections end, new ones go direct
"""

from __future__ import annotations

import asyncio
import contextlib


class CuttableProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._cut = False
        self._server: asyncio.AbstractServer | None = None
        self._writers: list[asyncio.StreamWriter] = []

    @classmethod
    async def start(cls, target_port: int) -> CuttableProxy:
        proxy = cls(target_port)
        proxy._server = await asyncio.start_server(proxy._serve, "127.0.0.1", 0)
        proxy.port = int(proxy._server.sockets[0].getsockname()[1])
        return proxy

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut(self) -> None:
        self._cut = True

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        await self._server.wait_closed()

    async def _serve(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        target_in, target_out = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers += [client_out, target_out]
        await asyncio.gather(self._pipe(client_in, target_out), self._pipe(target_in, client_out))

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await source.read(65536):
                if not self._cut:
                    sink.write(data)
                    await sink.drain()
        if not self._cut:
            sink.close()
