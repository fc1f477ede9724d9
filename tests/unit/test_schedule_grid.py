"""Windows derived from a cron schedule meet exactly at the ticks Airflow's scheduler produces."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pendulum
import pytest
from airflow.timetables.trigger import CronTriggerTimetable

from airflow_provider_clue.windows.schedule_grid import CronGrid, DeltaGrid, grid_of
from tests.version_gates import SDK_TIMETABLES


def airflow_ticks(expression: str, zone: str, start: datetime, count: int) -> list[datetime]:
    timetable = CronTriggerTimetable(expression, timezone=zone)
    tick = timetable._align_to_next(pendulum.instance(start))
    ticks = [tick]
    for _ in range(count - 1):
        tick = timetable._get_next(tick)
        ticks.append(tick)
    return [datetime.fromtimestamp(t.timestamp(), timezone.utc) for t in ticks]


@pytest.mark.parametrize(
    ("expression", "zone", "start"),
    [
        ("0 0 * * *", "Asia/Shanghai", datetime(2026, 10, 1, tzinfo=timezone.utc)),
        ("0 * * * *", "Europe/Berlin", datetime(2024, 10, 26, 22, tzinfo=timezone.utc)),  # fall back
        ("30 2 * * *", "Europe/Berlin", datetime(2024, 3, 28, tzinfo=timezone.utc)),  # 02:30 does not exist
        ("0 * * * *", "America/New_York", datetime(2024, 3, 10, 5, tzinfo=timezone.utc)),  # spring forward
        ("15 1 * * *", "America/New_York", datetime(2024, 11, 1, tzinfo=timezone.utc)),  # 01:15 twice
        ("*/15 * * * *", "UTC", datetime(2026, 10, 1, tzinfo=timezone.utc)),
    ],
)
def test_consecutive_intervals_tile_airflows_ticks(expression, zone, start):
    ticks = airflow_ticks(expression, zone, start, 10)
    grid = CronGrid(expression, zone)
    assert [grid.last_interval(end) for end in ticks[1:]] == list(itertools.pairwise(ticks))


def test_last_interval_before_an_instant():
    grid = CronGrid("0 0 * * *", "Asia/Shanghai")
    day = (datetime(2026, 10, 3, 16, tzinfo=timezone.utc), datetime(2026, 10, 4, 16, tzinfo=timezone.utc))
    assert grid.last_interval(datetime(2026, 10, 5, 3, tzinfo=timezone.utc)) == day
    assert grid.last_interval(day[1]) == day
    assert grid.last_interval(day[1] - timedelta(microseconds=1)) == (day[0] - timedelta(days=1), day[0])


@SDK_TIMETABLES
def test_grid_of_reads_sdk_and_core_timetables():
    from airflow.sdk.definitions.timetables.interval import DeltaDataIntervalTimetable
    from airflow.sdk.definitions.timetables.trigger import CronTriggerTimetable as SdkCron

    shanghai = "Asia/Shanghai"
    timetables = (SdkCron("@daily", timezone=shanghai), CronTriggerTimetable("0 0 * * *", timezone=shanghai))
    for timetable in timetables:
        grid = grid_of(timetable)
        assert isinstance(grid, CronGrid) and grid.expression == "0 0 * * *"
        assert getattr(grid.zone, "name", grid.zone) == "Asia/Shanghai"
    assert grid_of(DeltaDataIntervalTimetable(timedelta(hours=6))) == DeltaGrid(timedelta(hours=6))
    assert grid_of(None) is None


@pytest.mark.parametrize("zone", [pendulum.FixedTimezone(8 * 3600), "Asia/Shanghai"])
def test_a_fixed_offset_zone_works_like_a_named_one(zone):
    # a start_date such as pendulum.parse("2026-11-22T00:00:01+08:00") gives the DAG the zone "+08:00"
    grid = grid_of(CronTriggerTimetable("0 0 * * *", timezone=zone))
    tick = datetime(2026, 11, 23, 16, tzinfo=timezone.utc)
    assert grid.last_interval(tick) == (datetime(2026, 11, 22, 16, tzinfo=timezone.utc), tick)
