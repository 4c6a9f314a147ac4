"""What the gateway accepts from clients, and the clear refusals for everything else.

Every check raises `InputError` with a code the widget and console understand, so a bad
payload never gets half processed and nothing already recorded is lost.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import deque
from typing import Any

from handoff.protocol import ErrorCode, InputError
from handoff.protocol.shapes import PageVisit
from handoff.stores.conversations import AppendStatus, Refusal, TransitionResult
from handoff.stores.transcript import is_entry_id

MAX_METADATA_CHARS = 4000
# Largest integer a browser's JSON.parse keeps exactly (Number.MAX_SAFE_INTEGER).
MAX_SAFE_INTEGER = 2**53 - 1
# Deeper JSON than this is refused: no event of the protocol nests more than a few levels.
MAX_NESTING = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


def _refused_value(reason: str) -> InputError:
    return InputError(ErrorCode.INVALID_PAYLOAD, f"Refused: {reason}; nothing was recorded.")


def _constant(name: str) -> float:
    raise _refused_value(f"{name} is not a number a browser can read")


def _float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _refused_value(f"{text} is out of range")
    return number


def _int(text: str) -> int:
    if len(text) > 17 or abs(number := int(text)) > MAX_SAFE_INTEGER:
        raise _refused_value("integers are limited to +-(2**53 - 1)")
    return number


def check_wire_value(value: Any, depth: int = 0) -> None:
    """InputError for a decoded value a browser, Redis or our JSON cannot carry faithfully:
    lone surrogates in strings or keys, nesting deeper than MAX_NESTING, non-JSON types."""
    if isinstance(value, str):
        if not value.isascii() and _SURROGATE.search(value):
            raise _refused_value("text with lone surrogates (invalid Unicode)")
    elif isinstance(value, (bool, int, float)) or value is None:
        return
    elif depth >= MAX_NESTING:
        raise _refused_value(f"data nested deeper than {MAX_NESTING} levels")
    elif isinstance(value, list):
        for item in value:
            check_wire_value(item, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_wire_value(key, depth + 1)
            check_wire_value(item, depth + 1)
    else:
        raise _refused_value(f"{type(value).__name__} is not JSON")


def loads_checked(text: str | bytes) -> Any:
    """`json.loads` that takes only what can be stored and sent on to a browser unchanged.

    Invalid JSON raises ValueError as json.loads does; valid JSON holding NaN, Infinity,
    numbers beyond the safe range, lone surrogates or deep nesting raises InputError
    (`invalid_payload`). Python's own json accepts all of those, and a browser's Socket.IO
    client that receives them drops its connection.
    """
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except RecursionError as error:
        raise _refused_value(f"data nested deeper than {MAX_NESTING} levels") from error
    check_wire_value(value)
    return value


def dumps_safe(value: Any, **options: Any) -> str:
    """`json.dumps` that never writes NaN or Infinity (a browser cannot parse them): such
    a number from an older record or another component goes out as null."""
    try:
        return json.dumps(value, allow_nan=False, **options)
    except ValueError:
        return json.dumps(_finite(value), allow_nan=False, **options)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def valid_text(text: Any, max_chars: int) -> str:
    if not isinstance(text, str):
        raise InputError(ErrorCode.INVALID_MESSAGE, "The message must be a string.")
    if not text.strip():
        raise InputError(ErrorCode.EMPTY_MESSAGE, "The message is empty.")
    if len(text) > max_chars:
        raise InputError(
            ErrorCode.MESSAGE_TOO_LONG,
            f"Messages are limited to {max_chars} characters; nothing was sent.",
        )
    return text


def valid_metadata(metadata: Any) -> dict[str, Any] | None:
    if not isinstance(metadata, dict) or not metadata:
        return None
    if len(json.dumps(metadata, default=str)) > MAX_METADATA_CHARS:
        raise InputError(ErrorCode.INVALID_METADATA, "Message metadata is too large.")
    return metadata


# What a page visit may say, each string capped: longer is cut, never refused.
_PAGE_TEXT_CHARS = {
    "page_url": 500,
    "page_title": 200,
    "referrer": 500,
    "language": 35,
    "time_zone": 64,
}
_URL_FIELDS = ("page_url", "referrer")
MAX_UTC_OFFSET_MIN = 18 * 60
MAX_COMMENT_CHARS = 1000
_BROWSERS = (  # order matters: Edge and Opera also say Chrome, Chrome also says Safari
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Version/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def valid_page_visit(context: Any) -> PageVisit | None:
    """The widget's `metadata.context`, cleaned: known fields only, strings cut to size,
    URLs only http(s), the UTC offset a whole number of minutes; None when nothing is left.
    A bad context never refuses the message it came with."""
    if not isinstance(context, dict):
        return None
    visit: dict[str, Any] = {}
    for name, limit in _PAGE_TEXT_CHARS.items():
        value = context.get(name)
        if not isinstance(value, str) or not value.strip():
            continue
        value = _SURROGATE.sub("", value.strip())[:limit]
        if name in _URL_FIELDS and not value.lower().startswith(("https://", "http://")):
            continue
        visit[name] = value
    offset = context.get("utc_offset_min")
    if (
        isinstance(offset, int)
        and not isinstance(offset, bool)
        and abs(offset) <= MAX_UTC_OFFSET_MIN
    ):
        visit["utc_offset_min"] = offset
    return visit or None  # type: ignore[return-value]


# The widget's anonymous browser id (random, kept in localStorage): url-safe, 16 to 64 chars.
_VISITOR_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


def valid_visitor_id(context: Any) -> str:
    """`metadata.context.visitor_id`, the widget's id for this browser, prefixed so it
    never equals a conversation id; "" when absent or malformed (never a refusal)."""
    value = context.get("visitor_id") if isinstance(context, dict) else None
    if isinstance(value, str) and _VISITOR_ID.fullmatch(value):
        return f"v:{value}"
    return ""


def browser_label(user_agent: Any) -> str:
    """ "Firefox 128 on Linux" from a User-Agent header; "" when it says nothing known."""
    if not isinstance(user_agent, str):
        return ""
    user_agent = user_agent[:512]
    name = ""
    for marker, label in _BROWSERS:
        found = re.search(re.escape(marker) + r"(\d+)", user_agent)
        if found:
            name = f"{label} {found.group(1)}"
            break
    system = next((label for marker, label in _SYSTEMS if marker in user_agent), "")
    return " on ".join(part for part in (name, system) if part)


def valid_comment(comment: Any) -> str:
    """A rating's optional comment: text, cut to MAX_COMMENT_CHARS."""
    if comment is None:
        return ""
    if not isinstance(comment, str):
        raise InputError(ErrorCode.INVALID_PAYLOAD, "The comment is text.")
    return _SURROGATE.sub("", comment.strip())[:MAX_COMMENT_CHARS]


def valid_id(conversation_id: Any) -> str:
    if not isinstance(conversation_id, str) or not 0 < len(conversation_id) <= 100:
        raise InputError(ErrorCode.INVALID_PAYLOAD, "conversation_id is required.")
    return conversation_id


def raise_for_append(status: AppendStatus) -> None:
    """Turn a refused transcript append into the refusal the client should see."""
    if status is AppendStatus.MISSING:
        raise InputError(ErrorCode.INVALID_SESSION, "Unknown conversation; send session_request.")
    if status is AppendStatus.CLOSED:
        raise InputError(
            ErrorCode.CONVERSATION_CLOSED,
            "This conversation is closed; send session_request for a new one.",
        )
    if status is AppendStatus.AGENT:
        raise InputError(ErrorCode.NOT_YOUR_CHAT, "You do not hold this conversation.")


def refusal(result: TransitionResult) -> InputError:
    """Turn a refused state transition into the refusal the agent should see."""
    if result.refused is Refusal.MISSING:
        return InputError(ErrorCode.NOT_FOUND, "No such conversation.")
    if result.refused is Refusal.LIMIT:
        return InputError(ErrorCode.LIMIT_REACHED, "You already hold as many chats as allowed.")
    if result.refused is Refusal.AGENT:
        return InputError(ErrorCode.NOT_YOUR_CHAT, "You do not hold this conversation.")
    return InputError(ErrorCode.WRONG_STATE, f"The conversation is {result.previous_state}.")


class RateLimiter:
    """At most `limit` events per key in any `window_s` seconds (0: no limit).

    Kept per process: a flood is stopped where it arrives, at no Redis round trip; behind
    a load balancer each process allows its own `limit`.

        RateLimiter(60, what="messages").check(conversation_id)  # InputError when over
    """

    MAX_TRACKED = 10000

    def __init__(self, limit: int, window_s: float = 60.0, what: str = "messages") -> None:
        self._limit = limit
        self._window_s = window_s
        self._what = what
        self._recent: dict[str, deque[float]] = {}

    def check(self, key: str) -> None:
        if self._limit <= 0:
            return
        now = time.monotonic()
        recent = self._recent.setdefault(key, deque())
        while recent and now - recent[0] > self._window_s:
            recent.popleft()
        if len(recent) >= self._limit:
            raise InputError(
                ErrorCode.RATE_LIMITED, f"Too many {self._what}; please wait a moment."
            )
        recent.append(now)
        if len(self._recent) > self.MAX_TRACKED:
            self._recent = {
                k: v for k, v in self._recent.items() if v and now - v[-1] < self._window_s
            }


class ConnectionCounter:
    """Open sockets per client address in this process, at most `limit` each (0: any)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._open: dict[str, int] = {}

    def open(self, address: str) -> bool:
        """Count one more socket of `address`; False (and not counted) when at the limit."""
        count = self._open.get(address, 0)
        if 0 < self._limit <= count:
            return False
        self._open[address] = count + 1
        return True

    def close(self, address: str) -> None:
        count = self._open.get(address, 0) - 1
        if count > 0:
            self._open[address] = count
        else:
            self._open.pop(address, None)


def client_address(peer: str, forwarded_for: str | None, trusted: frozenset[str]) -> str:
    """The client's address: the peer's, unless the peer is a trusted proxy; then the
    nearest X-Forwarded-For hop that is not itself a trusted proxy (hops further left
    were written by the client and prove nothing)."""
    address = peer
    if peer in trusted and forwarded_for:
        for hop in reversed(forwarded_for.split(",")):
            if not hop.strip():
                break
            address = hop.strip()
            if address not in trusted:
                break
    return address


def valid_last_id(value: Any) -> str | None:
    """A transcript id the client saw last, if it is one Redis can start after."""
    if not is_entry_id(value):
        return None
    milliseconds, sequence = (int(part) for part in str(value).split("-"))
    if milliseconds > _MAX_ID_PART or sequence >= _MAX_ID_PART:
        return None  # beyond any real entry: the whole history is replayed
    return str(value)


_MAX_ID_PART = 2**64 - 1
