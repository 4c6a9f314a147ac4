"""A customer's email reply as the plain text an agent reads: the newest part only.

HTML is turned into text (scripts and styles dropped, never rendered), unknown charsets
and broken encodings decode with replacement characters, quoted history ("On ... wrote:",
"> " lines, "-----Original Message-----") and the signature ("-- ") are cut.

    text = reply_text(raw_bytes, max_chars=2000)   # raises Unreadable when nothing is left
"""

from __future__ import annotations

import re
import unicodedata
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser

# A line where the quoted history starts: everything from there on is cut.
_HISTORY = re.compile(
    r"^(On .{0,300}wrote:?|-{2,}\s*Original Message\s*-{2,}|_{10,}|From: .+|"
    r"Le .{0,300}a écrit\s?:|Am .{0,300}schrieb.{0,100}:|Sent from my .+)$",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^--\s?$")
_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "pre"}
_INVISIBLE_TAGS = {"script", "style", "head", "title", "template"}


class Unreadable(ValueError):
    """The mail holds no text a person could read as a reply."""


class _HtmlText(HTMLParser):
    """The text of an HTML body; quoted replies (<blockquote>) and scripts left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE_TAGS or tag == "blockquote":
            self._hidden += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE_TAGS or tag == "blockquote":
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def _decoded(part: EmailMessage) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError, ValueError, AssertionError):
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""


def newest_part(text: str) -> str:
    """The text above the quoted history and the signature, without `>` lines."""
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        stripped = line.strip()
        if _SIGNATURE.match(line) or (kept and _HISTORY.match(stripped)):
            break
        if not stripped.startswith(">"):
            kept.append(line.rstrip())
    printable = "".join(
        char for char in "\n".join(kept) if char in "\n\t" or unicodedata.category(char)[0] != "C"
    )
    return re.sub(r"\n{3,}", "\n\n", printable).strip()


def reply_text(raw: bytes, max_chars: int) -> str:
    """The readable reply in `raw` (a whole RFC 5322 message), at most `max_chars` long."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        raise Unreadable("no text or HTML part")
    content = _decoded(body)  # type: ignore[arg-type]
    if body.get_content_subtype() == "html":
        content = html_to_text(content)
    text = newest_part(content)
    if not text:
        raise Unreadable("no readable text once markup, quotes and signature are removed")
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"
