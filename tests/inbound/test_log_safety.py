"""Remote text in log lines stays on its line, and a stranger cannot buy log volume."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbound.log_safety import MAX_LISTED, RateLimitedLog, loggable, summary


@given(st.text())
def test_any_text_made_loggable_is_one_printable_line_of_bounded_length(text):
    shown = loggable(text, limit=40)
    assert shown.isprintable()
    assert len(shown) <= 40 * 10 + 1  # each character escaped at most to \U0010ffff


def test_a_newline_and_an_escape_sequence_are_shown_escaped_and_long_text_is_cut():
    assert loggable("type\nERROR forged\x1b[2J\\") == "type\\nERROR forged\\x1b[2J\\\\"
    assert loggable("x" * 100) == "x" * 80 + "…"


def test_a_summary_lists_the_most_frequent_values_with_their_counts_and_how_many_more():
    values = ["a"] * 3 + ["b\n"] * 2 + [f"other-{i}" for i in range(10)]
    listed = summary(values)
    assert listed.startswith("a x3, b\\n x2, ")
    assert listed.endswith(f"and {12 - MAX_LISTED} more")


def test_a_rate_limited_warning_is_logged_once_per_interval_then_says_how_many_were_held_back(caplog):
    now = [0.0]
    warnings = RateLimitedLog(logging.getLogger("refusals"), interval_s=60, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING):
        for second in range(0, 120, 2):  # 60 refusals over two minutes
            now[0] = float(second)
            warnings.warning("Refused a thing: %s", "no token")
    assert [r.getMessage() for r in caplog.records] == [
        "Refused a thing: no token",
        "Refused a thing: no token (29 more like it in the last 60 s)",
    ]


@pytest.mark.parametrize("value", [None, 7, ValueError("bad\nvalue")])
def test_values_that_are_not_text_are_shown_as_text(value):
    assert "\n" not in loggable(value)
