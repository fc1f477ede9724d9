"""split_bounds: consecutive inclusive slices that cover a window exactly once."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_clue.api.api_time import API_TIME_FORMAT
from airflow_provider_clue.api.window_slices import seconds_in, split_bounds


def moment(text: str) -> datetime:
    return datetime.strptime(text, API_TIME_FORMAT)


def test_a_day_in_four_slices_newest_first():
    assert split_bounds(("2026-10-02 00:00:00", "2026-10-02 23:59:59"), 4) == [
        ("2026-10-02 18:00:00", "2026-10-02 23:59:59"),
        ("2026-10-02 12:00:00", "2026-10-02 17:59:59"),
        ("2026-10-02 06:00:00", "2026-10-02 11:59:59"),
        ("2026-10-02 00:00:00", "2026-10-02 05:59:59"),
    ]


def test_never_more_slices_than_seconds():
    assert split_bounds(("2026-10-02 00:00:00", "2026-10-02 00:00:02"), 10) == [
        ("2026-10-02 00:00:02", "2026-10-02 00:00:02"),
        ("2026-10-02 00:00:01", "2026-10-02 00:00:01"),
        ("2026-10-02 00:00:00", "2026-10-02 00:00:00"),
    ]


@pytest.mark.parametrize("parts", [0, 1])
def test_one_part_is_the_window_itself(parts):
    bounds = ("2026-10-02 00:00:00", "2026-10-02 23:59:59")
    assert split_bounds(bounds, parts) == [bounds]


def test_seconds_in_counts_both_ends():
    assert seconds_in(("2026-10-02 00:00:00", "2026-10-02 00:00:00")) == 1
    assert seconds_in(("2026-10-02 00:00:00", "2026-10-02 23:59:59")) == 86_400


@given(
    start=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)),
    seconds=st.integers(min_value=1, max_value=400 * 86_400),
    parts=st.integers(min_value=1, max_value=5_000),
)
@settings(deadline=None)  # up to 5,000 slices formatted: on a shared, busy machine that takes over 200 ms
def test_slices_tile_the_window(start, seconds, parts):
    start = start.replace(microsecond=0)
    bounds = (start.strftime(API_TIME_FORMAT), (start + timedelta(seconds=seconds - 1)).strftime(API_TIME_FORMAT))
    slices = split_bounds(bounds, parts)
    assert len(slices) == min(parts, seconds)
    oldest_first = slices[::-1]
    assert oldest_first[0][0] == bounds[0] and oldest_first[-1][1] == bounds[1]
    for (_, end), (next_start, _) in itertools.pairwise(oldest_first):
        assert moment(next_start) - moment(end) == timedelta(seconds=1)
    assert all(moment(first) <= moment(last) for first, last in slices)
    assert sum(seconds_in(bounds) for bounds in slices) == seconds
