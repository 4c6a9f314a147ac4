"""The SMTP server customers' replies arrive at (aiosmtpd), run inside the gateway process.

Only `reply+<token>@MAIL_REPLY_DOMAIN` with a genuine, unexpired token is accepted, at RCPT
time: mail to a forged or expired address is refused (550) before its content is even sent,
and nothing is recorded. An accepted reply becomes a customer message of that conversation
(channel "email"). A production MTA relays the reply domain here (docs/email.md).

    server = await start_receiver(settings, tokens, customers.email_reply)
    ...
    server.close()
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, AnyStr, Awaitable, Callable

from aiosmtpd.smtp import SMTP, Envelope, Session

from handoff.mail.inbound import Unreadable, reply_text
from handoff.mail.tokens import MailTokens
from handoff.protocol import ErrorCode, InputError
from handoff.settings import Settings

log = logging.getLogger("handoff.mail")

Deliver = Callable[[str, str], Awaitable[Any]]


class ReplyHandler:
    """aiosmtpd handler: checks the reply address, then records the reply's text."""

    def __init__(self, tokens: MailTokens, settings: Settings, deliver: Deliver) -> None:
        self._tokens = tokens
        self._domain = settings.mail_reply_domain
        self._max_chars = settings.max_message_chars
        self._deliver = deliver

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self._tokens.conversation_of_address(address, self._domain) is None:
            log.warning("refused mail to %.80r: not a genuine, unexpired reply address", address)
            return "550 5.1.1 No such reply address"
        if envelope.rcpt_tos:
            return "452 4.5.3 One reply address per message"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        conversation_id = self._tokens.conversation_of_address(envelope.rcpt_tos[0], self._domain)
        if conversation_id is None:  # expired between RCPT and DATA
            return "550 5.1.1 No such reply address"
        raw = envelope.original_content or b""
        try:
            text = reply_text(raw, self._max_chars)
        except Unreadable as exc:
            log.warning("conversation %s: email reply refused: %s", conversation_id, exc)
            return f"550 5.6.0 Unreadable reply: {exc}"
        try:
            await self._deliver(conversation_id, text)
        except InputError as exc:
            log.warning("conversation %s: email reply refused: %s", conversation_id, exc.message)
            if exc.code in (ErrorCode.UNAVAILABLE, ErrorCode.RATE_LIMITED):
                return "451 4.3.0 Try again later"  # the sending server retries
            return f"550 5.7.1 {exc.message}"
        log.info("conversation %s: email reply recorded (%d chars)", conversation_id, len(text))
        return "250 OK"


class _ReplySMTP(SMTP):
    """aiosmtpd's server, with a log line when it refuses an oversized mail itself."""

    async def push(self, status: AnyStr) -> None:
        if str(status).startswith("552"):
            log.warning("refused an email reply larger than %d bytes", self.data_size_limit)
        await super().push(status)


async def start_receiver(
    settings: Settings, tokens: MailTokens, deliver: Deliver
) -> asyncio.AbstractServer:
    """Listen on MAIL_RECEIVER_HOST:MAIL_RECEIVER_PORT in the running loop."""
    handler = ReplyHandler(tokens, settings, deliver)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _ReplySMTP(
            handler,
            data_size_limit=settings.mail_max_bytes,
            hostname=settings.mail_reply_domain or None,
            ident="handoff reply receiver",
        ),
        settings.mail_receiver_host,
        settings.mail_receiver_port,
    )
    log.info(
        "email replies received on %s:%d for @%s",
        settings.mail_receiver_host,
        settings.mail_receiver_port,
        settings.mail_reply_domain,
    )
    return server
