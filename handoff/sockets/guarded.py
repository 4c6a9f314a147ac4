"""Base class of the socket namespaces: one handler per event, failures become refusals.

A handler gets `(sid, data)` whatever the client sent (no data, extra arguments), and any
refusal (InputError), Redis outage or bug reaches the client as a refusal (`refuse`: an
`error` event) plus a `{"ok": false, ...}` ack, instead of a silently dropped event or a
crashed task. Events the wire refused (wire.py: values a browser cannot read, reserved
names) are answered the same way and reach no handler; a connect that fails for any
reason is refused, never left half open.

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
from handoff.sockets.wire import RefusedEvent

log = logging.getLogger("handoff.gateway")


class GuardedNamespace(socketio.AsyncNamespace):
    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event in ("connect", "disconnect"):
            try:
                return await super().trigger_event(event, *args)
            except socketio.exceptions.ConnectionRefusedError:
                raise
            except (RedisError, OSError) as exc:
                log.error("%s %s failed: Redis unavailable (%s)", self.namespace, event, exc)
                if event == "connect":
                    raise refused_connection(Unavailable()) from exc
                return None
            except Exception as exc:
                log.exception("%s %s failed", self.namespace, event)
                if event == "connect":
                    raise refused_connection(_internal_error()) from exc
                return None
        sid = args[0]
        if isinstance(event, RefusedEvent):
            log.info("%s refused an event from %s: %s", self.namespace, sid, event.error.message)
            return await self._refused(sid, event.error)
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
            return await self._refused(sid, _internal_error())

    async def _refused(self, sid: str, error: InputError) -> dict[str, object]:
        with contextlib.suppress(RedisError, OSError):
            await self.refuse(sid, error)
        return error.as_ack()

    async def refuse(self, sid: str, error: InputError) -> None:
        """Tell the socket why its event was refused (an `error` event)."""
        await self.emit("error", error.as_payload(), to=sid)


def refused_connection(error: InputError) -> socketio.exceptions.ConnectionRefusedError:
    """A refused connect: the client's `connect_error` gets `message`, and `data` with
    the code (`error.data.code` in the browser)."""
    return socketio.exceptions.ConnectionRefusedError(error.message, error.as_payload())


def payload(data: Any) -> dict[str, Any]:
    """The event's data object; anything but a JSON object (or nothing) is refused."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(ErrorCode.INVALID_PAYLOAD, "Expected a JSON object.")
    return data


def _internal_error() -> InputError:
    return InputError(
        ErrorCode.INTERNAL_ERROR, "Something went wrong on our side; please try again."
    )
