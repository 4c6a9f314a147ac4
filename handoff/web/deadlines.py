"""Deadlines for slow clients: Sanic's protocol, with timeouts counted from a request's
first byte instead of its latest one.

    app.run(..., protocol=DeadlineProtocol)
"""

from __future__ import annotations

import time

from sanic.http import Stage
from sanic.server.protocols.websocket_protocol import WebSocketProtocol

# Time for a timed-out request's answer to be written before its connection is closed.
_ANSWER_FLUSH_S = 0.5


class DeadlineProtocol(WebSocketProtocol):
    """Sanic's protocol with deadlines counted from a request's first byte.

    Sanic restarts REQUEST_TIMEOUT, RESPONSE_TIMEOUT and KEEP_ALIVE_TIMEOUT at every byte
    received, so a client sending one byte every few seconds keeps its connection forever;
    here bytes of a request's headers or body (also the rest of a body Sanic reads after
    an early answer) do not push its deadline back. Our writes still do, and websockets
    keep Sanic's own rules.

        app.run(..., protocol=DeadlineProtocol)
    """

    def data_received(self, data: bytes) -> None:
        http, started = getattr(self, "_http", None), self._time
        receiving = (
            http is not None
            and not http.upgrade_websocket
            and (
                http.stage in (Stage.REQUEST, Stage.HANDLER)
                or (http.stage is Stage.IDLE and http.request_body)
            )
        )
        super().data_received(data)  # type: ignore[no-untyped-call]
        if receiving:
            self._time = started

    def check_timeouts(self) -> None:
        """Sanic answers a request past RESPONSE_TIMEOUT, then keeps reading the rest of
        its body at any pace; the connection is closed instead, once the answer is out."""
        http = getattr(self, "_http", None)
        late = (
            http is not None
            and http.stage is Stage.HANDLER
            and not http.upgrade_websocket
            and time.monotonic() - self._time > self.response_timeout
        )
        super().check_timeouts()  # type: ignore[no-untyped-call]
        if late:
            self.loop.call_later(_ANSWER_FLUSH_S, self.close)
