"""Email follow-up across real processes: a gateway emails an agent's answers to a customer
who left, through a real SMTP server on loopback (aiosmtpd), with a link that reopens the
chat; the customer's email reply reaches the agent; a mail server that was down, and a
gateway killed in the middle of a send, neither lose nor double a mail."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import smtplib
import sys
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Callable, Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from redis.asyncio import Redis

from devstack.clients import Agent, Customer, eventually, queued_customer
from devstack.gateways import TEST_SECRET, GatewayProcess
from devstack.processes import ManagedProcess, free_port
from handoff.mail.tokens import MailTokens
from handoff.stores.agents import AgentDirectory
from handoff.stores.keys import Keys
from handoff.stores.mail import MailStore
from handoff.stores.transcript import TranscriptStore
from tests.gateway.conftest import GatewayFactory
from tests.support.fake_rasa import FakeRasa

pytestmark = pytest.mark.asyncio

DOMAIN = "replies.test"


@dataclass
class Sink:
    """What the loopback mail server received; `hold` keeps its answer to DATA back."""

    messages: list[EmailMessage] = field(default_factory=list)
    hold: threading.Event | None = None
    arrived: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.default)
        self.messages.append(message)
        self.arrived.set()
        if self.hold is not None:
            await asyncio.to_thread(self.hold.wait, 30)
        return "250 OK"


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def mail_server(smtp_port: int) -> Iterator[Callable[[], Sink]]:
    """Start the loopback mail server (when the test wants it up)."""
    controllers: list[Controller] = []

    def start() -> Sink:
        sink = Sink()
        controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        controllers.append(controller)
        return sink

    yield start
    for controller in controllers:
        controller.stop()


def mail_gateway(
    start_gateway: GatewayFactory, rasa_url: str, smtp_port: int, **extra: object
) -> GatewayProcess:
    return start_gateway(
        rasa_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        mail_from="help@shop.test",
        mail_reply_domain=DOMAIN,
        mail_after_s=0.5,
        mail_retry_s=0.2,
        **extra,
    )


async def left_while_with_ada(gateway: GatewayProcess) -> tuple[Agent, str]:
    """Ada holds the chat of a customer who left their email and then closed the page."""
    ada = await Agent.connect(gateway.url, "ada")
    customer = await queued_customer(gateway.url)
    assert (await customer.call("contact_details", {"email": "kim@example.com", "name": "Kim"}))[
        "ok"
    ]
    cid = customer.conversation_id
    assert (await ada.call("claim", {"conversation_id": cid}))["ok"]
    await customer.disconnect()
    return ada, cid


async def answer(ada: Agent, cid: str, *texts: str) -> None:
    for text in texts:
        assert (await ada.call("message", {"conversation_id": cid, "text": text}))["ok"]


def send_reply(port: int, to: str, body: str | bytes, content_type: str = "text/plain") -> None:
    raw = body if isinstance(body, bytes) else body.encode()
    message = (
        f"From: kim@example.com\r\nTo: {to}\r\nSubject: Re: your question\r\n"
        f"Content-Type: {content_type}; charset=utf-8\r\n\r\n"
    ).encode() + raw
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.sendmail("kim@example.com", [to], message)


async def test_answer_by_email_resume_link_and_reply_in_the_same_conversation(
    start_gateway: GatewayFactory,
    fake_rasa: FakeRasa,
    agents: AgentDirectory,
    mail_server: Callable[[], Sink],
    smtp_port: int,
    redis: Redis,
    prefix: str,
) -> None:
    sink = mail_server()
    receiver_port = free_port()
    gateway = mail_gateway(
        start_gateway,
        fake_rasa.url,
        smtp_port,
        mail_receiver_port=receiver_port,
        mail_max_bytes=20_000,
    )
    ada, cid = await left_while_with_ada(gateway)
    await answer(
        ada,
        cid,
        "Please restart the router.",
        ".Then tell me if the light is green.\n.\nThat line was a lone dot.",
    )
    sent = await ada.wait_for("entry", lambda d: d["entry"].get("event") == "email_sent")
    assert sent["conversation_id"] == cid and sent["entry"]["to"] == "kim@example.com"
    [mail] = sink.messages  # both answers in one mail
    assert mail["To"] == "Kim <kim@example.com>" and mail["From"] == "help@shop.test"
    body = mail.get_content().replace("\r\n", "\n")
    for text in ("Please restart the router.", ".Then tell me", "\n.\nThat line", "wifi"):
        assert text in body  # lines starting with a dot arrive intact
    link = next(line for line in body.splitlines() if "?resume=" in line)
    assert link.startswith(f"{gateway.url}/?resume=")

    # The link reopens the same conversation, with the answers in its history.
    returning = await Customer.connect(gateway.url)
    opened = await returning.start_session(link.split("?resume=", 1)[1])
    assert returning.conversation_id == cid
    assert "Please restart the router." in [e.get("text") for e in opened["history"]]
    assert (await returning.wait_for("history"))["email"] is True
    await returning.disconnect()

    # The reply by email lands in the conversation, without the quoted mail.
    reply_to = mail["Reply-To"]
    quoted = "It is green now, thanks!\r\n\r\nOn Monday Ada wrote:\r\n> Please restart the router."
    await asyncio.to_thread(send_reply, receiver_port, reply_to, quoted)
    got = await ada.wait_for("entry", lambda d: d["entry"].get("channel") == "email")
    assert got["conversation_id"] == cid
    assert (got["entry"]["role"], got["entry"]["text"]) == ("customer", "It is green now, thanks!")

    # Forged addresses, unreadable and oversized mail are refused; nothing is recorded.
    transcripts = TranscriptStore(redis, Keys(prefix))
    before = await transcripts.read(cid)
    mark = ada.mark()
    local, _, domain = reply_to.partition("@")
    forged = f"{local[:-1]}{'a' if local[-1] != 'a' else 'b'}@{domain}"
    for address in (forged, f"reply+{cid}.zzzzzz.aaaaaaaaaaaaaaaa@{DOMAIN}", f"help@{DOMAIN}"):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            await asyncio.to_thread(send_reply, receiver_port, address, "let me in")
        assert refused.value.recipients[address][0] == 550
    with pytest.raises(smtplib.SMTPDataError) as unreadable:
        await asyncio.to_thread(
            send_reply, receiver_port, reply_to, "<script>alert(1)</script>", "text/html"
        )
    assert unreadable.value.smtp_code == 550
    with pytest.raises(smtplib.SMTPException):
        await asyncio.to_thread(send_reply, receiver_port, reply_to, "x" * 50_000)
    await gateway.settled(ada)
    assert [e for e in ada.events[mark:] if e[0] == "entry"] == []
    assert await transcripts.read(cid) == before


async def test_a_mail_server_down_is_retried_and_a_killed_send_is_not_repeated(
    start_gateway: GatewayFactory,
    fake_rasa: FakeRasa,
    agents: AgentDirectory,
    mail_server: Callable[[], Sink],
    smtp_port: int,
    redis: Redis,
    prefix: str,
) -> None:
    gateway = mail_gateway(start_gateway, fake_rasa.url, smtp_port)
    ada, cid = await left_while_with_ada(gateway)
    await answer(ada, cid, "Your refund is on its way.")
    outbox = MailStore(redis, Keys(prefix))

    async def attempted() -> bool:
        return await outbox.pending_count() > 0

    async def emptied() -> bool:
        return await outbox.pending_count() == 0

    await eventually(attempted, 15, "a send attempt while the mail server is down")
    sink = mail_server()  # the mail server comes back: the retry delivers
    await ada.wait_for("entry", lambda d: d["entry"].get("event") == "email_sent")
    assert ["Your refund is on its way." in m.get_content() for m in sink.messages] == [True]

    # The gateway dies while the server holds its answer to DATA: the mail was handed
    # over, so the restarted gateway must not send it again.
    sink.hold, sink.arrived = threading.Event(), threading.Event()
    await answer(ada, cid, "It should arrive on Friday.")
    await asyncio.to_thread(sink.arrived.wait, 15)
    os.kill(gateway.pid, signal.SIGKILL)
    gateway.stop()
    sink.hold.set()
    gateway.start()
    await eventually(emptied, 15, "the outbox to empty after the restart")
    assert len(sink.messages) == 2 and "Friday" in sink.messages[1].get_content()


async def test_the_receiver_alone_hands_a_reply_to_the_gateways_agents(
    start_gateway: GatewayFactory, fake_rasa: FakeRasa, agents: AgentDirectory
) -> None:
    gateway = start_gateway(fake_rasa.url)
    ada = await Agent.connect(gateway.url, "ada")
    customer = await queued_customer(gateway.url)
    cid = customer.conversation_id
    assert (await ada.call("claim", {"conversation_id": cid}))["ok"]
    port = free_port()
    receiver = ManagedProcess(
        f"mail-receiver-{port}",
        [sys.executable, "-m", "handoff.mail"],
        {**gateway.env, "MAIL_RECEIVER_PORT": str(port), "MAIL_REPLY_DOMAIN": DOMAIN},
    )
    try:
        receiver.wait_for_port(port, timeout=30)
        address = MailTokens(TEST_SECRET, ttl_s=60).reply_address(cid, DOMAIN)
        await asyncio.to_thread(send_reply, port, address, "Sent from the other process")
    finally:
        receiver.stop()
    got = await ada.wait_for("entry", lambda d: d["entry"].get("channel") == "email")
    assert (got["conversation_id"], got["entry"]["text"]) == (cid, "Sent from the other process")
