"""How the services reach people: four calls, whatever carries them.

The Socket.IO implementation is handoff/sockets/notifier.py; tests pass a recording fake.
"""

from __future__ import annotations

from typing import Any, Protocol

from handoff.protocol import Entry


class Notifier(Protocol):
    """Where the services send what happened."""

    async def entry_to_customer(self, conversation_id: str, entry: Entry) -> None:
        """A recorded entry, live, in each customer view (`bot_uttered`)."""

    async def to_customer(self, conversation_id: str, event: str, data: Any) -> None:
        """One of the protocol's additions (status, typing) to customers who opted in."""

    async def to_agent(self, username: str, event: str, data: Any) -> None: ...

    async def to_agents(self, event: str, data: Any) -> None: ...

    async def disconnect_agent(self, sid: str) -> None:
        """Close an agent socket of this process (its token was revoked)."""
