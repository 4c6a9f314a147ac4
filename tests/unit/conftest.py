"""The fast tier: the gateway's logic in this process, against the real test Redis and a
fake Rasa; no gateway process, no sockets. `make test-fast` runs this folder alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable

import pytest_asyncio
from redis.asyncio import Redis

from handoff.bot_client import RasaClient
from handoff.protocol import CustomerView, Entry, bot_uttered
from handoff.services import Services
from handoff.settings import Settings
from handoff.stores import Stores
from tests.support.fake_rasa import FakeRasa


@dataclass
class RecordingNotifier:
    """Keeps what the services sent, as a socket of each view would have received it."""

    sent: list[tuple[str, str, str, Any]] = field(default_factory=list)

    async def entry_to_customer(self, conversation_id: str, entry: Entry) -> None:
        for view in CustomerView:
            payload = bot_uttered(entry, view)
            if payload is not None:
                self.sent.append((f"customer:{view}", conversation_id, "bot_uttered", payload))

    async def to_customer(self, conversation_id: str, event: str, data: Any) -> None:
        self.sent.append((f"customer:{CustomerView.EXTENDED}", conversation_id, event, data))

    async def to_agent(self, username: str, event: str, data: Any) -> None:
        self.sent.append(("agent", username, event, data))

    async def to_agents(self, event: str, data: Any) -> None:
        self.sent.append(("agents", "", event, data))

    async def disconnect_agent(self, sid: str) -> None:
        self.sent.append(("disconnect", sid, "disconnect", None))

    def to(self, who: str, event: str) -> list[Any]:
        """Payloads of `event` sent to `who` ("customer:rasa", "agent", "agents"...)."""
        return [data for kind, _, name, data in self.sent if kind == who and name == event]


@pytest_asyncio.fixture
async def notifier() -> RecordingNotifier:
    return RecordingNotifier()


ServicesFactory = Callable[..., Services]


@pytest_asyncio.fixture
async def build_services(
    redis: Redis, prefix: str, fake_rasa: FakeRasa, notifier: RecordingNotifier
) -> AsyncIterator[ServicesFactory]:
    """`build_services(**settings)`: the gateway's services over the test Redis (this
    test's key prefix) and the fake Rasa, with the settings given."""
    built: list[Services] = []

    def build(**settings: Any) -> Services:
        configured = Settings(redis_prefix=prefix, **settings)
        services = Services.build(
            Stores.connect(redis, configured),
            configured,
            notifier,
            RasaClient(fake_rasa.url, timeout_s=2),
            secret="secret",
        )
        built.append(services)
        return services

    yield build
    for services in built:
        await services.close()


@pytest_asyncio.fixture
async def services(build_services: ServicesFactory) -> Services:
    """The gateway's services over the test Redis, with agents ada and bob (password pw)."""
    built = build_services(agent_grace_s=0.0)
    for username, name in (("ada", "Ada"), ("bob", "Bob")):
        await built.stores.agents.add(username, name, "pw")
    return built
