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


_FROM_CLIENTS = (
    socketio.packet.CONNECT,
    socketio.packet.DISCONNECT,
    socketio.packet.EVENT,
    socketio.packet.ACK,
)


_OUTGOING = object()  # a packet built to send, not decoded from a client's frame


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

    def __init__(
        self,
        packet_type: int = socketio.packet.EVENT,
        data: Any = None,
        namespace: str | None = None,
        id: int | None = None,
        binary: bool | None = None,
        encoded_packet: Any = _OUTGOING,
    ) -> None:
        super().__init__(packet_type, data, namespace, id, binary)
        if encoded_packet is not _OUTGOING:  # python-socketio skips falsy ones: "", null
            self.attachment_count = self.decode(encoded_packet)

    def decode(self, encoded_packet: Any) -> int:
        if not encoded_packet or not isinstance(encoded_packet, (str, bytes)):
            # Engine.IO read the message as JSON already (null, 5, {}...), or it is empty.
            self._refuse_as_event("This is not a Socket.IO packet.")
            return 0
        try:
            attachments: int = super().decode(encoded_packet)
        except InputError as error:
            self._refuse(error)
            return 0
        except ValueError:
            if self.packet_type == socketio.packet.CONNECT:
                self._refuse(InputError(ErrorCode.INVALID_PAYLOAD, "Unreadable auth."))
            else:
                self._refuse_as_event("This is not a Socket.IO packet of valid JSON.")
            return 0
        if self.packet_type in (socketio.packet.BINARY_EVENT, socketio.packet.BINARY_ACK):
            self._refuse(InputError(ErrorCode.INVALID_PAYLOAD, "Binary data is not accepted."))
            return 0
        if self.packet_type not in _FROM_CLIENTS:
            self._refuse_as_event(f"A client cannot send packets of type {self.packet_type!r}.")
            return 0
        if self.packet_type == socketio.packet.EVENT:
            event = self.data[0] if isinstance(self.data, list) and self.data else None
            if not isinstance(event, str) or event in RESERVED_EVENTS:
                self._refuse(
                    InputError(ErrorCode.UNKNOWN_EVENT, f"{event!r} is not an event you can send.")
                )
        return attachments

    def _refuse_as_event(self, message: str) -> None:
        """A frame that is no packet a client may send is answered like a refused event
        (on its namespace, else "/"), rather than dropped with a traceback in the log."""
        self.packet_type = socketio.packet.EVENT
        self._refuse(InputError(ErrorCode.INVALID_PAYLOAD, message))

    def _refuse(self, error: InputError) -> None:
        """Events become a RefusedEvent (answered, with the client's ack id); anything
        else (a connect's auth) is dropped, so the handshake goes on without it."""
        if self.packet_type in (socketio.packet.EVENT, socketio.packet.BINARY_EVENT):
            self.packet_type = socketio.packet.EVENT
            self.data = [RefusedEvent(error)]
        else:
            self.data = None
