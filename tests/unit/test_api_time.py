"""Records' times: the API's wall-clock strings or ISO 8601 with an offset, compared as instants."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from airflow_provider_clue.api.api_time import CreatedWindow, parse_record_time

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 10, 4, 12, 0, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "text",
    [
        "2026-10-04 12:00:00",  # the API's own: wall clock in the connection's zone
        "2026-10-04T04:00:00.000000Z",  # Laravel's default serialisation (UTC)
        "2026-10-04T04:00:00Z",
        "2026-10-04T04:00:00.5z",  # a fraction of a second is dropped
        "2026-10-04T12:00:00+08:00",
        "2026-10-04 12:00:00+0800",
        "2026-10-03T23:00:00-05:00",
    ],
)
def test_the_same_instant_in_each_accepted_form(text):
    assert parse_record_time(text, SHANGHAI) == NOON


@pytest.mark.parametrize(
    "value",
    [
        "2026-10-04T12:00:00",  # ISO 8601 without an offset: no zone is stated
        "2026-10-04 12:00:00.000000",
        "2026-10-04",
        "2026-13-04 12:00:00",
        "2026-10-04 24:00:00",
        "2026/10/04 12:00:00",
        "２０２６-10-04 12:00:00",
        "2026-10-04 12:00:00 ",
        "",
        None,
        1791086400,
        ["2026-10-04 12:00:00"],
    ],
)
def test_anything_else_is_not_a_time(value):
    with pytest.raises(ValueError, match=r"expected YYYY-MM-DD HH:MM:SS or ISO 8601 with an offset|must be in"):
        parse_record_time(value, SHANGHAI)


def test_a_window_holds_the_instants_of_its_seconds():
    window = CreatedWindow(("2026-10-05 00:00:00", "2026-10-05 23:59:59"), SHANGHAI)
    assert "2026-10-05 00:00:00" in window and "2026-10-05 23:59:59" in window
    assert "2026-10-04 23:59:59" not in window and "2026-10-06 00:00:00" not in window
    assert "2026-10-04T16:00:00.000000Z" in window  # local midnight, in UTC
    assert "2026-10-04T15:59:59.999999Z" not in window and "2026-10-05T15:59:59.999999Z" in window
    assert "2026-10-05T16:00:00Z" not in window
    with pytest.raises(ValueError):
        _ = "2026-10-05T12:00:00" in window


def test_utc_and_local_agree_over_a_whole_day():
    window = CreatedWindow(("2026-10-05 00:00:00", "2026-10-05 23:59:59"), SHANGHAI)
    start = datetime(2026, 10, 4, 15, 0, tzinfo=timezone.utc)
    for minutes in range(0, 26 * 60, 7):
        moment = start + timedelta(minutes=minutes)
        local = moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        utc = moment.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        assert (local in window) == (utc in window) == local.startswith("2026-10-05")
