"""The gateway's HTTP side through a real process: the demo page at `/`, the FAQ answers
agents search (`/api/faq-answers`), the inbox and a customer's profile (`/api/inbox`,
`/api/conversations/<id>/customer`), and customers' attachments (`/api/attachments`):
type checks by the file's bytes, the size limit, where files go, and who may fetch them."""

from __future__ import annotations

import json
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis

from devstack.clients import Agent, Customer, disconnect_all, eventually
from devstack.gateways import GatewayProcess
from handoff.stores.agents import AgentDirectory
from handoff.stores.keys import Keys
from handoff.stores.transcript import TranscriptStore
from tests.gateway.conftest import GatewayFactory
from tests.support.fake_rasa import FakeRasa

pytestmark = pytest.mark.asyncio

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML_AS_PNG = b"<html><script>alert(1)</script></html>"


def png(width: int = 2, height: int = 2) -> bytes:
    """A real, tiny PNG (solid red)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class Http:
    """Plain HTTP calls; every answer as (status, headers, body bytes)."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def request(
        self, method: str, path: str, **kwargs: Any
    ) -> tuple[int, dict[str, str], bytes]:
        async with (
            aiohttp.ClientSession() as http,
            http.request(method, f"{self.url}{path}", **kwargs) as response,
        ):
            return response.status, dict(response.headers), await response.read()

    async def upload(
        self,
        token: str | None,
        data: bytes,
        name: str = "shot.png",
        content_type: str = "image/png",
        multipart: bool = False,
        **params: str,
    ) -> tuple[int, dict[str, Any]]:
        query = {"session": token, **params} if token else dict(params)
        if multipart:
            form = aiohttp.FormData()
            form.add_field("file", data, filename=name, content_type=content_type)
            status, _, body = await self.request(
                "POST", "/api/attachments", params=query, data=form
            )
        else:
            status, _, body = await self.request(
                "POST",
                "/api/attachments",
                params={**query, "name": name},
                data=data,
                headers={"Content-Type": content_type},
            )
        return status, json.loads(body)


async def customer_with_session(gateway: GatewayProcess) -> Customer:
    customer = await Customer.connect(gateway.url)
    await customer.start_session()
    return customer


def src_path(entry: dict[str, Any]) -> str:
    return str(entry["attachment"]["payload"]["src"])


async def test_demo_shop_page_is_served_at_root(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa
) -> None:
    http = Http(start_gateway(fake_rasa.url).url)
    status, headers, body = await http.request("GET", "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"Northwind Shop" in body and b'src="/widget/widget.js"' in body
    status, headers, _ = await http.request("GET", "/widget/widget.js")
    assert status == 200 and "javascript" in headers["Content-Type"]
    assert (await http.request("GET", "/console/"))[0] == 200


async def test_a_widget_on_another_site_may_call_the_customer_api(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa
) -> None:
    gateway = start_gateway(fake_rasa.url, cors_origins="https://shop.example")
    http = Http(gateway.url)
    customer = await customer_with_session(gateway)
    status, headers, _ = await http.request(
        "OPTIONS",
        "/api/attachments",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert status in (200, 204)
    assert headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    status, headers, _ = await http.request(
        "GET",
        "/api/transcript",
        params={"session": customer.token},
        headers={"Origin": "https://shop.example"},
    )
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "https://shop.example"
    status, headers, _ = await http.request(
        "GET",
        "/api/transcript",
        params={"session": customer.token},
        headers={"Origin": "https://evil.example"},
    )
    assert "Access-Control-Allow-Origin" not in headers
    await customer.disconnect()


async def test_faq_answers_are_for_signed_in_agents_only(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    gateway = start_gateway(fake_rasa.url)
    http = Http(gateway.url)
    login = await Agent.login(gateway.url, "ada", "pw")
    customer = await customer_with_session(gateway)
    body, signature = login["token"].rsplit(".", 1)
    for headers, params in (
        ({}, {}),
        ({"Authorization": "Bearer nonsense"}, {}),
        ({"Authorization": f"Bearer {body}.{'0' * len(signature)}"}, {}),  # forged
        ({"Authorization": f"Bearer {customer.token}"}, {}),  # a customer's token
        ({"Authorization": f"Basic {login['token']}"}, {}),
        ({}, {"token": login["token"]}),
    ):  # header only, not the URL
        status, _, raw = await http.request(
            "GET", "/api/faq-answers", headers=headers, params=params
        )
        assert status == 401, (headers, params)
        assert json.loads(raw)["error"] == "unauthorized"

    status, _, raw = await http.request(
        "GET", "/api/faq-answers", headers={"Authorization": f"Bearer {login['token']}"}
    )
    assert status == 200
    answers = {item["id"]: item for item in json.loads(raw)["answers"]}
    assert set(answers["track_order"]) == {"id", "question", "answer"}
    assert answers["track_order"]["question"] == "Where is my order?"
    assert "tracking number" in answers["track_order"]["answer"]
    assert len(answers) >= 10
    await customer.disconnect()


async def test_faq_answers_come_from_the_configured_file_and_follow_its_changes(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory, tmp_path: Path
) -> None:
    faq = tmp_path / "faq.yml"
    opening_hours = (
        "faqs:\n  - id: opening_hours\n    questions:\n      - When are you open?\n"
        "      - opening hours\n    answer: |\n      Every day from 8 to 20.\n"
    )
    faq.write_text(opening_hours)
    gateway = start_gateway(fake_rasa.url, faq_file=str(faq))
    login = await Agent.login(gateway.url, "ada", "pw")

    async def answers() -> list[dict[str, str]]:
        status, _, raw = await Http(gateway.url).request(
            "GET", "/api/faq-answers", headers={"Authorization": f"Bearer {login['token']}"}
        )
        assert status == 200
        listed: list[dict[str, str]] = json.loads(raw)["answers"]
        return listed

    assert await answers() == [
        {
            "id": "opening_hours",
            "question": "When are you open?",
            "answer": "Every day from 8 to 20.",
        }
    ]

    # A trainer adds an FAQ: the console offers it without a restart.
    faq.write_text(
        opening_hours + "  - id: parking\n    questions:\n      - Can I park at the store?\n"
        "      - parking\n    answer: |\n      Yes, for free.\n"
    )

    async def parking_listed() -> bool:
        return [answer["id"] for answer in await answers()] == ["opening_hours", "parking"]

    await eventually(parking_listed, what="the new FAQ among the canned answers")

    # Ranked by meaning, the new FAQ included.
    status, _, raw = await Http(gateway.url).request(
        "GET",
        "/api/faq-answers",
        params={"q": "where do I leave my car"},
        headers={"Authorization": f"Bearer {login['token']}"},
    )
    ranked = json.loads(raw)["answers"]
    assert status == 200 and [answer["id"] for answer in ranked] == ["parking", "opening_hours"]
    assert ranked[0]["score"] > ranked[1]["score"]


async def test_an_agent_finds_the_chat_in_the_inbox_and_sees_who_wrote_it(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    gateway = start_gateway(fake_rasa.url)
    http = Http(gateway.url)
    login = await Agent.login(gateway.url, "ada", "pw")
    signed_in = {"Authorization": f"Bearer {login['token']}"}
    customer = await Customer.connect(gateway.url)
    page = {
        "page_url": "https://shop.example/tv",
        "page_title": "TVs",
        "time_zone": "Europe/Berlin",
    }
    browser = {"context": {**page, "visitor_id": "0123456789abcdef0123456789abcdef"}}
    await customer.sio.emit(
        "session_request", {"session_id": None, "extended": True, "metadata": browser}
    )
    await customer.wait_for("status")
    await customer.say("my wifi television is broken", metadata=browser)
    await customer.wait_for("status", lambda s: s["state"] == "queued")

    status, _, _ = await http.request("GET", "/api/inbox", params={"q": "television"})
    assert status == 401
    status, _, raw = await http.request(
        "GET", "/api/inbox", headers=signed_in, params={"q": "Television WIFI", "state": "queued"}
    )
    assert status == 200
    found = json.loads(raw)
    assert found["total"] == 1
    assert found["items"][0]["title"] == "my wifi television is broken"
    conversation_id = found["items"][0]["conversation_id"]
    status, _, raw = await http.request(
        "GET", "/api/inbox", headers=signed_in, params={"state": "happy"}
    )
    assert status == 400 and json.loads(raw)["error"] == "invalid_payload"

    status, _, raw = await http.request(
        "GET", f"/api/conversations/{conversation_id}/customer", headers=signed_in
    )
    assert status == 200
    profile = json.loads(raw)
    assert profile["first_page"] == page == profile["latest_page"]
    assert profile["earlier"] == []

    # Closed, the widget starts again without a token: its visitor id still links the chats.
    ada = await Agent.connect(gateway.url, "ada")
    assert (await ada.call("claim", {"conversation_id": conversation_id}))["ok"]
    assert (await ada.call("close", {"conversation_id": conversation_id}))["ok"]
    await customer.wait_for("status", lambda s: s["state"] == "closed")
    mark = customer.mark()
    await customer.sio.emit(
        "session_request", {"session_id": None, "extended": True, "metadata": browser}
    )
    customer.token = await customer.wait_for("session_confirm", after=mark)
    assert customer.conversation_id != conversation_id
    await customer.call("user_uttered", {"message": "hi again", "session_id": customer.token})
    status, _, raw = await http.request(
        "GET", f"/api/conversations/{customer.conversation_id}/customer", headers=signed_in
    )
    earlier = json.loads(raw)["earlier"]
    assert [chat["conversation_id"] for chat in earlier] == [conversation_id]
    await disconnect_all(customer, ada)


async def test_customer_attaches_a_screenshot_while_the_bot_is_in_charge(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, redis: Redis, prefix: str, tmp_path: Path
) -> None:
    files = tmp_path / "attachments"
    gateway = start_gateway(fake_rasa.url, attachments_dir=str(files))
    http = Http(gateway.url)
    customer = await customer_with_session(gateway)
    image = png()

    status, reply = await http.upload(customer.token, image, name="../../My Screen\x00shot.png")
    assert status == 200 and reply["ok"] is True
    entry = reply["entry"]
    assert entry["role"] == "customer" and entry["id"] and "text" not in entry
    attachment = entry["attachment"]
    assert attachment["type"] == "image"
    payload = attachment["payload"]
    assert payload["name"] == "My Screenshot.png"  # no path, no control characters
    assert payload["size"] == len(image) and payload["content_type"] == "image/png"
    attachment_id = payload["src"].removeprefix("/api/attachments/")
    assert payload["src"].startswith("/api/attachments/") and len(attachment_id) >= 32

    # Stored under the configured directory, under the random id, owner-only.
    stored = files / attachment_id
    assert [path.name for path in files.iterdir()] == [attachment_id]
    assert stored.read_bytes() == image and stored.stat().st_mode & 0o077 == 0

    # Recorded in the transcript; never sent to the bot.
    transcript = await TranscriptStore(redis, Keys(prefix)).read(customer.conversation_id)
    assert transcript[-1]["id"] == entry["id"] and transcript[-1]["attachment"] == attachment
    assert fake_rasa.received == []
    assert customer.messages() == []

    # The customer sees it (session in the query or in a header) with safe headers...
    for kwargs in (
        {"params": {"session": customer.token}},
        {"headers": {"X-Session-Token": customer.token}},
    ):
        status, headers, body = await http.request("GET", payload["src"], **kwargs)
        assert status == 200 and body == image
        assert headers["Content-Type"] == "image/png"
        assert headers["Content-Disposition"].startswith("inline;")
        assert 'filename="My Screenshot.png"' in headers["Content-Disposition"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        assert "sandbox" in headers["Content-Security-Policy"]

    # ...and in their history after a reload, and in the downloaded transcript.
    again = await Customer.connect(gateway.url)
    resumed = await again.start_session(customer.token)
    assert resumed["history"][-1] == entry
    status, _, raw = await http.request(
        "GET", "/api/transcript", params={"session": customer.token}
    )
    assert json.loads(raw)["messages"][-1] == entry

    # The browser's FormData shape works too; a JPEG named .png is served as what it is.
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(64)
    status, reply = await http.upload(customer.token, jpeg, name="photo.png", multipart=True)
    assert status == 200
    payload = reply["entry"]["attachment"]["payload"]
    assert payload["content_type"] == "image/jpeg" and payload["name"] == "photo.png.jpg"
    status, headers, body = await http.request(
        "GET", payload["src"], params={"session": customer.token}
    )
    assert body == jpeg and headers["Content-Type"] == "image/jpeg"
    await disconnect_all(customer, again)


async def test_wrong_types_are_refused_by_their_bytes(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, redis: Redis, prefix: str, tmp_path: Path
) -> None:
    files = tmp_path / "attachments"
    gateway = start_gateway(fake_rasa.url, attachments_dir=str(files))
    http = Http(gateway.url)
    customer = await customer_with_session(gateway)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for data, name, content_type, multipart in (
        (HTML_AS_PNG, "shot.png", "image/png", False),  # the declared type lies
        (HTML_AS_PNG, "shot.png", "image/png", True),
        (svg, "logo.svg", "image/svg+xml", False),
        (b"MZ\x90\x00" + os.urandom(100), "invoice.pdf", "application/pdf", True),
        (b"PK\x03\x04" + os.urandom(100), "archive.zip", "application/zip", False),
    ):
        status, reply = await http.upload(
            customer.token, data, name=name, content_type=content_type, multipart=multipart
        )
        assert status == 400, name
        assert reply["error"] == "unsupported_type" and "PNG" in reply["message"]
    status, reply = await http.upload(customer.token, b"", name="empty.png")
    assert status == 400 and reply["error"] == "empty_file"
    status, reply = await http.upload(customer.token, b"x", multipart=True, name="")
    assert status == 400

    # Nothing stored or recorded; a bad session is refused before anything is read.
    assert not files.exists() or list(files.iterdir()) == []
    assert await TranscriptStore(redis, Keys(prefix)).read(customer.conversation_id) == []
    for token in (None, "nonsense", customer.conversation_id + ".0000"):
        status, reply = await http.upload(token, png())
        assert status == 404 and reply["error"] == "invalid_session"
    await customer.disconnect()


async def test_files_over_the_limit_are_refused(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, redis: Redis, prefix: str, tmp_path: Path
) -> None:
    files = tmp_path / "attachments"
    gateway = start_gateway(fake_rasa.url, attachments_dir=str(files))  # default: 5 MB
    http = Http(gateway.url)
    customer = await customer_with_session(gateway)
    limit = 5 * 1024 * 1024
    big = png() + b"\x00" * (limit + 1 - len(png()))
    for multipart in (False, True):
        status, reply = await http.upload(customer.token, big, multipart=multipart)
        assert status == 413 and reply["error"] == "file_too_large"
        assert "5 MB" in reply["message"]
    exactly = PDF + b"\n" * (limit - len(PDF))  # at the limit is fine
    status, reply = await http.upload(
        customer.token, exactly, name="manual.pdf", content_type="application/pdf"
    )
    assert status == 200 and reply["entry"]["attachment"]["payload"]["size"] == limit
    assert len(list(files.iterdir())) == 1
    transcript = await TranscriptStore(redis, Keys(prefix)).read(customer.conversation_id)
    assert len(transcript) == 1

    # The limit is a setting.
    small = start_gateway(fake_rasa.url, attachments_dir=str(files), max_attachment_bytes=1000)
    status, reply = await Http(small.url).upload(customer.token, png() + b"\x00" * 1000)
    assert status == 413 and "1 kB" in reply["message"]
    await customer.disconnect()


async def test_only_the_customer_and_agents_can_fetch_an_attachment(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory, tmp_path: Path
) -> None:
    gateway = start_gateway(fake_rasa.url, attachments_dir=str(tmp_path / "attachments"))
    http = Http(gateway.url)
    customer = await customer_with_session(gateway)
    stranger = await customer_with_session(gateway)
    status, reply = await http.upload(
        customer.token, PDF, name="invoice 42.pdf", content_type="application/pdf"
    )
    assert status == 200
    src = src_path(reply["entry"])
    assert reply["entry"]["attachment"]["type"] == "file"
    login = await Agent.login(gateway.url, "ada", "pw")
    body, signature = login["token"].rsplit(".", 1)

    refused = (
        ({}, 403),  # nobody
        ({"params": {"session": "nonsense"}}, 403),
        ({"params": {"session": customer.conversation_id + ".0000"}}, 403),  # forged
        ({"params": {"token": f"{body}.{'0' * len(signature)}"}}, 403),
        ({"headers": {"Authorization": "Bearer nonsense"}}, 403),
        ({"params": {"session": stranger.token}}, 404),  # another customer
        ({"headers": {"X-Session-Token": stranger.token}}, 404),
    )
    for kwargs, expected in refused:
        status, headers, raw = await http.request("GET", src, **kwargs)
        assert status == expected, kwargs
        assert PDF not in raw
    status, _, _ = await http.request(
        "GET", "/api/attachments/../../etc/passwd", params={"session": customer.token}
    )
    assert status == 404
    status, _, _ = await http.request(
        "GET", "/api/attachments/" + "A" * 32, headers={"Authorization": f"Bearer {login['token']}"}
    )
    assert status == 404

    # The customer, and any signed-in agent (header or ?token=), get it as a download.
    for kwargs in (
        {"params": {"session": customer.token}},
        {"headers": {"Authorization": f"Bearer {login['token']}"}},
        {"params": {"token": login["token"]}},
    ):
        status, headers, raw = await http.request("GET", src, **kwargs)
        assert status == 200 and raw == PDF, kwargs
        assert headers["Content-Type"] == "application/pdf"
        assert headers["Content-Disposition"].startswith("attachment;")
        assert 'filename="invoice 42.pdf"' in headers["Content-Disposition"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in headers["Content-Security-Policy"]
    await disconnect_all(customer, stranger)


async def test_agent_gets_attachments_live_and_in_the_queue(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory, tmp_path: Path
) -> None:
    gateway = start_gateway(fake_rasa.url, attachments_dir=str(tmp_path / "attachments"))
    http = Http(gateway.url)
    ada = await Agent.connect(gateway.url, "ada")
    customer = await customer_with_session(gateway)
    await customer.say("my wifi is broken")  # the fake bot hands off
    await customer.wait_for("status", lambda s: s["state"] == "queued")

    # While queued: recorded, and the queue shows it as the last message.
    mark = ada.mark()
    status, reply = await http.upload(customer.token, png(), name="router.png")
    assert status == 200
    await ada.wait_for(
        "queue",
        lambda q: any(item["last_message"] == "[attachment] router.png" for item in q["items"]),
        after=mark,
    )

    claim = await ada.call("claim", {"conversation_id": customer.conversation_id})
    assert claim["ok"] and claim["transcript"][-2]["attachment"] == (reply["entry"]["attachment"])

    # While the agent holds the chat: delivered live, like a message.
    mark = ada.mark()
    status, reply = await http.upload(
        customer.token, PDF, name="contract.pdf", content_type="application/pdf", multipart=True
    )
    assert status == 200
    live = await ada.wait_for("entry", lambda e: "attachment" in e["entry"], after=mark)
    assert live["conversation_id"] == customer.conversation_id
    assert live["entry"]["id"] == reply["entry"]["id"]
    assert live["entry"]["attachment"]["payload"]["name"] == "contract.pdf"
    status, _, raw = await http.request(
        "GET", src_path(live["entry"]), headers={"Authorization": f"Bearer {ada.token}"}
    )
    assert status == 200 and raw == PDF
    assert [m for m in fake_rasa.received if "contract" in json.dumps(m)] == []
    await disconnect_all(customer, ada)
