"""The agent namespace "/agents": authenticated sockets of the team's console.

Every event may carry an ack callback; the ack is `{"ok": true, ...}` or
`{"ok": false, "error": code, "message": ...}`. Thin on purpose: each handler reads the
event and calls the AgentDesk.

    sio.register_namespace(AgentNamespace(lambda: services.agents))
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

from handoff.protocol import ErrorCode, InputError
from handoff.services.agent_desk import AgentDesk
from handoff.sockets.guarded import GuardedNamespace, payload, refused_connection
from handoff.sockets.notifier import AGENT_NAMESPACE, ALL_AGENTS_ROOM, agent_room

log = logging.getLogger("handoff.gateway")


class AgentNamespace(GuardedNamespace):
    def __init__(self, desk: Callable[[], AgentDesk]) -> None:
        super().__init__(AGENT_NAMESPACE)
        self._desk = desk
        self._greetings: set[asyncio.Task[None]] = set()

    @property
    def desk(self) -> AgentDesk:
        return self._desk()

    async def on_connect(self, sid: str, environ: Any, auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        agent = await self.desk.authenticate_token(token)
        if agent is None:
            log.info("agent socket refused: missing or invalid token")
            raise refused_connection(
                InputError(ErrorCode.UNAUTHORIZED, "Log in first; send auth: {token}.")
            )
        await self.save_session(sid, {"username": agent.username})
        await self.enter_room(sid, ALL_AGENTS_ROOM)
        await self.enter_room(sid, agent_room(agent.username))
        # After the handshake completes: emits from inside connect would precede it.
        task = asyncio.create_task(self._greet(sid, agent.username, str(token)))
        self._greetings.add(task)
        task.add_done_callback(self._greetings.discard)

    async def _greet(self, sid: str, username: str, token: str) -> None:
        try:
            view = await self.desk.connected(username, sid, token)
            if not self.server.manager.is_connected(sid, self.namespace):
                await self.desk.disconnected(username, sid)  # left meanwhile
                return
            await self.emit("queue", view["queue"], to=sid)
            await self.emit("agents", view["agents"], to=sid)
            await self.emit("chats", view["chats"], to=sid)
        except Exception:
            log.exception("could not send the starting view to agent %s", username)

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        username = await self._username(sid)
        await self.desk.disconnected(username, sid)

    async def on_sync(self, sid: str, data: Any) -> dict[str, Any]:
        """The starting view again (queue, agents, chats) in the ack."""
        return {"ok": True, **await self.desk.view(await self._username(sid))}

    async def on_presence(self, sid: str, data: Any) -> dict[str, Any]:
        return await self.desk.set_presence(await self._username(sid), payload(data).get("status"))

    async def on_claim(self, sid: str, data: Any) -> dict[str, Any]:
        return await self.desk.claim(
            await self._username(sid), payload(data).get("conversation_id")
        )

    async def on_transcript(self, sid: str, data: Any) -> dict[str, Any]:
        return await self.desk.transcript(
            await self._username(sid), payload(data).get("conversation_id")
        )

    async def on_message(self, sid: str, data: Any) -> dict[str, Any]:
        request = payload(data)
        return await self.desk.message(
            await self._username(sid), request.get("conversation_id"), request.get("text")
        )

    async def on_typing(self, sid: str, data: Any) -> dict[str, Any]:
        request = payload(data)
        await self.desk.typing(
            await self._username(sid), request.get("conversation_id"), request.get("typing")
        )
        return {"ok": True}

    async def on_note(self, sid: str, data: Any) -> dict[str, Any]:
        request = payload(data)
        return await self.desk.note(
            await self._username(sid), request.get("conversation_id"), request.get("text")
        )

    async def on_transfer(self, sid: str, data: Any) -> dict[str, Any]:
        request = payload(data)
        return await self.desk.transfer(
            await self._username(sid), request.get("conversation_id"), request.get("to")
        )

    async def on_resolve(self, sid: str, data: Any) -> dict[str, Any]:
        return await self.desk.resolve(
            await self._username(sid), payload(data).get("conversation_id")
        )

    async def on_close(self, sid: str, data: Any) -> dict[str, Any]:
        return await self.desk.close(
            await self._username(sid), payload(data).get("conversation_id")
        )

    async def on_mark_good_answer(self, sid: str, data: Any) -> dict[str, Any]:
        request = payload(data)
        return await self.desk.teaching.mark(
            await self._username(sid), request.get("conversation_id"), request.get("reply_id")
        )

    async def _username(self, sid: str) -> str:
        return str((await self.get_session(sid))["username"])
