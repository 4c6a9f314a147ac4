"""The emails themselves: plain text, the agent's new messages first, then the recent
context, then the link back into the chat. Nothing from a conversation is ever rendered as
HTML, so nothing a customer or agent typed can turn into markup in someone's mail client.

    message = compose(settings, to="kim@example.com", subject="...", sections=[...],
                      key="reply:c1:1-0", reply_to="reply+...@example.com",
                      resume_url="https://shop.example/?resume=...")
"""

from __future__ import annotations

import hashlib
import time
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate
from typing import Sequence

from handoff.protocol import Entry, Role
from handoff.settings import Settings

# How many earlier messages a reply mail repeats, so it reads on its own.
CONTEXT_ENTRIES = 6
_WHO = {Role.CUSTOMER: "You", Role.BOT: "Assistant", Role.SYSTEM: "Northwind"}


def line(entry: Entry) -> str:
    """One transcript entry as a line of the mail: who, when (UTC), what."""
    role = Role(entry.get("role", Role.SYSTEM))
    who = entry.get("name") if role is Role.AGENT else _WHO.get(role, "Northwind")
    when = time.strftime("%d %b %H:%M UTC", time.gmtime(entry.get("ts", 0)))
    text = entry.get("text") or (
        f"[attachment] {entry['attachment'].get('payload', {}).get('name', '')}"
        if "attachment" in entry
        else ""
    )
    return f"{who or 'Our team'}, {when}:\n{text}\n"


def compose(
    settings: Settings,
    *,
    to: str,
    name: str,
    subject: str,
    sections: Sequence[tuple[str, Sequence[Entry]]],
    key: str,
    resume_url: str,
    reply_to: str | None,
) -> str:
    """The whole RFC 5322 message; its Message-ID derives from `key`, so a receiving
    server that keeps Message-IDs sees a repeated send as the same mail."""
    mail = EmailMessage(policy=SMTP)
    mail["From"] = settings.mail_from
    mail["To"] = formataddr((name, to)) if name else to
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=False)
    domain = settings.mail_reply_domain or settings.mail_from.rpartition("@")[2] or "localhost"
    mail["Message-ID"] = f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"
    if reply_to:
        mail["Reply-To"] = reply_to
    parts = [f"Hello{' ' + name if name else ''},\n"]
    for title, entries in sections:
        if entries:
            parts.append(f"{title}\n\n" + "\n".join(line(entry) for entry in entries))
    how = "Reply to this email or continue" if reply_to else "Continue"
    parts.append(f"{how} the conversation in the chat:\n{resume_url}\n")
    mail.set_content("\n".join(parts), charset="utf-8")
    return mail.as_string()
