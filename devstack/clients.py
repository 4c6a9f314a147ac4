"""Real python-socketio clients for the tests: a customer (namespace "/") and an agent
("/agents"). Each records every event it receives, so a test can wait for one.

    customer = await Customer.connect(gateway.url)
    await customer.start_session()
    await customer.say("hello")
    reply = await customer.next_bot_message()
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from typing import Any, Callable

import aiohttp
import socketio

from handoff.protocol import CustomerView
from handoff.sockets.notifier import agent_room, customer_room

Event = tuple[str, Any]
Predicate = Callable[[Any], bool]


async def eventually(
    condition: Callable[[], Any], timeout: float = 10.0, what: str = "condition"
) -> Any:
    """Poll until `condition()` is truthy (awaited when it is a coroutine function, e.g. a
    look at Redis); returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


async def disconnect_all(*clients: RecordingClient) -> None:
    await asyncio.gather(*(client.disconnect() for client in clients))


class RecordingClient:
    namespace = "/"

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: list[Event] = []
        self._cursor: dict[str, int] = {}
        self._arrived = asyncio.Event()

        async def record(event: str, data: Any = None) -> None:
            self.events.append((event, data))
            self._arrived.set()

        self.sio.on("*", record, namespace=self.namespace)

    def of(self, event: str) -> list[Any]:
        return [data for name, data in self.events if name == event]

    async def wait_for(
        self,
        event: str,
        predicate: Predicate = lambda data: True,
        timeout: float = 10.0,
        after: int = 0,
    ) -> Any:
        """The first `event` (from the `after`-th event on) that satisfies `predicate`."""

        def find() -> Any:
            for name, data in self.events[after:]:
                if name == event and predicate(data):
                    return (data,)
            return None

        found = await eventually(find, timeout, f"{event} on {self.namespace}")
        return found[0]

    async def until(
        self, condition: Callable[[], Any], timeout: float, what: str, recheck_s: float = 1.0
    ) -> Any:
        """Like `eventually`, but `condition()` is tried again when this client receives an
        event (and every `recheck_s`) instead of 50 times a second: cheap enough for
        hundreds of clients in one process (bench/soak.py)."""
        deadline = time.monotonic() + timeout
        while True:
            self._arrived.clear()
            value = condition()
            if value:
                return value
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), min(left, recheck_s))

    @property
    def room(self) -> str:
        """The gateway's room this client is in (see GatewayProcess.settled)."""
        raise NotImplementedError

    async def call(self, event: str, data: Any = None, timeout: float = 10.0) -> Any:
        """Emit and wait for the gateway's acknowledgement: the event has been handled."""
        return await self.sio.call(event, data, namespace=self.namespace, timeout=timeout)

    def mark(self) -> int:
        """Position to wait from: events that arrive after now."""
        return len(self.events)

    async def disconnect(self) -> None:
        await self.sio.disconnect()


class Customer(RecordingClient):
    namespace = "/"

    def __init__(self) -> None:
        super().__init__()
        self.token: str | None = None
        self.view = CustomerView.RASA

    @classmethod
    async def connect(cls, url: str, transports: list[str] | None = None) -> Customer:
        customer = cls()
        await customer.sio.connect(url, transports=transports or ["websocket"], wait_timeout=10)
        return customer

    async def start_session(
        self, token: str | None = None, last_id: str | None = None, extended: bool = True
    ) -> dict[str, Any]:
        """session_request; returns {token, history, status}. `extended=False` asks as a
        stock Rasa client does: then only the token comes back."""
        mark = self.mark()
        request: dict[str, Any] = {"session_id": token}
        self.view = CustomerView.EXTENDED if extended else CustomerView.RASA
        if extended:
            request["extended"] = True
        if last_id:
            request["last_id"] = last_id
        await self.sio.emit("session_request", request)
        self.token = await self.wait_for("session_confirm", after=mark)
        if not extended:
            return {"token": self.token}
        history = await self.wait_for("history", after=mark)
        status = await self.wait_for("status", after=mark)
        return {"token": self.token, "history": history["messages"], "status": status}

    @property
    def conversation_id(self) -> str:
        assert self.token, "no session yet"
        return self.token.rsplit(".", 1)[0]

    @property
    def room(self) -> str:
        return customer_room(self.conversation_id, self.view)

    async def say(self, text: Any, **extra: Any) -> None:
        await self.sio.emit("user_uttered", {"message": text, "session_id": self.token, **extra})

    async def say_recorded(self, text: str) -> None:
        """`say`, and the gateway's acknowledgement that it recorded the message."""
        ack = await self.call("user_uttered", {"message": text, "session_id": self.token})
        assert ack is None, f"{text!r} refused: {ack}"

    async def emit(self, event: str, data: Any = None) -> None:
        await self.sio.emit(event, data)

    async def bot_message(
        self, predicate: Predicate = lambda data: True, after: int = 0, timeout: float = 10.0
    ) -> dict[str, Any]:
        message: dict[str, Any] = await self.wait_for("bot_uttered", predicate, timeout, after)
        return message

    async def error(self, code: str, after: int = 0) -> dict[str, Any]:
        error: dict[str, Any] = await self.wait_for(
            "error", lambda data: data.get("code") == code, after=after
        )
        return error

    def messages(self) -> list[dict[str, Any]]:
        return list(self.of("bot_uttered"))


class Agent(RecordingClient):
    namespace = "/agents"

    def __init__(self, token: str, name: str, username: str) -> None:
        super().__init__()
        self.token = token
        self.name = name
        self.username = username

    @property
    def room(self) -> str:
        return agent_room(self.username)

    @staticmethod
    async def login(url: str, username: str, password: str) -> dict[str, Any]:
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{url}/api/agents/login", json={"username": username, "password": password}
            ) as response,
        ):
            body: dict[str, Any] = await response.json()
            body["status"] = response.status
            return body

    @classmethod
    async def connect(
        cls, url: str, username: str, password: str = "pw", wait_ready: bool = True
    ) -> Agent:
        login = await cls.login(url, username, password)
        assert login["status"] == 200, login
        agent = cls(login["token"], login["name"], login["username"])
        await agent.sio.connect(
            url,
            namespaces=["/agents"],
            auth={"token": agent.token},
            transports=["websocket"],
            wait_timeout=10,
        )
        if wait_ready:
            await agent.wait_for("chats")
        return agent

    def queue_ids(self) -> list[str]:
        queues = self.of("queue")
        return [item["conversation_id"] for item in queues[-1]["items"]] if queues else []

    async def sees_queued(self, conversation_id: str, after: int = 0) -> dict[str, Any]:
        queue: dict[str, Any] = await self.wait_for(
            "queue",
            lambda data: any(item["conversation_id"] == conversation_id for item in data["items"]),
            after=after,
        )
        return queue


async def queued_customer(url: str, text: str = "my wifi is broken") -> Customer:
    """A customer whose message the (fake) bot handed to a person: waiting in the queue."""
    customer = await Customer.connect(url)
    await customer.start_session()
    await customer.say(text)
    await customer.wait_for("status", lambda s: s["state"] == "queued")
    return customer
