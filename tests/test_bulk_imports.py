"""Bulk imports: more than a page of clues in one second, listed in a different order on every request.

Such a second cannot be split by time; it is split by the API's enum filters instead, and the
parts' ``meta.total`` values must add up to the second's.
"""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_clue.api.client import ClueClient
from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
from airflow_provider_clue.api.pull import Pull
from airflow_provider_clue.exceptions import CluePagingError

if TYPE_CHECKING:
    from airflow_provider_clue.testing import ClueEmulator

DAY = ("2026-10-05 00:00:00", "2026-10-05 23:59:59")
ONE_SECOND = ("2026-10-05 12:00:00", "2026-10-05 12:00:00")


def pull_ids(
    emulator: ClueEmulator, *, window: tuple[str, str] = DAY, filters: dict[str, Any] | None = None,
    max_concurrency: int = 4,
) -> list[str]:
    settings = ClueConnectionSettings.from_values(
        host=emulator.url, token=emulator.token, user_id=emulator.user_id, extras={"max_concurrency": max_concurrency}
    )
    client = ClueClient(settings, logger=logging.getLogger("test.client"))
    query = client.query(filters={**(filters or {}), "created_at": list(window)}, per_page=100)
    return [str(record["id"]) for record in Pull(client, query, logger=logging.getLogger("test.pull")).records()]


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


def test_a_part_still_over_a_page_once_every_filter_is_fixed_fails_loudly(make_emulator):
    emulator = make_emulator(records=0, max_per_page=50, shuffle_ties=True)
    emulator.insert(200, created_at="2026-10-05 12:00:00", operator=3, sex=1, is_follow=0, ai_call=0)
    with pytest.raises(CluePagingError, match=r"incomplete pull: .*operator 3, sex 1, is_follow 0, ai_call 0 read in "
                                              r"3 passes.*one second holds more records than a page \(200 > 50\)"):
        pull_ids(emulator, window=ONE_SECOND)


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
