"""The customer namespace "/": Rasa's socketio channel protocol plus our additions.

Thin on purpose: each handler reads the event and calls ConversationService.

    sio.register_namespace(CustomerNamespace(lambda: service))
"""

from __future__ import annotations

import logging
from typing import Any

from handoff.errors import InputError
from handoff.guarded_namespace import GuardedNamespace, ServiceRef, payload
from handoff.notifier import CUSTOMER_NAMESPACE, customer_room

log = logging.getLogger("handoff.gateway")


class CustomerNamespace(GuardedNamespace):
    def __init__(self, service: ServiceRef) -> None:
        super().__init__(CUSTOMER_NAMESPACE, service)

    async def on_connect(self, sid: str, environ: Any, auth: Any = None) -> bool:
        return True

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        log.debug("customer socket %s disconnected (%s)", sid, reason)

    async def on_session_request(self, sid: str, data: Any) -> None:
        request = payload(data)
        opened = await self.service.open_session(
            request.get("session_id"),
            request.get("last_id"),
            join=lambda conversation_id: self._bind(sid, conversation_id),
        )
        await self.emit("session_confirm", opened.token, to=sid)
        await self.emit("history", {"messages": opened.history}, to=sid)
        await self.emit("status", opened.status, to=sid)

    async def on_user_uttered(self, sid: str, data: Any) -> None:
        message = payload(data)
        conversation_id = await self._conversation(sid, message.get("session_id"))
        metadata = message.get("metadata") or message.get("customData")
        await self.service.customer_message(conversation_id, message.get("message"), metadata)

    async def on_typing(self, sid: str, data: Any) -> None:
        await self.service.customer_typing(
            await self._conversation(sid), payload(data).get("typing")
        )

    async def on_request_human(self, sid: str, data: Any) -> dict[str, Any]:
        payload(data)
        return await self.service.request_human(await self._conversation(sid))

    async def on_contact_details(self, sid: str, data: Any) -> dict[str, Any]:
        entry = await self.service.contact_details(await self._conversation(sid), payload(data))
        return {"ok": True, "id": entry["id"]}

    async def on_rating(self, sid: str, data: Any) -> dict[str, Any]:
        entry = await self.service.rating(await self._conversation(sid), payload(data).get("score"))
        return {"ok": True, "id": entry["id"]}

    async def _bind(self, sid: str, conversation_id: str) -> None:
        session = await self.get_session(sid)
        previous = session.get("conversation_id")
        if previous and previous != conversation_id:
            await self.leave_room(sid, customer_room(previous))
        await self.save_session(sid, {"conversation_id": conversation_id})
        await self.enter_room(sid, customer_room(conversation_id))

    async def _conversation(self, sid: str, token: Any | None = None) -> str:
        """The socket's conversation; a client that skipped session_request may still
        name its session with a genuine token (Rasa's clients send it on every message)."""
        conversation_id = (await self.get_session(sid)).get("conversation_id")
        if conversation_id:
            return str(conversation_id)
        conversation_id = self.service.sessions.verify(token)
        if conversation_id and await self.service.conversations.get(conversation_id):
            await self._bind(sid, conversation_id)
            return conversation_id
        raise InputError("invalid_session", "No session yet: send session_request first.")
