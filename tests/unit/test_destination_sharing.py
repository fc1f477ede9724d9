"""Destinations that runs or mapped instances would share are refused when the DAG is parsed."""

from __future__ import annotations

from datetime import timedelta

import pendulum
import pytest
from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_clue.compat import Asset
from airflow_provider_clue.exceptions import ClueValidationError
from airflow_provider_clue.operators.clue import ClueSearchOperator
from tests.version_gates import DAG, MULTIPLE_CRONS

START = pendulum.datetime(2026, 10, 1, tz="Asia/Shanghai")
USERS = ["40863af8-db4a-41c6-a269-eb5bc386d97f", "0b7e7f58-59a4-4d3e-9c59-0a9a4e3c2f11"]
HALF_DAYS = [["2026-10-10 00:00:00", "2026-10-10 12:00:00"], ["2026-10-10 12:00:00", "2026-10-11 00:00:00"]]


def refused(match: str) -> pytest.RaisesContext[ClueValidationError]:
    return pytest.raises(ClueValidationError, match=match)


@pytest.mark.parametrize("schedule", ["@hourly", "0 */12 * * *", "0 0,1 * * *", timedelta(hours=6)])
def test_a_schedule_finer_than_a_day_cannot_name_objects_by_start_date(schedule):
    with DAG("finer", schedule=schedule, start_date=START), refused(r"more than one window a day.*use \{start\}"):
        ClueSearchOperator(task_id="pull", destination="file:///data/{start_date}.jsonl")


def test_a_daily_schedule_that_moves_across_shanghai_midnight_with_summer_time_cannot_use_start_date():
    # 17:30 in Berlin is 00:30 in Shanghai in winter and 23:30 in summer: around the change two windows
    # start on one Shanghai day (the connection's default zone, which {start_date} uses)
    timetable = CronDataIntervalTimetable("30 17 * * *", timezone="Europe/Berlin")
    with DAG("berlin", schedule=timetable, start_date=START), refused("when summer time begins or ends"):
        ClueSearchOperator(task_id="pull", destination="file:///data/{start_date}.jsonl")


@pytest.mark.parametrize(
    "schedule", ["@daily", "0 0 * * *", "0 0 * * 1-5", CronDataIntervalTimetable("0 0 * * *", timezone="Europe/Berlin")]
)
def test_daily_or_longer_schedules_may_name_objects_by_start_date(schedule):
    with DAG("daily", schedule=schedule, start_date=START):
        ClueSearchOperator(task_id="pull", destination="file:///data/{start_date}.jsonl")


def test_a_schedule_with_a_fixed_destination_is_refused_unless_the_window_is_fixed_too():
    with DAG("fixed", schedule="@daily", start_date=START):
        with refused(r"names no window, so every run of the schedule would write the same object"):
            ClueSearchOperator(task_id="pull", destination="s3://bucket/latest.jsonl")
        with refused("names no window"):
            ClueSearchOperator(task_id="templated_window", created_at=["{{ ds }}", "{{ tomorrow_ds }}"],
                               destination="s3://bucket/latest.jsonl")
        ClueSearchOperator(task_id="one_window", created_at=["2026-10-01", "2026-10-02"],
                           destination="s3://bucket/october-first.jsonl")
        ClueSearchOperator(task_id="by_start", destination="s3://bucket/{start}.jsonl")
        ClueSearchOperator(task_id="templated", destination="s3://bucket/{{ ds }}.jsonl")  # checked at run time
    with DAG("unscheduled", schedule=None, start_date=START):
        ClueSearchOperator(task_id="pull", created_at=["{{ params.a }}", "{{ params.b }}"],
                           destination="s3://bucket/x.jsonl")


@pytest.mark.parametrize(
    ("destination", "mapped", "match"),
    [
        ("file:///d/{start_date}.jsonl", {"user_id": USERS}, r"mapped over user_id, but .* has no \{user_id\}"),
        ("file:///d/{user_id}.jsonl", {"created_at": HALF_DAYS}, r"mapped over created_at, .* \{start\} or \{end\}"),
        ("file:///d/{user_id}.jsonl", {"stage": ["clue", "customer"]}, r"has no \{stage\}"),
        ("file:///d/{start}.jsonl", {"filters": [{"sex": 1}, {"sex": 2}]}, r"mapped over filters, .*map_index"),
    ],
)
def test_mapping_over_what_the_destination_does_not_name_is_refused(destination, mapped, match):
    with DAG("mapped", schedule=None, start_date=START), refused(match):
        ClueSearchOperator.partial(task_id="pull", destination=destination).expand(**mapped)


def test_mapped_destinations_must_differ_and_name_what_else_is_mapped():
    with DAG("mapped", schedule=None, start_date=START):
        with refused("given to more than one mapped instance"):
            ClueSearchOperator.partial(task_id="a", created_at=HALF_DAYS[0]).expand(
                destination=["file:///d/x.jsonl", "file:///d/x.jsonl"]
            )
        with refused(r"mapped over user_id"):
            ClueSearchOperator.partial(task_id="b", created_at=HALF_DAYS[0]).expand(
                destination=["file:///d/x.jsonl", "file:///d/y.jsonl"], user_id=USERS
            )
        with refused("given to more than one mapped instance"):
            ClueSearchOperator.partial(task_id="c", destination="file:///d/{start_date}.jsonl").expand_kwargs(
                [{"created_at": HALF_DAYS[0]}, {"created_at": HALF_DAYS[0]}]
            )
        ClueSearchOperator.partial(task_id="d", destination="file:///d/{start}.jsonl").expand(created_at=HALF_DAYS)
        ClueSearchOperator.partial(task_id="e", destination="file:///d/{{ ti.map_index }}.jsonl").expand(
            filters=[{"sex": 1}, {"sex": 2}]
        )
        ClueSearchOperator.partial(task_id="f").expand(user_id=USERS)  # XCom: nothing shared
        ClueSearchOperator.partial(task_id="g", created_at=HALF_DAYS[0]).expand_kwargs(
            [{"destination": "file:///d/a.jsonl", "user_id": USERS[0]},
             {"destination": "file:///d/b.jsonl", "user_id": USERS[1]}]
        )


def test_a_mapped_pull_on_a_fine_schedule_is_checked_like_a_plain_one():
    with DAG("hourly", schedule="@hourly", start_date=START), refused("more than one window a day"):
        ClueSearchOperator.partial(task_id="pull", destination="file:///d/{user_id}/{start_date}.jsonl").expand(
            user_id=USERS
        )


def test_a_mapped_pull_declares_its_destinations_asset_as_outlet():
    with DAG("mapped", schedule=None, start_date=START) as dag:
        ClueSearchOperator.partial(task_id="days", destination="file:///data/线索/{start}.jsonl").expand(
            created_at=HALF_DAYS
        )
        ClueSearchOperator.partial(task_id="listed", created_at=HALF_DAYS[0]).expand(
            destination=["s3://b/clues/a.jsonl", "s3://b/clues/b.jsonl"]
        )
        mine = Asset(uri="s3://b/mine")
        ClueSearchOperator.partial(task_id="given", destination="s3://b/x/{start}.jsonl", outlets=[mine]).expand(
            created_at=HALF_DAYS
        )
    assert dag.get_task("days").outlets == [Asset(uri="file:///data/%E7%BA%BF%E7%B4%A2")]
    assert dag.get_task("listed").outlets == [Asset(uri="s3://b/clues")]
    assert dag.get_task("given").outlets == [mine]


def test_a_bad_destination_in_partial_is_refused_at_once():
    with DAG("mapped", schedule=None, start_date=START), refused(r"\.json file"):
        ClueSearchOperator.partial(task_id="pull", destination="file:///d/{start}.json")


@MULTIPLE_CRONS
def test_several_crons_a_day_cannot_name_objects_by_start_date():
    from airflow.timetables.trigger import MultipleCronTriggerTimetable

    twice = MultipleCronTriggerTimetable("0 0 * * *", "0 12 * * *", timezone="Asia/Shanghai")
    with DAG("twice", schedule=twice, start_date=START), refused("more than one window a day"):
        ClueSearchOperator(task_id="pull", destination="file:///data/{start_date}.jsonl")


def test_listed_mapped_destinations_declare_the_folder_that_holds_them_all():
    from airflow_provider_clue.compat import ObjectStoragePath
    from airflow_provider_clue.outputs.destinations import asset_of_destination

    listed = {
        "paths": [ObjectStoragePath("file:///data/osp/a.jsonl"), ObjectStoragePath("file:///data/osp/b.jsonl")],
        "folders": ["file:///data/线索/f1/a.jsonl", "file:///data/线索/f2/b.jsonl"],
    }
    with DAG("listed", schedule=None, start_date=START) as dag:
        for task_id, destinations in listed.items():
            ClueSearchOperator.partial(task_id=task_id, created_at=HALF_DAYS[0]).expand(destination=destinations)
    assert dag.get_task("paths").outlets == [Asset(uri="file:///data/osp")]
    assert dag.get_task("folders").outlets == [Asset(uri="file:///data/%E7%BA%BF%E7%B4%A2")]
    assert asset_of_destination(listed["folders"]) == dag.get_task("folders").outlets[0]
    assert asset_of_destination(["file:///a/x.jsonl", "s3://b/y.jsonl"]) is None


def test_bad_xcom_limits_in_partial_are_refused_when_the_dag_is_parsed():
    with DAG("mapped", schedule=None, start_date=START), refused("expected an integer >= 1, got 0") as err:
        ClueSearchOperator.partial(task_id="pull", xcom_max_records=0)
    assert err.value.field == "xcom_max_records"
