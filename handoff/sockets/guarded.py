"""Base class of the socket namespaces: one handler per event, failures become refusals.

A handler gets `(sid, data)` whatever the client sent (no data, extra arguments), and any
refusal (InputError), Redis outage or bug reaches the client as a refusal (`refuse`: an
`error` event) plus a `{"ok": false, ...}` ack, instead of a silently dropped event or a
crashed task.

    class Customers(GuardedNamespace):
        async def on_typing(self, sid: str, data: Any) -> None: ...
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any, Callable

import socketio
from redis.exceptions import RedisError

from handoff.protocol import ErrorCode, InputError, Unavailable

log = logging.getLogger("handoff.gateway")


class GuardedNamespace(socketio.AsyncNamespace):
    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event in ("connect", "disconnect"):
            try:
                return await super().trigger_event(event, *args)
            except (RedisError, OSError) as exc:
                log.error("%s %s failed: Redis unavailable (%s)", self.namespace, event, exc)
                if event == "connect":
                    raise socketio.exceptions.ConnectionRefusedError(
                        Unavailable().as_payload()
                    ) from exc
                return None
        sid = args[0]
        handler: Callable[[str, Any], Any] | None = getattr(self, f"on_{event}", None)
        if handler is None:
            return await self._refused(
                sid, InputError(ErrorCode.UNKNOWN_EVENT, f"Unknown event {event!r}.")
            )
        try:
            return await handler(sid, args[1] if len(args) > 1 else None)
        except InputError as exc:
            return await self._refused(sid, exc)
        except (RedisError, OSError) as exc:
            log.error(
                "%s %s from %s failed: Redis unavailable (%s)", self.namespace, event, sid, exc
            )
            return await self._refused(sid, Unavailable())
        except Exception:
            log.exception("%s %s from %s failed", self.namespace, event, sid)
            return await self._refused(
                sid,
                InputError(
                    ErrorCode.INTERNAL_ERROR, "Something went wrong on our side; please try again."
                ),
            )

    async def _refused(self, sid: str, error: InputError) -> dict[str, object]:
        with contextlib.suppress(RedisError, OSError):
            await self.refuse(sid, error)
        return error.as_ack()

    async def refuse(self, sid: str, error: InputError) -> None:
        """Tell the socket why its event was refused (an `error` event)."""
        await self.emit("error", error.as_payload(), to=sid)


def payload(data: Any) -> dict[str, Any]:
    """The event's data object; anything but a JSON object (or nothing) is refused."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(ErrorCode.INVALID_PAYLOAD, "Expected a JSON object.")
    return data
