"""The window of a run on a partitioned schedule: its partition's period, from the key and date
Airflow's own ``CronPartitionTimetable`` gives the run, or an error that names ``created_at``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_provider_clue.api.api_time import load_zone
from airflow_provider_clue.exceptions import ClueValidationError
from airflow_provider_clue.windows.run_window import run_window
from tests.version_gates import PARTITIONS

pytestmark = PARTITIONS
SHANGHAI = load_zone("Asia/Shanghai")


def local(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=SHANGHAI).astimezone(timezone.utc)


def partitioned(cron: str = "0 0 * * *", **kwargs: Any) -> tuple[Any, Any]:
    """The schedule as a DAG holds it (the Task SDK's class) and as the scheduler runs it (core's)."""
    from airflow.sdk import CronPartitionTimetable as SdkTimetable
    from airflow.timetables.trigger import CronPartitionTimetable as CoreTimetable

    zone = "Asia/Shanghai"
    return SdkTimetable(cron, timezone=zone, **kwargs), CoreTimetable(cron, timezone=zone, **kwargs)


def context(timetable: Any, run_tick: datetime, *, key: str | None, date: datetime | None,
            started: datetime | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "dag": SimpleNamespace(timetable=timetable),
        "dag_run": SimpleNamespace(run_after=run_tick, start_date=started or run_tick + timedelta(minutes=1),
                                   partition_key=key, partition_date=date),
    }
    if key is not None:
        values["partition_key"], values["partition_date"] = key, date
    return values


def scheduled(run_offset: int, run_tick: datetime, *, with_date: bool = True, **kwargs: Any) -> dict[str, Any]:
    """The context of the scheduler's run at ``run_tick``, with the key (and date) Airflow gives it."""
    sdk, core = partitioned(run_offset=run_offset, **kwargs)
    import pendulum

    date, key = core._get_partition_info(run_date=pendulum.instance(run_tick))
    return context(sdk, run_tick, key=key, date=date if with_date else None)


@pytest.mark.parametrize("with_date", [True, False], ids=["key-and-date", "key-alone"])
def test_three_consecutive_partitions_tile_time_exactly(with_date):
    windows = [run_window(scheduled(-1, local(2026, 10, day), with_date=with_date)) for day in (5, 6, 7)]
    assert [(w.start, w.end) for w in windows] == [(local(2026, 10, d), local(2026, 10, d + 1)) for d in (4, 5, 6)]
    assert {w.source for w in windows} == {"partition"}


def test_an_hourly_partition_is_its_hour():
    window = run_window(scheduled(-1, local(2026, 10, 5, 13), cron="0 * * * *"))
    assert (window.start, window.end) == (local(2026, 10, 5, 12), local(2026, 10, 5, 13))


def today_midnight() -> datetime:
    now = datetime.now(SHANGHAI)
    return local(now.year, now.month, now.day)


def test_a_partition_that_has_not_ended_is_refused_and_the_message_says_how_to_fix_it():
    with pytest.raises(ClueValidationError) as err:
        run_window(scheduled(0, today_midnight()))  # the run at today's midnight is for all of today
    assert err.value.field == "created_at"
    assert "has not ended" in str(err.value) and "run_offset=-1" in str(err.value)


def test_a_sensor_counts_from_a_partition_that_has_not_ended():
    window = run_window(scheduled(0, today_midnight()), ended=False)
    assert window.start == today_midnight()


def test_a_run_of_a_partitioned_schedule_without_a_key_is_refused():
    sdk, _ = partitioned(run_offset=-1)
    with pytest.raises(ClueValidationError) as err:
        run_window(context(sdk, local(2026, 10, 5), key=None, date=None))
    assert err.value.field == "created_at" and "no partition key" in str(err.value)


def test_a_key_that_the_schedule_cannot_read_is_refused():
    sdk, _ = partitioned(run_offset=-1)
    with pytest.raises(ClueValidationError) as err:
        run_window(context(sdk, local(2026, 10, 5), key="yesterday", date=None))
    assert err.value.field == "created_at" and "key_format" in str(err.value)


def test_a_partition_date_off_the_schedule_is_refused():
    sdk, _ = partitioned(run_offset=-1)
    with pytest.raises(ClueValidationError) as err:
        run_window(context(sdk, local(2026, 10, 5), key="x", date=local(2026, 10, 4, 8)))
    assert err.value.field == "created_at" and "not a tick" in str(err.value)
