"""Replaces `EndpointConfig.session`: one HTTP session, with pooled connections, per
endpoint and event loop.

Rasa 3.6 opens a new aiohttp session, and so a new TCP connection, for every call to the
action server (`async with endpoint.session()` closes it again). We hand out a session
that stays open for the endpoint's life on that event loop. Its idle connections are
dropped after 4 s, before a Sanic action server (5 s by default) would close them under
a request.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_speedups import tracker_json
from bot.rasa_speedups.object_cache import ObjectCache
from bot.rasa_speedups.patching import Patch

CLIENT_KEEP_ALIVE_S = 4.0

# Per endpoint: the event loop its session belongs to, and the session.
_sessions: ObjectCache[EndpointConfig, tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession]]
_sessions = ObjectCache()


class _KeptOpen:
    """`async with` yields the shared session and leaves it open afterwards."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *exc_info: Any) -> None:
        return None


def _shared_session(self: EndpointConfig) -> Any:
    loop = asyncio.get_running_loop()
    kept = _sessions.get(self)
    if kept is None or kept[0] is not loop or kept[1].closed:
        auth = self.basic_auth  # the same settings as Rasa's `session()`
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(keepalive_timeout=CLIENT_KEEP_ALIVE_S),
            headers=self.headers,
            auth=aiohttp.BasicAuth(auth["username"], auth["password"]) if auth else None,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            json_serialize=tracker_json.dumps,  # the request body is mostly the tracker
        )
        kept = (loop, session)
        _sessions.set(self, kept)
    return _KeptOpen(kept[1])


PATCHES = (Patch.replacing(EndpointConfig, "session", _shared_session),)
