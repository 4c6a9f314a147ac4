"""How the Socket.IO server reads and writes frames: every incoming payload is checked once,
here, before any handler runs.

python-socketio decodes events with Python's json, which accepts NaN, Infinity, lone
surrogates, integers of any size and nesting up to the recursion limit; the browser's
client cannot read some of those back, so one stored value could lock agents out of the
console. An event carrying any of them, or using a reserved name (`connect`,
`disconnect`...), or no name at all, arrives at the namespace as a `RefusedEvent`, which
GuardedNamespace answers with its error code (and the event's ack, if it asked for one).

    socketio.AsyncServer(serializer=WirePacket, ...)
"""

from __future__ import annotations

import types
from typing import Any

import socketio

from handoff.protocol import ErrorCode, InputError
from handoff.services.validation import dumps_safe, loads_checked

# Names python-socketio uses for the socket's lifecycle: never an event from a client.
RESERVED_EVENTS = frozenset(socketio.AsyncServer.reserved_events)


class RefusedEvent(str):
    """The event name the namespace sees in place of a refused one; `error` says why."""

    error: InputError

    def __new__(cls, error: InputError) -> RefusedEvent:
        refused = super().__new__(cls, "(refused)")
        refused.error = error
        return refused


class WirePacket(socketio.packet.Packet):
    """A Socket.IO packet decoded with `loads_checked` and encoded without NaN."""

    packet_type: Any
    data: Any
    json = types.SimpleNamespace(loads=loads_checked, dumps=dumps_safe)

    def decode(self, encoded_packet: Any) -> int:
        try:
            attachments: int = super().decode(encoded_packet)
        except InputError as error:
            self._refuse(error)
            return 0
        except ValueError:
            if self.packet_type != socketio.packet.EVENT:
                raise  # not an event: there is nobody to answer
            self._refuse(InputError(ErrorCode.INVALID_PAYLOAD, "The event is not valid JSON."))
            return 0
        if self.packet_type in (socketio.packet.BINARY_EVENT, socketio.packet.BINARY_ACK):
            self._refuse(InputError(ErrorCode.INVALID_PAYLOAD, "Binary data is not accepted."))
            return 0
        if self.packet_type == socketio.packet.EVENT:
            event = self.data[0] if isinstance(self.data, list) and self.data else None
            if not isinstance(event, str) or event in RESERVED_EVENTS:
                self._refuse(
                    InputError(ErrorCode.UNKNOWN_EVENT, f"{event!r} is not an event you can send.")
                )
        return attachments

    def _refuse(self, error: InputError) -> None:
        """Events become a RefusedEvent (answered, with the client's ack id); anything
        else (a connect's auth) is dropped, so the handshake goes on without it."""
        if self.packet_type in (socketio.packet.EVENT, socketio.packet.BINARY_EVENT):
            self.packet_type = socketio.packet.EVENT
            self.data = [RefusedEvent(error)]
        else:
            self.data = None
