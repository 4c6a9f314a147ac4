"""Email follow-up logic in the fast tier: signed tokens, what a reply's text becomes, which
agent messages are batched into one mail and when, and replies landing in the conversation."""

from __future__ import annotations

import dataclasses
import email
from email.message import EmailMessage
from typing import AsyncIterator

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from handoff.bot_client import RasaClient
from handoff.mail.inbound import Unreadable, reply_text
from handoff.mail.sender import OutboxWorker
from handoff.mail.tokens import MailTokens, Purpose
from handoff.protocol import ErrorCode, InputError, State
from handoff.services import Services
from handoff.settings import Settings
from handoff.stores import Stores
from tests.support.fake_rasa import FakeRasa
from tests.unit.conftest import RecordingNotifier

DOMAIN = "replies.example"


@pytest_asyncio.fixture
async def mail_services(
    redis: Redis, prefix: str, fake_rasa: FakeRasa, notifier: RecordingNotifier
) -> AsyncIterator[Services]:
    """Services with SMTP set up and no wait: a due batch is mailed when processed."""
    settings = Settings(
        redis_prefix=prefix,
        smtp_host="127.0.0.1",
        mail_from="help@shop.example",
        mail_reply_domain=DOMAIN,
        mail_after_s=0.0,
        mail_public_url="https://shop.example/",
    )
    built = Services.build(
        Stores.connect(redis, settings),
        settings,
        notifier,
        RasaClient(fake_rasa.url, timeout_s=2),
        secret="secret",
    )
    await built.stores.agents.add("ada", "Ada", "pw")
    await built.stores.mail.ensure_group()
    yield built
    await built.close()


async def _with_ada(services: Services, contact: bool = True) -> str:
    """A conversation Ada holds, whose customer left their email (or not)."""
    opened = await services.customers.open_session()
    cid = opened.conversation_id
    await services.customers.request_human(cid)
    await services.agents.claim("ada", cid)
    if contact:
        await services.customers.contact_details(cid, {"email": "kim@example.com", "name": "Kim"})
    return cid


async def _outbox(services: Services) -> list[EmailMessage]:
    rows = await services.stores.mail.read("test", pending=False)
    return [
        email.message_from_string(mail.message, _class=EmailMessage, policy=email.policy.default)
        for _, mail in rows
    ]


def test_tokens_name_their_conversation_only_while_genuine_and_unexpired() -> None:
    tokens = MailTokens("secret", ttl_s=60)
    token = tokens.issue("c1", Purpose.RESUME)
    assert tokens.verify(token, Purpose.RESUME) == "c1"
    assert tokens.verify(token, Purpose.REPLY) is None  # one purpose per token
    assert MailTokens("other", 60).verify(token, Purpose.RESUME) is None
    assert tokens.verify(token.replace("c1", "c2"), Purpose.RESUME) is None
    assert tokens.verify(tokens.issue("c1", Purpose.RESUME, now=0), Purpose.RESUME) is None
    for junk in (None, 7, "", "a.b", "a.b.c.d", "x" * 500):
        assert tokens.verify(junk, Purpose.RESUME) is None
    address = tokens.reply_address("c1", DOMAIN)
    assert len(address.split("@")[0]) <= 64
    # Angle brackets and the domain's case do not matter; the token's case does.
    assert (
        tokens.conversation_of_address(f"<{address.replace(DOMAIN, DOMAIN.upper())}>", DOMAIN)
        == "c1"
    )
    assert tokens.conversation_of_address(address.replace(DOMAIN, "evil.example"), DOMAIN) is None


def _mail(body: str | bytes, subtype: str = "plain", charset: str = "utf-8") -> bytes:
    raw = body if isinstance(body, bytes) else body.encode()
    return (
        f"From: kim@example.com\r\nTo: x@{DOMAIN}\r\nSubject: Re: hi\r\n"
        f"Content-Type: text/{subtype}; charset={charset}\r\n\r\n"
    ).encode() + raw


def test_a_reply_keeps_only_its_new_text() -> None:
    body = (
        "Thanks, that works!\r\nKim\r\n-- \r\nKim Example | ACME\r\n\r\n"
        "On Mon, 30 Nov 2026 Ada wrote:\r\n> Your parcel left today.\r\n"
    )
    assert reply_text(_mail(body), 2000) == "Thanks, that works!\nKim"
    outlook = "Great\r\n\r\n-----Original Message-----\r\nFrom: help@shop.example\r\nold"
    assert reply_text(_mail(outlook), 2000) == "Great"
    assert reply_text(_mail("x" * 5000), 2000) == "x" * 1999 + "…"


def test_hostile_mail_becomes_plain_text_or_is_refused() -> None:
    html = (
        "<html><head><style>p{}</style><script>alert('x')</script></head><body>"
        "<p>Hi <b>there</b> &lt;script&gt;</p><blockquote>old quoted</blockquote>"
        '<img src=x onerror="alert(1)"></body></html>'
    )
    assert reply_text(_mail(html, "html"), 2000) == "Hi there <script>"
    assert reply_text(_mail(b"caf\xe9 ok", charset="x-no-such-charset"), 2000) == "caf\ufffd ok"
    assert reply_text(_mail(b"caf\xe9", charset="latin-1"), 2000) == "café"
    assert reply_text(_mail("bell\x07 and\x00 nul"), 2000) == "bell and nul"
    for unreadable in (_mail("> only quoted\r\n"), _mail("", "html"), b"Subject: x\r\n\r\n"):
        with pytest.raises(Unreadable):
            reply_text(unreadable, 2000)
    image = b"Content-Type: image/png\r\n\r\n\x89PNG"
    with pytest.raises(Unreadable):
        reply_text(image, 2000)


async def test_agent_messages_to_an_absent_customer_go_out_as_one_mail(
    mail_services: Services, notifier: RecordingNotifier
) -> None:
    services = mail_services
    cid = await _with_ada(services)
    await services.customers.message(cid, "is it shipped?")
    await services.agents.message("ada", cid, "Yes, it left today.")
    await services.agents.message("ada", cid, "Tracking: NW123.")
    await services.mail.process_due()
    await services.mail.process_due()  # nothing new: nothing more
    [mail] = await _outbox(services)
    assert mail["To"] == "Kim <kim@example.com>"
    assert mail["Reply-To"].startswith("reply+") and mail["Reply-To"].endswith(f"@{DOMAIN}")
    body = mail.get_content()
    assert body.index("Yes, it left today.") < body.index("Tracking: NW123.")
    assert body.index("Tracking: NW123.") < body.index("is it shipped?")  # new, then context
    link = next(line for line in body.splitlines() if "?resume=" in line)
    assert link.startswith("https://shop.example/?resume=")
    resumed = await services.customers.open_session(link.split("=", 1)[1])
    assert resumed.resumed and resumed.conversation_id == cid and resumed.email
    assert services.customers.sessions.verify(resumed.token) == cid
    assert [e["text"] for e in resumed.history if e.get("role") == "agent"][
        -1
    ] == "Tracking: NW123."


async def test_no_mail_when_the_widget_is_open_or_no_email_was_left(
    mail_services: Services,
) -> None:
    services = mail_services
    watched = await _with_ada(services)
    await services.customers.widget_connected("sid1", watched)
    await services.agents.message("ada", watched, "I see you are here.")
    silent = await _with_ada(services, contact=False)
    await services.agents.message("ada", silent, "Hello?")
    await services.mail.process_due()
    # Seen live: leaving later does not mail it afterwards either.
    await services.customers.widget_disconnected("sid1")
    await services.agents.message("ada", watched, "Anything else?")
    await services.mail.process_due()
    [mail] = await _outbox(services)
    assert "Anything else?" in mail.get_content()
    assert "I see you are here." not in mail.get_content().split("Earlier")[0]


async def test_the_transcript_by_email_once_per_state_and_only_when_possible(
    mail_services: Services, services: Services
) -> None:
    cid = await _with_ada(mail_services)
    await mail_services.customers.email_transcript(cid)
    await mail_services.customers.email_transcript(cid)
    mails = await _outbox(mail_services)
    assert len(mails) == 2 and mails[0]["Message-ID"] == mails[1]["Message-ID"]
    anonymous = (await mail_services.customers.open_session()).conversation_id
    with pytest.raises(InputError) as refused:
        await mail_services.customers.email_transcript(anonymous)
    assert refused.value.code is ErrorCode.INVALID_CONTACT
    plain = (await services.customers.open_session()).conversation_id
    with pytest.raises(InputError) as refused:
        await services.customers.email_transcript(plain)
    assert refused.value.code is ErrorCode.EMAIL_UNAVAILABLE


async def test_an_email_reply_reaches_the_agent_and_a_bot_chat_goes_to_a_person(
    mail_services: Services, notifier: RecordingNotifier
) -> None:
    services = mail_services
    cid = await _with_ada(services)
    await services.customers.email_reply(cid, "Thanks!")
    entry = notifier.to("agent", "entry")[-1]["entry"]
    assert (entry["role"], entry["channel"], entry["text"]) == ("customer", "email", "Thanks!")
    await services.agents.resolve("ada", cid)
    await services.customers.email_reply(cid, "One more thing")
    conversation = await services.stores.conversations.get(cid)
    assert conversation is not None and conversation.state is State.QUEUED


def test_an_unknown_tls_mode_stops_the_start(mail_services: Services) -> None:
    settings = dataclasses.replace(mail_services.core.settings, smtp_tls="yes")
    with pytest.raises(ValueError, match="SMTP_TLS"):
        OutboxWorker(mail_services.mail, settings, consumer="test")
