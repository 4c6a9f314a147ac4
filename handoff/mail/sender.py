"""The outbox worker: every gateway process reads the outbox stream in one consumer group
and hands each mail to the SMTP server once (docs/email.md, "Never sent twice").

A send goes in two halves. Connecting, greeting, STARTTLS, login, MAIL FROM and RCPT TO
change nothing at the receiving end, so a failure there is retried with backoff. Just before
DATA the send is recorded in Redis (SET NX, the mail's idempotency key): whoever finds that
record later, this process after a failure, another after a crash, does not send again.

    worker = OutboxWorker(mail_service, settings, consumer="127.0.0.1:8000")
    task = asyncio.create_task(worker.run())
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
import ssl
import time

from redis.exceptions import RedisError

from handoff.mail.service import MailService
from handoff.protocol import Entry, EntryEvent, InputError
from handoff.protocol.entries import system_event
from handoff.settings import Settings
from handoff.stores.mail import OutgoingMail

log = logging.getLogger("handoff.mail")

MAX_RETRY_S = 300.0
# Mails another consumer has held unacknowledged this long are taken over (it died).
TAKE_OVER_IDLE_S = 60.0
SMTP_TIMEOUT_S = 30.0
TLS_MODES = ("", "starttls", "tls")


class Refused(Exception):
    """The mail server refused this mail for good (a 5xx answer)."""


class OutboxWorker:
    """Sends the outbox, one mail at a time, and runs the due batches of MailService."""

    def __init__(
        self, mail: MailService, settings: Settings, consumer: str, poll_s: float = 1.0
    ) -> None:
        if settings.smtp_tls not in TLS_MODES:  # a typo must not send passwords in the clear
            raise ValueError(f"SMTP_TLS is one of {TLS_MODES}, not {settings.smtp_tls!r}")
        self._mail = mail
        self._store = mail.store
        self._settings = settings
        self._consumer = consumer
        self._poll_s = poll_s
        self._retries: dict[str, tuple[int, float]] = {}  # stream id -> (failures, next try)
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        await self._store.ensure_group()
        while not self._stopping.is_set():
            try:
                await self._mail.process_due()
                await self.deliver()
            except (RedisError, OSError) as exc:
                log.warning("outbox skipped: Redis unavailable (%s)", exc)
            except Exception:
                log.exception("outbox round failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._poll_s)

    def stop(self) -> None:
        """Finish the mail in hand, then end `run`."""
        self._stopping.set()

    async def deliver(self) -> None:
        """Mails left by dead consumers, then this consumer's unsent ones, then new ones."""
        await self._store.take_over(self._consumer, TAKE_OVER_IDLE_S)
        for pending in (True, False):
            for entry_id, mail in await self._store.read(self._consumer, pending=pending):
                failures, next_try = self._retries.get(entry_id, (0, 0.0))
                if time.monotonic() >= next_try and not self._stopping.is_set():
                    await self._send(entry_id, mail, failures)

    async def _send(self, entry_id: str, mail: OutgoingMail, failures: int) -> None:
        state = await self._store.send_state(mail.key)
        if state:
            if state.startswith("data"):
                log.warning(
                    "conversation %s: email %s not sent again: an earlier attempt was cut off "
                    "after handing it over, so it may have arrived",
                    mail.conversation_id,
                    mail.key,
                )
            await self._finish(entry_id)
            return
        try:
            smtp = await asyncio.to_thread(self._prepare, mail)
        except Refused as exc:
            await self._give_up(entry_id, mail, str(exc))
            return
        except (OSError, smtplib.SMTPException) as exc:
            self._retry_later(entry_id, mail, failures, exc)
            return
        try:
            await self._hand_over(entry_id, mail, smtp, failures)
        except asyncio.CancelledError:
            smtp.close()  # its thread may still wait for the server: this ends the wait
            raise
        with contextlib.suppress(OSError, smtplib.SMTPException):
            await asyncio.to_thread(smtp.quit)

    async def _hand_over(
        self, entry_id: str, mail: OutgoingMail, smtp: smtplib.SMTP, failures: int
    ) -> None:
        """The server said 354: record the send, transmit the mail, record the answer."""
        if not await self._store.mark_sending(mail.key):
            await self._finish(entry_id)  # another consumer got there first
            return
        try:
            code, answer = await asyncio.to_thread(_transmit, smtp, mail.message)
        except (OSError, smtplib.SMTPException) as exc:
            log.error(
                "conversation %s: email %s cut off after handing it over (%s); not "
                "retried, so it is never sent twice",
                mail.conversation_id,
                mail.key,
                exc,
            )
            await self._finish(entry_id)
            return
        if code != 250:  # an answer refusing it: nothing was delivered
            await self._store.forget_sending(mail.key)
            if code >= 500:
                await self._give_up(entry_id, mail, f"{code} {answer!r}")
            else:
                self._retry_later(entry_id, mail, failures, Exception(f"{code} {answer!r}"))
            return
        await self._store.mark_sent(mail.key)
        await self._finish(entry_id)
        log.info("conversation %s: emailed %s to the customer", mail.conversation_id, mail.summary)
        await self._record(
            mail, system_event(EntryEvent.EMAIL_SENT, to=mail.to, summary=mail.summary)
        )

    def _prepare(self, mail: OutgoingMail) -> smtplib.SMTP:
        """Everything before the mail's content, none of which delivers anything: connect,
        TLS, login, MAIL FROM, RCPT TO, DATA up to the server's 354 (in a thread)."""
        settings = self._settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if settings.smtp_tls == "tls":
            smtp = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_S, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_S)
        try:
            smtp.ehlo()
            if settings.smtp_tls == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password)
            _expect(*smtp.mail(settings.mail_from), 250)
            _expect(*smtp.rcpt(mail.to), 250)
            _expect(*smtp.docmd("DATA"), 354)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _retry_later(
        self, entry_id: str, mail: OutgoingMail, failures: int, exc: Exception
    ) -> None:
        wait_s = min(self._settings.mail_retry_s * 2**failures, MAX_RETRY_S)
        self._retries[entry_id] = (failures + 1, time.monotonic() + wait_s)
        log.warning(
            "conversation %s: email %s not sent (%s); retry in %.1fs",
            mail.conversation_id,
            mail.key,
            exc,
            wait_s,
        )

    async def _give_up(self, entry_id: str, mail: OutgoingMail, why: str) -> None:
        log.error(
            "conversation %s: email %s refused for good: %s", mail.conversation_id, mail.key, why
        )
        await self._finish(entry_id)
        await self._record(mail, system_event(EntryEvent.EMAIL_FAILED, to=mail.to, summary=why))

    async def _finish(self, entry_id: str) -> None:
        await self._store.done(entry_id)
        self._retries.pop(entry_id, None)

    async def _record(self, mail: OutgoingMail, entry: Entry) -> None:
        """Tell the agents (an internal entry) what became of the mail."""
        core = self._mail.core
        with contextlib.suppress(InputError):  # closed meanwhile: nothing to tell
            recorded = await core.record(mail.conversation_id, entry)
            await core.deliver(mail.conversation_id, recorded)


def _expect(code: int, answer: bytes, expected: int) -> None:
    """A 5xx refuses the mail for good; any other unexpected answer is worth a retry."""
    if code >= 500:
        raise Refused(f"{code} {answer!r}")
    if code not in (expected, 251):  # 251: "not local, will forward"
        raise smtplib.SMTPResponseException(code, answer)


def _transmit(smtp: smtplib.SMTP, message: str) -> tuple[int, bytes]:
    """The mail's content after DATA's 354, dot-stuffed and ended by a lone dot; the
    server's answer. `message` is ASCII with CRLF line ends (compose.py, policy SMTP)."""
    lines = message.replace("\r\n", "\n").rstrip("\n").split("\n")
    stuffed = "\r\n".join("." + line if line.startswith(".") else line for line in lines)
    smtp.send(f"{stuffed}\r\n.\r\n".encode("ascii"))
    return smtp.getreply()
