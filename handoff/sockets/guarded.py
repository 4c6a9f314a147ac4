"""Base class of the socket namespaces: one handler per event, failures become `error`.

A handler gets `(sid, data)` whatever the client sent (no data, extra arguments), and any
refusal (InputError), Redis outage or bug reaches the client as an `error` event plus a
`{"ok": false, ...}` ack, instead of a silently dropped event or a crashed task.

    class Customers(GuardedNamespace):
        async def on_typing(self, sid: str, data: Any) -> None: ...
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any, Callable

import socketio
from redis.exceptions import RedisError

from handoff.errors import InputError
from handoff.service import ConversationService

log = logging.getLogger("handoff.gateway")

ServiceRef = Callable[[], ConversationService]


class GatewayUnavailable(InputError):
    def __init__(self) -> None:
        super().__init__(
            "unavailable",
            "The chat service is temporarily unavailable; "
            "nothing was recorded. Please try again in a moment.",
        )


class GuardedNamespace(socketio.AsyncNamespace):
    def __init__(self, namespace: str, service: ServiceRef) -> None:
        super().__init__(namespace)
        self._service_ref = service

    @property
    def service(self) -> ConversationService:
        return self._service_ref()

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event in ("connect", "disconnect"):
            try:
                return await super().trigger_event(event, *args)
            except (RedisError, OSError) as exc:
                log.error("%s %s failed: Redis unavailable (%s)", self.namespace, event, exc)
                if event == "connect":
                    raise socketio.exceptions.ConnectionRefusedError(
                        GatewayUnavailable().as_payload()
                    ) from exc
                return None
        sid = args[0]
        handler: Callable[[str, Any], Any] | None = getattr(self, f"on_{event}", None)
        if handler is None:
            return await self._refuse(sid, InputError("unknown_event", f"Unknown event {event!r}."))
        try:
            return await handler(sid, args[1] if len(args) > 1 else None)
        except InputError as exc:
            return await self._refuse(sid, exc)
        except (RedisError, OSError) as exc:
            log.error(
                "%s %s from %s failed: Redis unavailable (%s)", self.namespace, event, sid, exc
            )
            return await self._refuse(sid, GatewayUnavailable())
        except Exception:
            log.exception("%s %s from %s failed", self.namespace, event, sid)
            return await self._refuse(
                sid,
                InputError("internal_error", "Something went wrong on our side; please try again."),
            )

    async def _refuse(self, sid: str, error: InputError) -> dict[str, Any]:
        with contextlib.suppress(RedisError, OSError):
            await self.emit("error", error.as_payload(), to=sid)
        return {"ok": False, "error": error.code, "message": error.message}


def payload(data: Any) -> dict[str, Any]:
    """The event's data object; anything but a JSON object (or nothing) is refused."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("invalid_payload", "Expected a JSON object.")
    return data
