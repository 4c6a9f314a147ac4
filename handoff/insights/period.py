"""The period a report covers, as people write it: `7d`, `24h`, `90m`, or a date.

since = parse_since("7d", now=time.time())   # a Unix time a week ago
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_AGO = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")


def parse_since(value: str, now: float) -> float:
    """`<number><s|m|h|d|w>` ago, or an ISO date/time (UTC unless it says otherwise);
    ValueError names the accepted forms."""
    text = value.strip().lower()
    match = _AGO.match(text)
    if match:
        return now - float(match.group(1)) * _UNITS[match.group(2)]
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"period {value!r}: write e.g. 7d, 24h, 30m, 2w or a date like 2026-11-01"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()
