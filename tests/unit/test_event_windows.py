"""The union of the windows that a run's triggering ClueEventTrigger events announced."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_provider_clue.exceptions import ClueValidationError
from airflow_provider_clue.windows.event_windows import announced_windows, union_of


def event(start: str, end: str, **extra: Any) -> SimpleNamespace:
    payload = {"created_at": [start, end], "count": 3}
    return SimpleNamespace(extra={"from_trigger": True, "payload": payload, **extra})


def union(*events: SimpleNamespace, asset: str = "clues") -> tuple[datetime, datetime] | None:
    return union_of(announced_windows({asset: list(events)}))


A, B, C, D = ("2026-12-01T10:00:00+08:00", "2026-12-01T10:05:00+08:00", "2026-12-01T10:07:30+08:00",
              "2026-12-01T11:00:00+08:00")


def test_contiguous_windows_make_one_window_in_any_order() -> None:
    assert union(event(B, C), event(A, B), event(C, D)) == (datetime.fromisoformat(A), datetime.fromisoformat(D))


def test_a_window_announced_twice_is_the_same_window() -> None:
    assert union(event(A, B), event(A, B), event(B, C)) == (datetime.fromisoformat(A), datetime.fromisoformat(C))


def test_the_same_instant_in_another_offset_is_the_same_bound() -> None:
    assert union(event(A, B), event("2026-12-01T02:05:00+00:00", C))[1] == datetime.fromisoformat(C)


@pytest.mark.parametrize(("first", "second", "how"), [((A, B), (C, D), "gap"), ((A, C), (B, D), "overlap")])
def test_a_gap_or_an_overlap_is_an_error_naming_both_windows(first: Any, second: Any, how: str) -> None:
    with pytest.raises(ClueValidationError, match=how) as raised:
        union(event(*first), event(*second))
    assert raised.value.field == "created_at"
    assert all(bound in str(raised.value) for bound in (*first, *second))


def test_events_that_no_clue_watcher_announced_are_left_out() -> None:
    others = [
        SimpleNamespace(extra={"uri": "file:///x.jsonl", "count": 2, "created_at": [A, B]}),  # a pull's outlet event
        SimpleNamespace(extra={"from_trigger": True, "payload": {"status": "ok"}}),  # another trigger's
        SimpleNamespace(extra={"from_trigger": True, "payload": {"created_at": [B, A], "count": 1}}),
        SimpleNamespace(extra={"from_trigger": True, "payload": {"created_at": ["2026-12-01 10:00:00", B],
                                                                "count": 1}}),
        SimpleNamespace(extra=None),
    ]
    assert union(*others) is None
    assert announced_windows(None) == []
