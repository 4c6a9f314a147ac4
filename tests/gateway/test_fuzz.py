"""Fuzzing a real gateway process with hypothesis: every customer and agent event and every
HTTP route gets random types, sizes, unicode (lone surrogates included), NaN, Infinity,
huge integers, deep nesting, raw malformed frames, and events in any order, while a normal
conversation goes on beside them.

Asserted: no 5xx and no `internal_error`; every refusal carries a documented code; no
customer sees another conversation's text; nothing an agent receives is unreadable to a
browser; the agent's socket stays connected; the normal conversation is answered during
and after; no exception escapes a handler. The count of inputs tried is printed.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devstack.clients import Agent, Customer
from devstack.processes import LOG_DIR
from handoff.protocol import ErrorCode
from handoff.stores.agents import AgentDirectory
from tests.gateway.conftest import GatewayFactory
from tests.gateway.test_abuse import browser_readable
from tests.support.fake_rasa import FakeRasa

pytestmark = pytest.mark.asyncio

BATCHES = int(os.environ.get("FUZZ_BATCHES", "1000"))
DOCUMENTED = {code.value for code in ErrorCode} - {ErrorCode.INTERNAL_ERROR.value}
CUSTOMER_EVENTS = [
    "session_request",
    "user_uttered",
    "typing",
    "request_human",
    "contact_details",
    "rating",
    "email_transcript",
    "end_chat",
]
AGENT_EVENTS = [
    "sync",
    "presence",
    "claim",
    "transcript",
    "message",
    "typing",
    "note",
    "transfer",
    "resolve",
    "close",
]
KEYS = [
    "message",
    "metadata",
    "customData",
    "session_id",
    "last_id",
    "extended",
    "typing",
    "email",
    "name",
    "score",
    "conversation_id",
    "text",
    "to",
    "status",
]
ROUTES = [
    ("GET", "/"),
    ("GET", "/health"),
    ("GET", "/api/transcript"),
    ("POST", "/api/attachments"),
    ("GET", "/api/attachments/x"),
    ("POST", "/api/agents/login"),
    ("POST", "/api/agents/logout"),
    ("GET", "/api/faq-answers"),
    ("GET", "/api/admin/agents"),
    ("POST", "/api/admin/agents"),
    ("PATCH", "/api/admin/agents/bob"),
    ("DELETE", "/api/admin/agents/ada"),
    ("GET", "/widget/widget.js"),
    ("GET", "/console/"),
    ("GET", "/socket.io/"),
    ("POST", "/socket.io/"),
]

# Lone surrogates included: hypothesis leaves out category Cs unless told otherwise.
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()  # unbounded: far beyond 2**53
    | st.floats(allow_nan=True, allow_infinity=True)
    | any_text
    | st.text(max_size=3000)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)
payloads = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=5) | json_values
# A websocket text frame is UTF-8: lone surrogates go in escaped (any_text in events).
frame_text = st.text(max_size=60)
raw_frames = (
    st.builds(lambda text: "2" + text, frame_text)
    | st.builds(
        lambda depth: '2["user_uttered",' + "[" * depth + "]" * depth + "]", st.integers(30, 3000)
    )
    | st.builds(
        lambda name, digits: f'21["{name}",{{"metadata":{{"n":{digits}}}}}]',
        st.sampled_from(CUSTOMER_EVENTS),
        st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "9" * 400]),
    )
    | st.sampled_from(['2["connect"]', '2["disconnect"]', "2[]", "2{}", "2[1]", "9", "2["])
    | frame_text
)
customer_inputs = st.one_of(
    st.tuples(st.just("event"), st.sampled_from(CUSTOMER_EVENTS) | any_text, payloads),
    st.tuples(st.just("raw"), st.none(), raw_frames),
)
agent_inputs = st.tuples(st.sampled_from(AGENT_EVENTS) | any_text, payloads)
http_inputs = st.tuples(
    st.sampled_from(ROUTES),
    st.dictionaries(st.sampled_from(["session", "token", "name", "x"]), any_text, max_size=2),
    st.dictionaries(
        st.sampled_from(["X-Session-Token", "Authorization", "X-File-Name", "X-Forwarded-For"]),
        st.text(st.characters(max_codepoint=255), max_size=40),
        max_size=2,
    ),
    st.binary(max_size=2000) | st.builds(lambda v: json.dumps(v).encode(), json_values),
)
batches = st.tuples(
    st.lists(customer_inputs, min_size=1, max_size=6),
    st.lists(agent_inputs, max_size=3),
    st.lists(http_inputs, max_size=2),
)


class Fuzzer:
    """Plays hypothesis' batches against the gateway and checks each answer."""

    def __init__(self, url: str, agent: Agent, normal: Customer) -> None:
        self.url = url
        self.agent = agent
        self.normal = normal
        self.tried = 0
        self.customers: list[Customer] = []

    def refused_ok(self, answer: Any, what: object) -> None:
        if isinstance(answer, dict) and answer.get("ok") is False:
            assert answer.get("error") in DOCUMENTED, (what, answer)

    async def play(self, batch: tuple[list[Any], list[Any], list[Any]]) -> None:
        customer_inputs, agent_inputs, http_inputs = batch
        customer = await Customer.connect(self.url)  # a fresh socket: events in any order
        self.customers.append(customer)
        for kind, event, data in customer_inputs:
            self.tried += 1
            if not customer.sio.connected:
                break  # an oversized or broken frame may end the connection
            if kind == "raw":
                await customer.sio.eio.send(data)
            else:
                try:
                    answer = await customer.call(event, data, timeout=5)
                except ValueError:  # the client could not encode it (recursion)
                    continue
                self.refused_ok(answer, (event, data))
        if customer.sio.connected:
            self.refused_ok(await customer.call("fuzz_probe", timeout=5), "probe")
            await customer.disconnect()
        for name, value in customer.events:
            if name == "error":
                assert value.get("code") in DOCUMENTED, (customer_inputs, value)
        for event, data in agent_inputs:
            self.tried += 1
            self.refused_ok(await self.agent.call(event, data, timeout=5), (event, data))
        async with aiohttp.ClientSession() as http:
            for (method, path), query, headers, body in http_inputs:
                self.tried += 1
                await self.request(http, method, path, query, headers, body)

    async def request(
        self,
        http: aiohttp.ClientSession,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
    ) -> None:
        try:
            async with http.request(
                method, self.url + path, params=query, headers=headers, data=body
            ) as answer:
                text = await answer.read()
        except (UnicodeError, ValueError):  # not sendable by the client at all
            return
        assert answer.status < 500, (method, path, query, headers, answer.status, text[:300])
        if answer.status >= 400 and answer.content_type == "application/json":
            assert json.loads(text)["error"] in DOCUMENTED, (method, path, text[:300])

    async def normal_turn(self, n: int) -> None:
        """The ordinary customer next door is answered, whatever else is going on."""
        mark = self.normal.mark()
        await self.normal.say(f"normal question {n}")
        await self.normal.bot_message(
            lambda m: m.get("text") == f"You said: normal question {n}", after=mark
        )


async def test_fuzzing_every_event_and_route_breaks_nothing(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    gateway = start_gateway(
        fake_rasa.url,
        conversations_per_address_per_hour=0,  # the caps have their own test (test_abuse)
        sockets_per_address=0,
        log_level="WARNING",
    )
    ada = await Agent.connect(gateway.url, "ada")
    normal = await Customer.connect(gateway.url)
    await normal.start_session()
    fuzzer = Fuzzer(gateway.url, ada, normal)
    loop = asyncio.get_running_loop()
    played = 0

    @settings(
        max_examples=BATCHES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(batches)
    def run(batch: tuple[list[Any], list[Any], list[Any]]) -> None:
        nonlocal played
        played += 1
        asyncio.run_coroutine_threadsafe(fuzzer.play(batch), loop).result(timeout=60)
        if played % 100 == 0:  # well within the message limit of one conversation
            asyncio.run_coroutine_threadsafe(fuzzer.normal_turn(played), loop).result(60)

    started = time.monotonic()
    await asyncio.to_thread(run)
    await fuzzer.normal_turn(0)
    print(
        f"\nfuzz: {fuzzer.tried} inputs in {played} batches "
        f"({time.monotonic() - started:.0f} s), no failure"
    )

    for customer in fuzzer.customers:  # nobody saw the normal customer's words
        assert "normal question" not in json.dumps(customer.events)
    answers = [m["text"] for m in normal.messages() if m.get("role") == "bot"]
    assert answers and all(text.startswith("You said: normal question") for text in answers)
    await gateway.settled(ada)
    assert ada.sio.connected
    assert all(browser_readable(data) for _, data in ada.events)
    assert gateway.running
    # No exception escaped a handler of ours (engine.io logs those as "handler error").
    log = (LOG_DIR / f"gateway-{gateway.port}.log").read_text(errors="replace")
    assert "handler error" not in log and "/handoff/" not in log, log[-3000:]
    await normal.disconnect()
    await ada.disconnect()
