"""The HTTP helpers backends share: Retry-After parsing, transient statuses, one-line details."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timedelta

import pytest
from rlgpt.llm import is_transient_status, one_line, retry_after_s


def test_retry_after_forms() -> None:
    future = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert retry_after_s({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert retry_after_s({"retry-after": "7"}) == 7.0
    assert retry_after_s({"retry-after": "2.5"}) == 2.5
    assert 25 < retry_after_s({"retry-after": future}) <= 30
    assert retry_after_s({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after_s({"retry-after": "-3"}) == 0.0


def test_no_usable_retry_after_is_none() -> None:
    assert retry_after_s({}) is None
    assert retry_after_s({"retry-after": "soon"}) is None
    assert retry_after_s({"retry-after-ms": "soon"}) is None


def test_a_bad_retry_after_ms_falls_back_to_retry_after() -> None:
    assert retry_after_s({"retry-after-ms": "soon", "retry-after": "4"}) == 4.0


@pytest.mark.parametrize("status", [408, 429, 500, 503, 529])
def test_timeouts_rate_limits_and_server_errors_are_transient(status: int) -> None:
    assert is_transient_status(status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 422])
def test_client_errors_are_permanent(status: int) -> None:
    assert not is_transient_status(status)


def test_a_backend_may_add_transient_statuses() -> None:
    assert is_transient_status(409, also={409})
    assert not is_transient_status(404, also={409})


def test_one_line_collapses_whitespace_and_cuts() -> None:
    assert one_line("a\n  b\tc") == "a b c"
    assert one_line(ValueError("bad\nvalue")) == "bad value"
    assert one_line("x" * 20, limit=10) == "xxxxxxx..."
    assert one_line("x" * 10, limit=10) == "x" * 10
