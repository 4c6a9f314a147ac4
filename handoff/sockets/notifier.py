"""The services' Notifier over Socket.IO rooms, shared by every gateway process through
python-socketio's Redis manager, so no service needs to know which process holds a socket.

A customer socket joins its conversation's room for the view it asked for (stock Rasa
shapes by default, the extended view if it opted in); an entry goes to each room in that
room's shape.

    notifier = SocketNotifier(sio)
    await notifier.entry_to_customer("c1", entry)
"""

from __future__ import annotations

from typing import Any

import socketio

from handoff.protocol import CustomerView, Entry, bot_uttered

CUSTOMER_NAMESPACE = "/"
AGENT_NAMESPACE = "/agents"
ALL_AGENTS_ROOM = "agents"


def customer_room(conversation_id: str, view: CustomerView) -> str:
    return f"conversation:{conversation_id}:{view}"


def agent_room(username: str) -> str:
    return f"agent:{username}"


class SocketNotifier:
    """Emits to the customers' and agents' rooms on any gateway process."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self._sio = sio

    async def entry_to_customer(self, conversation_id: str, entry: Entry) -> None:
        for view in CustomerView:
            payload = bot_uttered(entry, view)
            if payload is not None:
                await self._sio.emit(
                    "bot_uttered",
                    payload,
                    room=customer_room(conversation_id, view),
                    namespace=CUSTOMER_NAMESPACE,
                )

    async def to_customer(self, conversation_id: str, event: str, data: Any) -> None:
        await self._sio.emit(
            event,
            data,
            room=customer_room(conversation_id, CustomerView.EXTENDED),
            namespace=CUSTOMER_NAMESPACE,
        )

    async def to_agent(self, username: str, event: str, data: Any) -> None:
        await self._sio.emit(event, data, room=agent_room(username), namespace=AGENT_NAMESPACE)

    async def to_agents(self, event: str, data: Any) -> None:
        await self._sio.emit(event, data, room=ALL_AGENTS_ROOM, namespace=AGENT_NAMESPACE)

    async def disconnect_agent(self, sid: str) -> None:
        await self._sio.disconnect(sid, namespace=AGENT_NAMESPACE)
