"""Concurrent, time-sliced pulls against the emulator: same records, same order, limits respected."""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_clue.api.api_time import API_TIME_FORMAT
from airflow_provider_clue.api.client import ClueClient
from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
from airflow_provider_clue.api.pull import Pull
from airflow_provider_clue.exceptions import CluePagingError, ClueRateLimitError, ClueValidationError
from airflow_provider_clue.hooks.clue import ClueHook
from tests.operator_support import point_clue_default_at

if TYPE_CHECKING:
    from airflow_provider_clue.api.pull import PullStats
    from airflow_provider_clue.testing import ClueEmulator

OCTOBER = ("2026-10-01 00:00:00", "2026-10-31 23:59:59")
OCTOBER_DAYS = [(f"2026-10-{day:02d} 00:00:00", f"2026-10-{day:02d} 23:59:59") for day in range(1, 29)]


def client_for(emulator: ClueEmulator, **extra: Any) -> ClueClient:
    settings = ClueConnectionSettings.from_values(
        host=emulator.url, token=emulator.token, user_id=emulator.user_id, extras=extra
    )
    return ClueClient(settings, logger=logging.getLogger("test.client"))


def pull(client: ClueClient, *, window=OCTOBER, per_page=100, **kwargs: Any) -> tuple[list[str], Pull]:
    query = client.query(filters={"created_at": list(window)}, per_page=per_page)
    puller = Pull(client, query, logger=logging.getLogger("test.pull"), **kwargs)
    return [record["id"] for record in puller.records()], puller


def created_at_asked(emulator: ClueEmulator) -> list[tuple[str, str]]:
    """The created_at of every page-1 request, in the order sent."""
    return [tuple(json.loads(r.body)["created_at"]) for r in emulator.requests if r.page == 1]


@pytest.mark.parametrize("max_concurrency", [1, 3, 8])
def test_concurrency_changes_neither_the_records_nor_their_order(make_emulator, max_concurrency):
    emulator = make_emulator(records=3000, max_per_page=50, shuffle_ties=False)  # the same order needs a stable one
    sequential, _ = pull(client_for(emulator), slice_records=400)
    emulator.clear_requests()
    ids, puller = pull(client_for(emulator, max_concurrency=max_concurrency), slice_records=400)
    assert ids == sequential
    assert len(ids) == len(set(ids)) == 3000 and set(ids) == emulator.ids(created_at=OCTOBER)
    assert puller.stats.slices == 8 and puller.stats.largest_slice <= 800
    assert puller.stats.duplicates == 0 and puller.stats.passes == 8


def test_slices_tile_the_window(make_emulator):
    emulator = make_emulator(records=3000, max_per_page=50, shuffle_ties=False)  # no slice moves, none is re-read
    pull(client_for(emulator, max_concurrency=4), slice_records=1000)
    probe, *slices = created_at_asked(emulator)
    assert probe == OCTOBER
    slices.sort(reverse=True)
    assert len(slices) == 3
    assert slices[0][1] == OCTOBER[1] and slices[-1][0] == OCTOBER[0]
    for (newer_start, _), (_, older_end) in itertools.pairwise(slices):
        assert datetime.strptime(newer_start, API_TIME_FORMAT) - datetime.strptime(older_end, API_TIME_FORMAT) == (
            timedelta(seconds=1)
        )


def test_a_crowded_hour_is_split_again(make_emulator):
    # Ties in one order: shuffled, 1,500 in one second overflow pages of 50 even split by every enum filter.
    emulator = make_emulator(records=1000, max_per_page=50, shuffle_ties=False)
    emulator.insert(1500, created_at="2026-10-20 10:30:00")
    for minute in range(60):
        emulator.insert(10, created_at=f"2026-10-20 11:{minute:02d}:00")
    ids, puller = pull(client_for(emulator, max_concurrency=4), slice_records=200)
    assert len(ids) == len(set(ids)) == 3100 and set(ids) == emulator.ids(created_at=OCTOBER)
    # one second holds 1,500 records and cannot be split; every other slice stays near 200
    assert puller.stats.largest_slice == 1500
    assert puller.stats.slices > 3100 // 200


def test_a_small_window_is_read_from_the_first_response(make_emulator):
    emulator = make_emulator(records=3000, max_per_page=50)
    day = ("2026-10-02 00:00:00", "2026-10-02 23:59:59")
    ids, puller = pull(client_for(emulator, max_concurrency=4), window=day)
    assert set(ids) == emulator.ids(created_at=day) and puller.stats.slices == 1
    assert created_at_asked(emulator) == [day]
    assert sorted(r.page for r in emulator.requests) == list(range(1, puller.stats.pages + 1))


def test_the_rate_limit_holds_across_threads(make_emulator):
    emulator = make_emulator(records=600, max_per_page=10)
    ids, _ = pull(client_for(emulator, max_concurrency=8, rate_limit=20), per_page=10)
    assert len(ids) == 600
    times = sorted(r.time for r in emulator.requests)
    assert len(times) >= 60
    # The limiter spaces starts 50 ms apart (exactly: tests/unit/test_throttling.py). Arrival
    # times at the emulator also carry thread scheduling, so allow a few late arrivals per
    # second; without the limit 8 threads send all 60 within a fraction of a second.
    busiest = max(sum(1 for t in times if start <= t < start + 1) for start in times)
    assert busiest <= 25
    assert times[-1] - times[0] >= (len(times) - 1) / 20 - 0.5


def test_rate_limiting_lowers_concurrency_then_it_recovers(make_emulator, caplog):
    emulator = make_emulator(records=2000, max_per_page=20)
    emulator.set_faults(retry_after="0.05")
    emulator.fail_next("rate_limit", times=3)
    with caplog.at_level(logging.INFO):
        ids, puller = pull(client_for(emulator, max_concurrency=8), per_page=20)
    assert len(ids) == len(set(ids)) == 2000 and set(ids) == emulator.ids(created_at=OCTOBER)
    assert "Rate limited (HTTP 429): concurrency lowered to 4 of 8" in caplog.text
    assert "concurrency raised to 8 of 8" in caplog.text
    assert puller.stats.retries == 3 == sum(r.status == 429 for r in emulator.requests)
    assert puller.stats.lowest_concurrency < 8


def test_random_429s_still_give_the_exact_records(make_emulator):
    emulator = make_emulator(records=3000, max_per_page=50)
    emulator.set_faults(rate_limit=0.2, retry_after="0.01")
    ids, puller = pull(client_for(emulator, max_concurrency=8, max_retries=10),
                       slice_records=1000)
    assert len(ids) == len(set(ids)) == 3000 and set(ids) == emulator.ids(created_at=OCTOBER)
    assert puller.stats.retries == sum(r.status == 429 for r in emulator.requests) > 0


@pytest.mark.parametrize("rate_limit", [0.0, 0.1], ids=["no-429", "random-429s"])
def test_one_hook_serves_concurrent_pulls_from_several_threads(make_emulator, monkeypatch, rate_limit):
    # Ties in one order: shuffled, a bulk import of hundreds in one second overflows pages of 10 even
    # split by every enum filter (tests/test_bulk_imports.py covers shuffled ties).
    emulator = make_emulator(records=3000, max_per_page=10, latency=0.01, shuffle_ties=False)
    emulator.set_faults(rate_limit=rate_limit, retry_after="0")
    point_clue_default_at(emulator, monkeypatch, max_retries=10)
    hook = ClueHook()

    def pull_day(day: tuple[str, str]) -> tuple[list[str], PullStats]:
        puller = hook.pull(hook.query(filters={"created_at": list(day)}, per_page=10))
        return [record["id"] for record in puller.records()], puller.stats

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(pull_day, OCTOBER_DAYS))
    rate_limited = Counter(json.loads(r.body)["created_at"][0] for r in emulator.requests if r.status == 429)
    assert (sum(rate_limited.values()) > 0) == (rate_limit > 0)
    for (start, end), (ids, stats) in zip(OCTOBER_DAYS, results, strict=True):
        assert len(ids) == len(set(ids)) and set(ids) == emulator.ids(created_at=(start, end))
        assert stats.pages > 1 and stats.retries == rate_limited[start]  # its own retries, not another pull's
        assert stats.lowest_concurrency == 4 if not rate_limit else 1 <= stats.lowest_concurrency <= 4


def test_the_hook_builds_one_client_for_threads_that_touch_it_at_once(make_emulator, monkeypatch):
    point_clue_default_at(make_emulator(records=10), monkeypatch)
    hook = ClueHook()
    read_connection = hook.get_connection

    def slow_read(conn_id: str) -> Any:
        time.sleep(0.05)  # a secrets backend or the API server answering
        return read_connection(conn_id)

    monkeypatch.setattr(hook, "get_connection", slow_read)
    start = threading.Barrier(8)

    def touch(_: int) -> tuple[object, object]:
        start.wait()
        return hook.settings, hook.client

    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(touch, range(8)))
    assert len({id(settings) for settings, _ in seen}) == 1 and len({id(client) for _, client in seen}) == 1


@pytest.mark.parametrize("bad", [0, -1, 33, 2.5, "4", True])
def test_max_concurrency_argument_is_checked(bad):
    with pytest.raises(ClueValidationError, match="max_concurrency: expected an integer from 1 to 32"):
        ClueHook(max_concurrency=bad)


def test_the_hook_argument_overrides_the_connection(make_emulator, monkeypatch):
    emulator = make_emulator(records=10)
    monkeypatch.setenv("AIRFLOW_CONN_CLUE_DEFAULT", emulator.connection_json(max_concurrency=2))
    assert ClueHook().settings.max_concurrency == 2
    assert ClueHook(max_concurrency=7).settings.max_concurrency == 7
    assert ClueHook(max_concurrency=7).client.concurrency.maximum == 7


@pytest.mark.parametrize("max_concurrency", [1, 8])
def test_the_operator_writes_the_same_file_at_any_concurrency(make_emulator, monkeypatch, tmp_path, max_concurrency):
    from airflow_provider_clue.operators.clue import ClueSearchOperator
    from tests.operator_support import execution_context, point_clue_default_at

    emulator = make_emulator(records=25_000, max_per_page=100, shuffle_ties=False)  # the same file needs one order
    point_clue_default_at(emulator, monkeypatch)
    destination = tmp_path / f"october-{max_concurrency}.jsonl"
    operator = ClueSearchOperator(
        task_id="pull", created_at=["2026-10-01 00:00:00", "2026-11-01 00:00:00"],
        destination=f"file://{destination}", max_concurrency=max_concurrency,
    )
    summary = operator.execute(execution_context())
    ids = [json.loads(line)["id"] for line in destination.read_text().splitlines()]
    assert summary["count"] == len(ids) == len(set(ids)) == 25_000
    assert set(ids) == emulator.ids(created_at=OCTOBER)
    assert summary["stats"]["max_concurrency"] == max_concurrency and summary["stats"]["slices"] == 3
    newest_first = [record["id"] for record in emulator.records(created_at=OCTOBER)]
    assert ids == newest_first


def test_a_slice_that_moves_while_read_is_read_again_in_one_page_slices(make_emulator):
    emulator = make_emulator(records=600, max_per_page=20)
    day = ("2026-10-10 00:00:00", "2026-10-20 23:59:59")
    before = emulator.ids(created_at=day)
    inserted = []

    def insert_once(user_id: str, stage: str, page: int) -> None:
        if page == 3 and not inserted:
            inserted.extend(emulator.insert(created_at="2026-10-20 12:00:00"))

    emulator.on_page(insert_once)
    ids, puller = pull(client_for(emulator, max_concurrency=4), window=day, per_page=20)
    assert len(ids) == len(set(ids)) and set(ids) == before | {inserted[0]["id"]}
    assert puller.stats.total_changed and puller.stats.slices > 1 + len(before) // 20
    one_page_reads = [r for r in emulator.requests if r.page == 1][1:]
    assert all(json.loads(r.body)["created_at"] != list(day) for r in one_page_reads)


def test_a_retry_after_beyond_the_budget_fails_the_pull_at_once(make_emulator):
    emulator = make_emulator(records=3000, max_per_page=20)
    emulator.set_faults(retry_after="3600")
    emulator.on_page(lambda user_id, stage, page: page == 1 and emulator.fail_next("rate_limit", times=4))
    started = time.monotonic()
    with pytest.raises(ClueRateLimitError, match="rate limited"):
        pull(client_for(emulator, max_concurrency=4, max_retry_wait=600), per_page=20)
    assert time.monotonic() - started < 10


def test_a_crowded_second_in_a_moving_slice_is_not_taken_as_read_by_ids_read_elsewhere(make_emulator):
    emulator = make_emulator(records=0, max_per_page=50, shuffle_ties=True)
    emulator.insert(400, created_at="2026-10-05 12:00:00")  # one second: cannot be split
    for minute in range(30):
        emulator.insert(5, created_at=f"2026-10-05 13:{minute:02d}:00")
    inserted = []

    def insert_once(user_id: str, stage: str, page: int) -> None:
        if page == 2 and not inserted:
            inserted.extend(emulator.insert(created_at="2026-10-05 14:00:00"))

    emulator.on_page(insert_once)
    window = ("2026-10-05 00:00:00", "2026-10-05 23:59:59")
    try:
        ids, _ = pull(client_for(emulator, max_concurrency=4), window=window, per_page=50)
    except CluePagingError as err:
        assert "incomplete pull" in str(err)
    else:
        assert len(ids) == len(set(ids)) and set(ids) == emulator.ids(created_at=window)
