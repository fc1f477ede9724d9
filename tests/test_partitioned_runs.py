"""Runs of a partitioned schedule (Airflow 3.2+) through ``dag.test()``: each pulls its partition's
period, and consecutive partitions tile time exactly, records on local midnight included."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from unittest import mock

import pendulum
import pytest

from tests.airflow_env import load_dag
from tests.version_gates import PARTITIONS

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.airflow_db, PARTITIONS]
TOKEN = "partition-test-token-2718"
SHANGHAI = "Asia/Shanghai"
DAG_ID = "clue_test_partitioned"


@pytest.fixture
def emulator(make_emulator: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    emulator = make_emulator(records=2000, token=TOKEN, max_per_page=50)
    for name, value in emulator.airflow_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AIRFLOW_VAR_CLUE_TEST_ROOT", f"file://{tmp_path}")
    return emulator


def run_partition(run_tick: pendulum.DateTime, *, backfill: bool = False) -> tuple[Any, str]:
    """``dag.test()`` of the run the scheduler makes at ``run_tick``: no logical date, no data interval,
    and the partition key and date the DAG's timetable gives it (``dag.test`` has no argument for a
    partition, so they are added where the scheduler adds them, in ``create_dagrun``). A backfill's
    run of that partition runs after the partition date instead (``iter_partition_dagrun_infos``)."""
    from airflow.serialization.definitions.dag import SerializedDAG
    from airflow.timetables.trigger import CronPartitionTimetable

    timetable = CronPartitionTimetable("0 0 * * *", timezone=SHANGHAI, run_offset=-1)  # the DAG's own
    date, key = timetable._get_partition_info(run_date=run_tick.in_timezone("UTC"))
    create_dagrun = SerializedDAG.create_dagrun

    def create_partitioned_dagrun(self: Any, *args: Any, **kwargs: Any) -> Any:
        return create_dagrun(self, *args, **{**kwargs, "partition_key": key, "partition_date": date})

    with mock.patch.object(SerializedDAG, "create_dagrun", create_partitioned_dagrun):
        run_after = pendulum.instance(date) if backfill else run_tick
        return load_dag(DAG_ID).test(logical_date=None, run_after=run_after), key


def read_ids(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line)["id"] for line in lines]


@pytest.mark.parametrize("backfill", [False, True], ids=["scheduled", "backfilled"])
def test_three_consecutive_partitions_tile_time_exactly(emulator, tmp_path, backfill):
    days = ["2026-10-04", "2026-10-05", "2026-10-06"]
    for day in [*days, "2026-10-07"]:
        for moment in ("00:00:00", "08:00:00", "23:59:59"):  # local midnight, UTC midnight, the last second
            emulator.insert(created_at=f"{day} {moment}")
    keys = []
    for day in (5, 6, 7):  # the runs at 10-05, 10-06 and 10-07 00:00 Shanghai are for the days before
        run, key = run_partition(pendulum.datetime(2026, 10, day, tz=SHANGHAI), backfill=backfill)
        assert run.state == "success" and run.partition_key == key
        keys.append(key)
    assert len(set(keys)) == 3
    outputs = {day: read_ids(tmp_path / "partitions" / f"{day}.jsonl") for day in days}
    every_id = [record_id for ids in outputs.values() for record_id in ids]
    assert len(every_id) == len(set(every_id)), "a record landed in two partitions"
    for day, ids in outputs.items():
        assert set(ids) == emulator.ids(created_at=(f"{day} 00:00:00", f"{day} 23:59:59"))
    stamps = {json.loads(line)["created_at"] for line in (tmp_path / "partitions" / "2026-10-05.jsonl").open()}
    assert {"2026-10-05 00:00:00", "2026-10-05 08:00:00", "2026-10-05 23:59:59"} <= stamps
    assert "2026-10-06 00:00:00" not in stamps and "2026-10-04 23:59:59" not in stamps


def test_a_run_without_a_partition_fails_before_any_request_and_says_how_to_fix_it(emulator, capfd):
    run = load_dag(DAG_ID).test(logical_date=None)
    assert run.state == "failed"
    captured = capfd.readouterr()
    out = captured.out + captured.err
    assert "no partition key" in out and "manual runs" in out and "pass created_at=[start, end)" in out
    assert emulator.requests == []
