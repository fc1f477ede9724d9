"""The default window of a run: a scheduled tick, a date between ticks, no date, a date in the future."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow.timetables.trigger import CronTriggerTimetable, DeltaTriggerTimetable

from airflow_provider_clue.api.api_time import load_zone
from airflow_provider_clue.exceptions import ClueValidationError
from airflow_provider_clue.windows.run_window import ClueWindow, explicit_window, run_window
from tests.version_gates import SDK_TIMETABLES

SHANGHAI = load_zone("Asia/Shanghai")
DAILY = CronTriggerTimetable("0 0 * * *", timezone="Asia/Shanghai")


def local(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=SHANGHAI).astimezone(timezone.utc)


def day(year: int, month: int, day_of_month: int) -> tuple[datetime, datetime]:
    start = local(year, month, day_of_month)
    return start, start + timedelta(days=1)


def context(
    timetable: Any = DAILY,
    *,
    logical_date: datetime | None = None,
    run_after: datetime | None = None,
    started: datetime | None = None,
    interval: tuple[datetime, datetime] | None = None,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "dag": SimpleNamespace(timetable=timetable),
        "dag_run": SimpleNamespace(run_after=run_after or logical_date, start_date=started),
    }
    if logical_date is not None:
        values["logical_date"] = logical_date
        values["data_interval_start"], values["data_interval_end"] = interval or (logical_date, logical_date)
    return values


def window_of(values: dict[str, Any]) -> tuple[datetime, datetime]:
    window = run_window(values)
    return window.start, window.end


def test_the_run_at_a_tick_pulls_the_day_that_ends_there():
    tick = local(2026, 10, 5)
    assert window_of(context(logical_date=tick, started=tick + timedelta(minutes=3))) == day(2026, 10, 4)


def test_a_logical_date_between_ticks_pulls_the_last_complete_day_not_a_part():
    # airflow dags test clue_daily_pull 2026-10-05: 00:00 UTC is 08:00 in Shanghai
    utc_midnight = datetime(2026, 10, 5, tzinfo=timezone.utc)
    assert window_of(context(logical_date=utc_midnight, started=datetime.now(timezone.utc))) == day(2026, 10, 4)


def test_a_manual_run_at_now_pulls_yesterday_not_today_so_far():
    now = datetime.now(timezone.utc)
    today = datetime.now(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)
    start, end = window_of(context(logical_date=now, started=now))
    assert end == today and end <= now
    assert end - start in (timedelta(days=1),)


def test_a_run_without_logical_date_uses_run_after():
    run_after = local(2026, 10, 5, 15, 30)
    assert window_of(context(run_after=run_after, started=run_after)) == day(2026, 10, 4)


def test_a_tick_in_the_future_never_gives_a_window_ending_after_the_run_started():
    started = local(2026, 10, 5, 15, 30)
    assert window_of(context(logical_date=local(2026, 10, 9), started=started)) == day(2026, 10, 4)


def test_a_data_interval_that_has_not_ended_gives_way_to_the_last_complete_one():
    timetable = CronDataIntervalTimetable("0 0 * * *", timezone="Asia/Shanghai")
    today = day(2026, 10, 5)
    started = local(2026, 10, 5, 12)
    values = context(timetable, logical_date=today[0], interval=today, started=started)
    assert window_of(values) == day(2026, 10, 4)
    assert run_window(values).source == "schedule"
    done = context(timetable, logical_date=today[0], interval=today, started=today[1] + timedelta(seconds=1))
    assert window_of(done) == today and run_window(done).source == "data_interval"


def test_a_delta_schedule_steps_from_the_dags_start_date_even_for_runs_between_its_ticks():
    start_date = local(2026, 10, 1)  # ticks every 6 h from local midnight: 16, 22, 04, 10 UTC
    dag = SimpleNamespace(timetable=DeltaTriggerTimetable(timedelta(hours=6)), start_date=start_date)
    tick = local(2026, 10, 5, 6)

    def window_at(at: datetime) -> tuple[datetime, datetime]:
        return window_of({**context(logical_date=at, started=at), "dag": dag})

    assert window_at(tick) == (tick - timedelta(hours=6), tick)
    assert window_at(tick + timedelta(hours=2, microseconds=17)) == (tick - timedelta(hours=6), tick)
    assert window_at(datetime(2026, 10, 5, tzinfo=timezone.utc)) == (local(2026, 10, 5), local(2026, 10, 5, 6))


def test_a_logical_date_in_the_future_never_gives_a_window_ending_after_now():
    # dag.test / airflow dags test with a future date set the run's start_date to that date
    future = datetime.now(timezone.utc) + timedelta(days=40)
    start, end = window_of(context(logical_date=future, started=future))
    assert end <= datetime.now(timezone.utc) and end - start == timedelta(days=1)


def test_no_schedule_and_no_window_says_how_to_set_one():
    with pytest.raises(ClueValidationError, match=r"pass created_at=\[start, end\)") as err:
        run_window(context(None, logical_date=local(2026, 10, 5), started=local(2026, 10, 5)))
    assert "data_interval_start" not in str(err.value)  # empty under the default cron timetable


def test_explicit_bounds_may_be_dates():
    window = explicit_window([date(2026, 10, 4), date(2026, 10, 5)], SHANGHAI)
    assert (window.start, window.end) == day(2026, 10, 4)


def test_a_window_is_refused_where_the_clock_repeats_an_hour_and_kept_where_it_holds_it_whole():
    berlin = load_zone("Europe/Berlin")  # 2026-10-25: 02:00-02:59 comes twice, at 00:00 and 01:00 UTC
    hour = timedelta(hours=1)
    first_pass = datetime(2026, 10, 25, 0, tzinfo=timezone.utc)
    second_pass = first_pass + hour
    half = timedelta(minutes=30)
    inside = [
        (first_pass, first_pass + hour), (second_pass, second_pass + hour), (first_pass + half, second_pass + half),
        (first_pass + half, second_pass + 2 * hour), (first_pass - hour, second_pass + half),
    ]
    for start, end in inside:  # an edge part-way through the repeated hour, in either pass
        with pytest.raises(ClueValidationError, match="repeats when summer time ends"):
            explicit_window([start, end], berlin).api_bounds(berlin)
    assert explicit_window([first_pass, second_pass + hour], berlin).api_bounds(berlin) == (
        "2026-10-25 02:00:00", "2026-10-25 02:59:59"
    )
    whole = explicit_window([first_pass - hour, second_pass + hour], berlin)
    assert whole.api_bounds(berlin) == ("2026-10-25 01:00:00", "2026-10-25 02:59:59")
    day = explicit_window(["2026-10-25", "2026-10-26"], berlin)
    assert day.api_bounds(berlin) == ("2026-10-25 00:00:00", "2026-10-25 23:59:59")


@pytest.mark.parametrize(
    "bounds", [["0001-01-01", "2026-10-02"], ["1969-12-31", "2026-10-02"], ["2026-10-02", datetime(9999, 12, 31, 23)]]
)
def test_bounds_outside_the_years_a_window_may_span_are_refused_by_name(bounds):
    with pytest.raises(ClueValidationError, match="outside the years 1970 to 9998 a window may span") as err:
        explicit_window(bounds, SHANGHAI)
    assert err.value.field.startswith("created_at (")


def test_a_huge_lookback_is_refused_by_name():
    window = explicit_window(["2026-10-01", "2026-10-02"], SHANGHAI)
    for lookback in (timedelta(days=800_000), timedelta(days=30_000)):
        with pytest.raises(ClueValidationError) as err:
            window.widened(lookback)
        assert err.value.field == "lookback"


def test_equal_bounds_explain_the_data_interval_templates():
    with pytest.raises(ClueValidationError, match=r"omit created_at to pull the schedule's latest complete interval"):
        explicit_window(["2026-10-05T00:00:00+00:00", "2026-10-05T00:00:00+00:00"], SHANGHAI)


def test_reversed_bounds_are_echoed_as_given_and_as_instants_in_the_connections_zone():
    with pytest.raises(ClueValidationError) as err:
        explicit_window(["2026-12-05", "2026-12-03"], SHANGHAI)
    assert err.value.field == "created_at"
    assert "start '2026-12-05' must be before end '2026-12-03'" in str(err.value)
    assert "2026-12-05T00:00:00+08:00 and 2026-12-03T00:00:00+08:00" in str(err.value)


def test_a_window_ending_now_inside_the_repeated_hour_stops_where_that_hour_begins():
    berlin = load_zone("Europe/Berlin")
    start = datetime(2026, 10, 24, 22, tzinfo=timezone.utc)  # local midnight
    begins = datetime(2026, 10, 25, 0, tzinfo=timezone.utc)  # 02:00, first pass
    for now in (begins + timedelta(minutes=30), begins + timedelta(minutes=90)):
        window = ClueWindow(start, now, "explicit").ending_before_a_repeated_hour(berlin)
        assert window.end == begins and window.api_bounds(berlin) == ("2026-10-25 00:00:00", "2026-10-25 01:59:59")
    after = ClueWindow(start, begins + timedelta(hours=2), "explicit")
    assert after.ending_before_a_repeated_hour(berlin) is after
    assert after.api_bounds(berlin) == ("2026-10-25 00:00:00", "2026-10-25 02:59:59")


@SDK_TIMETABLES
def test_several_crons_and_assets_or_time_schedules_have_windows_too():
    from airflow.sdk import Asset
    from airflow.sdk.definitions.timetables.assets import AssetOrTimeSchedule
    from airflow.sdk.definitions.timetables.trigger import MultipleCronTriggerTimetable as SdkMultiple
    from airflow.timetables.trigger import MultipleCronTriggerTimetable

    noon = local(2026, 10, 5, 12)
    for timetable in (
        MultipleCronTriggerTimetable("0 0 * * *", "0 12 * * *", timezone="Asia/Shanghai"),
        SdkMultiple("0 0 * * *", "0 12 * * *", timezone="Asia/Shanghai"),
    ):
        assert window_of(context(timetable, logical_date=noon, started=noon)) == (local(2026, 10, 5), noon)
        later = noon + timedelta(hours=3)
        assert window_of(context(timetable, logical_date=later, started=later)) == (local(2026, 10, 5), noon)
    either = AssetOrTimeSchedule(timetable=DAILY, assets=[Asset("s3://bucket/clues")])
    tick = local(2026, 10, 5)
    assert window_of(context(either, logical_date=tick, started=tick)) == day(2026, 10, 4)
