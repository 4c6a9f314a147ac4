"""The customer namespace "/": Rasa's socketio channel protocol plus opt-in additions.

Thin on purpose: each handler reads the event and calls the CustomerService. A socket
gets stock Rasa payloads unless its `session_request` carries `"extended": true` (our
widget does): then it also gets ids and roles, `history`, `status`, `typing` and `error`.
A stock client's refused message is answered in words it can show: a bot text.

    sio.register_namespace(CustomerNamespace(lambda: services.customers))
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from handoff.protocol import CustomerStatus, CustomerView, ErrorCode, InputError
from handoff.services.customers import CustomerService
from handoff.sockets.guarded import GuardedNamespace, payload, refused_connection
from handoff.sockets.notifier import CUSTOMER_NAMESPACE, customer_room

log = logging.getLogger("handoff.gateway")


class CustomerNamespace(GuardedNamespace):
    def __init__(self, customers: Callable[[], CustomerService]) -> None:
        super().__init__(CUSTOMER_NAMESPACE)
        self._customers = customers

    @property
    def customers(self) -> CustomerService:
        return self._customers()

    async def on_connect(self, sid: str, environ: Any, auth: Any = None) -> None:
        request = environ.get("sanic.request")
        address = self.customers.client_address(
            request.ip if request is not None else "", environ.get("HTTP_X_FORWARDED_FOR")
        )
        if not self.customers.sockets.open(address):
            log.info("customer socket refused: too many open from %s", address)
            refusal = InputError(
                ErrorCode.TOO_MANY_CONNECTIONS, "Too many open chats from your network."
            )
            raise refused_connection(refusal)
        await self.save_session(
            sid, {"address": address, "user_agent": environ.get("HTTP_USER_AGENT", "")}
        )

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        self.customers.sockets.close((await self.get_session(sid)).get("address", ""))
        await self.customers.widget_disconnected(sid)
        log.debug("customer socket %s disconnected (%s)", sid, reason)

    async def on_session_request(self, sid: str, data: Any) -> None:
        request = payload(data)
        view = CustomerView.EXTENDED if request.get("extended") is True else CustomerView.RASA
        session = await self.get_session(sid)
        await self.save_session(sid, {**session, "view": view})  # refusals speak its language
        opened = await self.customers.open_session(
            request.get("session_id"),
            request.get("last_id"),
            join=lambda conversation_id: self._bind(sid, conversation_id, view),
            socket=sid,
            address=session.get("address", ""),
            metadata=request.get("metadata"),
            user_agent=session.get("user_agent"),
        )
        await self.emit("session_confirm", opened.token, to=sid)
        if view is CustomerView.EXTENDED:
            history = {
                "messages": opened.history,
                "email": opened.email,
                "max_message_chars": opened.max_message_chars,
            }
            await self.emit("history", history, to=sid)
            await self.emit("status", opened.status, to=sid)
            moved = await self.customers.status_if_moved(opened.conversation_id, opened.status)
            if moved:
                await self.emit("status", moved, to=sid)

    async def on_user_uttered(self, sid: str, data: Any) -> None:
        message = payload(data)
        if "message" not in message and await self._view(sid) is CustomerView.RASA:
            return  # rasa-webchat opens every chat so, when no init payload is set: no text
        conversation_id = await self._conversation(sid, message.get("session_id"))
        metadata = message.get("metadata") or message.get("customData")
        await self.customers.message(conversation_id, message.get("message"), metadata)

    async def on_typing(self, sid: str, data: Any) -> None:
        await self.customers.typing(await self._conversation(sid), payload(data).get("typing"))

    async def on_request_human(self, sid: str, data: Any) -> CustomerStatus:
        payload(data)
        return await self.customers.request_human(await self._conversation(sid))

    async def on_end_chat(self, sid: str, data: Any) -> CustomerStatus:
        payload(data)
        return await self.customers.end_chat(await self._conversation(sid))

    async def on_contact_details(self, sid: str, data: Any) -> dict[str, Any]:
        entry = await self.customers.contact_details(await self._conversation(sid), payload(data))
        return {"ok": True, "id": entry["id"]}

    async def on_email_transcript(self, sid: str, data: Any) -> dict[str, Any]:
        payload(data)
        await self.customers.email_transcript(await self._conversation(sid))
        return {"ok": True}

    async def on_rating(self, sid: str, data: Any) -> dict[str, Any]:
        request = payload(data)
        entry = await self.customers.rating(
            await self._conversation(sid), request.get("score"), request.get("comment")
        )
        return {"ok": True, "id": entry["id"]}

    async def refuse(self, sid: str, error: InputError) -> None:
        if await self._view(sid) is CustomerView.EXTENDED:
            await super().refuse(sid, error)
        else:
            await self.emit("bot_uttered", {"text": error.message}, to=sid)

    async def _bind(self, sid: str, conversation_id: str, view: CustomerView) -> None:
        session = await self.get_session(sid)
        previous, room = session.get("conversation_id"), session.get("room")
        if previous and room != customer_room(conversation_id, view):
            await self.leave_room(sid, room)
        room = customer_room(conversation_id, view)
        await self.save_session(
            sid, {**session, "conversation_id": conversation_id, "view": view, "room": room}
        )
        await self.enter_room(sid, room)
        await self.customers.widget_connected(sid, conversation_id)

    async def _view(self, sid: str) -> CustomerView:
        try:
            session = await self.get_session(sid)
        except KeyError:  # the socket is gone
            return CustomerView.RASA
        return CustomerView(session.get("view", CustomerView.RASA))

    async def _conversation(self, sid: str, token: Any | None = None) -> str:
        """The socket's conversation; a client that skipped session_request may still
        name its session with a genuine token (Rasa's clients send it on every message)."""
        conversation_id = (await self.get_session(sid)).get("conversation_id")
        if conversation_id:
            return str(conversation_id)
        conversation_id = await self.customers.conversation_of(token)
        await self._bind(sid, conversation_id, CustomerView.RASA)
        return conversation_id
