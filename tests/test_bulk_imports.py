"""Bulk imports: more than a page of clues in one second, listed in a different order on every request.

Such a second cannot be split by time; it is split by the API's enum filters instead, and the
parts' ``meta.total`` values must add up to the second's.
"""

from __future__ import annotations

import json
import logging
import random
import re
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_clue.api.client import ClueClient
from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
from airflow_provider_clue.api.pull import Pull, fruitless_passes_allowed
from airflow_provider_clue.exceptions import CluePagingError

if TYPE_CHECKING:
    from airflow_provider_clue.testing import ClueEmulator

DAY = ("2026-10-05 00:00:00", "2026-10-05 23:59:59")
ONE_SECOND = ("2026-10-05 12:00:00", "2026-10-05 12:00:00")


EVERY_ENUM_FIXED = {"operator": [3], "sex": [1], "is_follow": 0, "ai_call": 0}


def pull_of(
    emulator: ClueEmulator, *, window: tuple[str, str] = DAY, filters: dict[str, Any] | None = None,
    max_concurrency: int = 4,
) -> Pull:
    settings = ClueConnectionSettings.from_values(
        host=emulator.url, token=emulator.token, user_id=emulator.user_id, extras={"max_concurrency": max_concurrency}
    )
    client = ClueClient(settings, logger=logging.getLogger("test.client"))
    query = client.query(filters={**(filters or {}), "created_at": list(window)}, per_page=100)
    return Pull(client, query, logger=logging.getLogger("test.pull"))


def pull_ids(emulator: ClueEmulator, **kwargs: Any) -> list[str]:
    return [str(record["id"]) for record in pull_of(emulator, **kwargs).records()]


def record_at(index: int) -> dict[str, Any]:
    return {"id": f"bulk-{index:03d}", "name": "金山上", "created_at": ONE_SECOND[0], "operator": 3}


def envelope(page: int, *, total: int, per_page: int, data: list[dict[str, Any]]) -> dict[str, Any]:
    last_page = max(1, -(-total // per_page))
    return {"code": 200, "status": "success", "message": "筛选客户公海列表成功", "data": data,
            "meta": {"has_pages": last_page > 1, "total": total, "last_page": last_page, "current_page": page,
                     "per_page": per_page}}


def bodies(emulator: ClueEmulator) -> list[dict[str, Any]]:
    return [json.loads(request.body) for request in emulator.requests]


@pytest.mark.parametrize("max_concurrency", [1, 4])
def test_2000_clues_over_20_seconds_are_read_exactly_run_after_run(make_emulator, max_concurrency):
    emulator = make_emulator(records=0, max_per_page=50, shuffle_ties=True)
    for second in range(20):
        emulator.insert(100, created_at=f"2026-10-05 12:00:{second:02d}")
    for _ in range(3):
        ids = pull_ids(emulator, max_concurrency=max_concurrency)
        assert len(ids) == len(set(ids)) == 2000
        assert set(ids) == emulator.ids(created_at=DAY)


def test_a_second_of_500_clues_is_split_by_the_enum_filters(make_emulator, caplog):
    emulator = make_emulator(records=3000, max_per_page=50, shuffle_ties=True)
    inserted = emulator.insert(500, created_at="2026-10-05 12:00:00")
    with caplog.at_level(logging.INFO):
        ids = pull_ids(emulator)
    assert len(ids) == len(set(ids)) and set(ids) == emulator.ids(created_at=DAY)
    assert "created_at [2026-10-05 12:00:00, 2026-10-05 12:00:00] holds 500 records" in caplog.text
    assert "read as 3 parts by operator" in caplog.text
    split = [body for body in bodies(emulator) if body["created_at"] == list(ONE_SECOND) and "operator" in body]
    assert {tuple(body["operator"]) for body in split} == {(1,), (2,), (3,)}
    for record in inserted[:50]:
        assert str(record["phone"]) not in caplog.text and str(record["email"]) not in caplog.text


@pytest.mark.parametrize("operator", [None, 7])
def test_parts_that_fall_short_give_way_to_the_next_dimension(make_emulator, caplog, operator):
    emulator = make_emulator(records=0, max_per_page=50, shuffle_ties=True)
    emulator.insert(200, created_at="2026-10-05 12:00:00")
    emulator.insert(20, created_at="2026-10-05 12:00:00", operator=operator)  # a landline: no carrier
    with caplog.at_level(logging.INFO):
        ids = pull_ids(emulator, window=ONE_SECOND)
    assert len(ids) == len(set(ids)) and set(ids) == emulator.ids(created_at=ONE_SECOND)
    assert re.search(r"parts by operator \(1: \d+, 2: \d+, 3: \d+\) add up to 200, not to the 220", caplog.text)
    assert "splitting it by sex instead" in caplog.text


def test_parts_that_no_dimension_makes_add_up_fail_loudly(make_emulator):
    emulator = make_emulator(records=0, max_per_page=100, shuffle_ties=True)
    emulator.insert(100, created_at="2026-10-05 12:00:00")
    emulator.insert(20, created_at="2026-10-05 12:00:00", operator=None, sex=None, is_follow=None, ai_call=None)
    with pytest.raises(CluePagingError, match=r"parts by ai_call \(0: \d+, 1: \d+\) add up to 100, "
                                              r"not to the 120 records the second holds"):
        pull_ids(emulator, window=ONE_SECOND)


def test_a_part_still_over_a_page_once_every_filter_is_fixed_is_read_in_passes_until_complete(make_emulator):
    emulator = make_emulator(records=0, max_per_page=50, shuffle_ties=True)
    emulator.insert(200, created_at="2026-10-05 12:00:00", operator=3, sex=1, is_follow=0, ai_call=0)
    pull = pull_of(emulator, window=ONE_SECOND)
    ids = [str(record["id"]) for record in pull.records()]
    assert len(ids) == len(set(ids)) and set(ids) == emulator.ids(created_at=ONE_SECOND)
    assert pull.stats.crowded_seconds == 1
    assert pull.stats.crowded_second_requests == len(emulator.requests)


def test_a_crowded_second_whose_pages_leave_a_record_out_fails_once_passes_stop_finding_records(make_emulator):
    """The second holds 20 records by meta.total, but no page ever shows the 20th: the passes go on while they
    find records, then stop and say so, in a number of requests bounded by the second's size."""
    emulator = make_emulator(records=0, max_per_page=15)
    shown = [record_at(index) for index in range(19)]
    order = random.Random(7)

    def hiding_one(page: int) -> tuple[int, bytes]:
        listed = order.sample(shown, len(shown))  # another order on every request, the 20th never in it
        data = listed[:15] if page == 1 else listed[15:]
        return 200, json.dumps(envelope(page, total=20, per_page=15, data=data)).encode()

    emulator.respond_with(hiding_one)
    allowed = fruitless_passes_allowed(20, 15)
    with pytest.raises(CluePagingError) as raised:
        pull_ids(emulator, window=ONE_SECOND, filters=EVERY_ENUM_FIXED)
    message = str(raised.value)
    assert re.search(r"incomplete pull: 19 distinct records of .* read in (\d+) passes \((\d+) requests\)", message)
    assert f"the last {allowed} passes found no record not read before" in message
    assert "second holds more records than a page (20 > 15)" in message
    passes = int(re.search(r"read in (\d+) passes", message).group(1))
    assert passes <= 19 + allowed and len(emulator.requests) == 2 * passes


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_day_of_a_month_with_bulk_imports_is_pulled_exactly_in_pages_of_15(make_emulator, seed):
    """The vendor's default page size (15) with the server's order within a second changing on every
    request: each day of a 20,000-clue month with bulk imports pulls exactly, its crowded seconds counted."""
    emulator = make_emulator(records=20_000, seed=seed, start="2026-10-01 00:00:00", end="2026-10-31 00:00:00",
                             max_per_page=15, shuffle_ties=True)
    crowded_days = seconds = requests = most = 0
    for day in range(1, 31):
        window = (f"2026-10-{day:02d} 00:00:00", f"2026-10-{day:02d} 23:59:59")
        expected = emulator.records(created_at=window)
        crowded = max(Counter(record["created_at"] for record in expected).values()) > 15
        pull = pull_of(emulator, window=window)
        ids = [str(record["id"]) for record in pull.records()]
        assert len(ids) == len(set(ids)) and set(ids) == {str(record["id"]) for record in expected}, window
        crowded_days += crowded
        assert (pull.stats.crowded_seconds > 0) == crowded, window
        if crowded:
            assert pull.stats.most_crowded_second_requests <= pull.stats.crowded_second_requests < pull.stats.pages
        seconds += pull.stats.crowded_seconds
        requests += pull.stats.crowded_second_requests
        most = max(most, pull.stats.most_crowded_second_requests)
    print(f"\nseed {seed}: 30 days exact, {crowded_days} with crowded seconds; {seconds} crowded seconds took "
          f"{requests} of {len(emulator.requests)} requests, at most {most} for one")
    assert crowded_days >= 10


def test_the_users_own_enum_filters_restrict_the_split(make_emulator):
    emulator = make_emulator(records=0, max_per_page=50, shuffle_ties=True)
    emulator.insert(600, created_at="2026-10-05 12:00:00")
    filters = {"operator": [1, 3], "is_follow": 1}
    ids = pull_ids(emulator, window=ONE_SECOND, filters=filters)
    expected = {
        str(record["id"]) for record in emulator.records(created_at=ONE_SECOND)
        if record["operator"] in (1, 3) and record["is_follow"] == 1
    }
    assert len(ids) == len(set(ids)) and set(ids) == expected
    asked = bodies(emulator)
    assert all(set(body["operator"]) <= {1, 3} and body["is_follow"] == 1 for body in asked)
    assert {tuple(body["operator"]) for body in asked} == {(1, 3), (1,), (3,)}
    assert any("sex" in body for body in asked)  # is_follow is the user's: sex is split next
