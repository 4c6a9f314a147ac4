"""How the service reaches people: three calls, implemented with Socket.IO rooms.

Rooms are shared by every gateway process through python-socketio's Redis manager, so
the service never needs to know which process holds a socket.

    notifier = SocketNotifier(sio)
    await notifier.to_customer("c1", "bot_uttered", {"text": "hi"})
"""

from __future__ import annotations

from typing import Any, Protocol

import socketio

CUSTOMER_NAMESPACE = "/"
AGENT_NAMESPACE = "/agents"
ALL_AGENTS_ROOM = "agents"


def customer_room(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


def agent_room(username: str) -> str:
    return f"agent:{username}"


class Notifier(Protocol):
    """Where ConversationService sends events; tests pass a recording fake."""

    async def to_customer(self, conversation_id: str, event: str, data: Any) -> None: ...

    async def to_agent(self, username: str, event: str, data: Any) -> None: ...

    async def to_agents(self, event: str, data: Any) -> None: ...


class SocketNotifier:
    """Emits to the customer's and agents' rooms on any gateway process."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self._sio = sio

    async def to_customer(self, conversation_id: str, event: str, data: Any) -> None:
        await self._sio.emit(
            event, data, room=customer_room(conversation_id), namespace=CUSTOMER_NAMESPACE
        )

    async def to_agent(self, username: str, event: str, data: Any) -> None:
        await self._sio.emit(event, data, room=agent_room(username), namespace=AGENT_NAMESPACE)

    async def to_agents(self, event: str, data: Any) -> None:
        await self._sio.emit(event, data, room=ALL_AGENTS_ROOM, namespace=AGENT_NAMESPACE)
