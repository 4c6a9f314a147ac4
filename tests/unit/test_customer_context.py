"""What the widget says about the customer's page and browser is cleaned, never trusted:
known fields only, cut to size, http(s) links only; a bad context never refuses a message."""

from __future__ import annotations

import pytest

from handoff.protocol import InputError
from handoff.services.validation import (
    browser_label,
    valid_comment,
    valid_page_visit,
    valid_visitor_id,
)


def test_a_page_visit_keeps_known_fields_cut_to_size() -> None:
    visit = valid_page_visit(
        {
            "page_url": "https://shop.example/" + "x" * 600,
            "page_title": "  Kettles  ",
            "referrer": "javascript:alert(1)",
            "language": "de-DE",
            "time_zone": "Europe/Berlin",
            "utc_offset_min": 60,
            "cookies": "secret",
        }
    )
    assert visit is not None
    assert len(visit["page_url"]) == 500
    assert visit["page_title"] == "Kettles"
    assert "referrer" not in visit and "cookies" not in visit
    assert (visit["language"], visit["time_zone"], visit["utc_offset_min"]) == (
        "de-DE",
        "Europe/Berlin",
        60,
    )


@pytest.mark.parametrize("context", [None, "page", [], {"utc_offset_min": 5000}, {"page_url": 3}])
def test_nothing_usable_is_no_visit(context: object) -> None:
    assert valid_page_visit(context) is None


@pytest.mark.parametrize(
    "visitor_id", [None, 7, "short", "x" * 65, "has spaces in it here", "ab/cd" * 5]
)
def test_a_malformed_visitor_id_is_ignored(visitor_id: object) -> None:
    assert valid_visitor_id({"visitor_id": visitor_id}) == ""


def test_a_visitor_id_never_names_a_conversation() -> None:
    assert valid_visitor_id({"visitor_id": "Ab_-" * 4}) == "v:Ab_-Ab_-Ab_-Ab_-"
    assert valid_visitor_id("not a context") == ""


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge 131 on Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari 17 on iOS",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox 128 on Linux",
        ),
        ("curl/8.5", ""),
        (None, ""),
    ],
)
def test_the_browser_is_named_from_its_user_agent(user_agent: object, label: str) -> None:
    assert browser_label(user_agent) == label


def test_a_rating_comment_is_text_cut_to_size() -> None:
    assert valid_comment(None) == ""
    assert valid_comment("  fine  ") == "fine"
    assert len(valid_comment("x" * 5000)) == 1000
    with pytest.raises(InputError):
        valid_comment(5)
