"""The example DAGs in a real Airflow deployment, checked through Airflow's public REST API only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import requests

from tests.e2e.airflow_rest import finished, read_ids, runs_of
from tests.e2e.suite_settings import TODAY, USERS

if TYPE_CHECKING:
    from airflow_provider_clue.testing import ClueEmulator
    from tests.e2e.deployment import Deployment

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
YESTERDAY = TODAY.subtract(days=1)


def test_the_deferrable_sensor_waits_in_the_triggerer_then_the_pull_runs(
    deployment: Deployment, emulator: ClueEmulator
):
    dag_id = "clue_wait_then_pull"
    deployment.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})  # schedules today's tick: yesterday

    def sensor_state() -> str | None:
        runs = runs_of(deployment, dag_id)
        if not runs:
            return None
        instances = deployment.api("GET", f"/dags/{dag_id}/dagRuns/{runs[-1]['dag_run_id']}/taskInstances")
        return {ti["task_id"]: ti["state"] for ti in instances["task_instances"]}.get("wait_for_clues")

    deployment.wait_for(lambda: sensor_state() == "deferred", "the sensor to defer", timeout=180)
    arrived = emulator.insert(3, created_at=YESTERDAY.add(hours=12).format("YYYY-MM-DD HH:mm:ss"))
    deployment.wait_for(lambda: finished(deployment, dag_id, 1), "the run to succeed", timeout=180)
    ids = read_ids(deployment.home / "output" / dag_id / f"{YESTERDAY.format('YYYY-MM-DD')}.jsonl")
    assert sorted(ids) == sorted(record["id"] for record in arrived)


def test_two_scheduled_daily_pulls_then_the_asset_scheduled_dag(deployment: Deployment, emulator: ClueEmulator):
    for day in (TODAY.subtract(days=2), YESTERDAY, TODAY):
        for moment in (day, day.add(hours=9, minutes=30), day.add(hours=23, minutes=59, seconds=59)):
            emulator.insert(40, created_at=moment.format("YYYY-MM-DD HH:mm:ss"))
    for dag_id in ("clue_daily_pull", "clue_after_daily_pull"):
        deployment.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
    runs = deployment.wait_for(lambda: finished(deployment, "clue_daily_pull", 2), "two daily pulls", timeout=300)
    assert [run["run_type"] for run in runs] == ["scheduled", "scheduled"]
    days = [TODAY.subtract(days=2), TODAY.subtract(days=1)]
    folder = deployment.home / "output" / "clue_daily_pull"
    ids = [record_id for day in days for record_id in read_ids(folder / f"{day.format('YYYY-MM-DD')}.jsonl")]
    span = (days[0].format("YYYY-MM-DD HH:mm:ss"), TODAY.subtract(seconds=1).format("YYYY-MM-DD HH:mm:ss"))
    assert len(ids) == len(set(ids)) and set(ids) == emulator.ids(created_at=span) and ids
    downstream = deployment.wait_for(
        lambda: finished(deployment, "clue_after_daily_pull", 1), "the Asset-scheduled DAG", timeout=180
    )
    assert downstream[0]["run_type"] == "asset_triggered"


def test_a_mapped_backfill_records_its_events_and_the_asset_scheduled_dag_runs(
    deployment: Deployment, emulator: ClueEmulator
):
    producer, consumer = "clue_e2e_mapped_backfill", "clue_e2e_after_mapped_backfill"
    days = ["2026-10-10", "2026-10-11"]
    for user_id in USERS:
        for day in days:
            for moment in ("00:00:00", "12:30:00", "23:59:59"):
                emulator.insert(2, created_at=f"{day} {moment}", user_id=user_id)
    for dag_id in (producer, consumer):
        deployment.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
    deployment.api("POST", "/backfills", json={
        "dag_id": producer, "from_date": "2026-10-11T00:00:00+08:00", "to_date": "2026-10-12T00:00:00+08:00",
    })

    def backfilled() -> list[dict[str, Any]] | None:
        runs = [run for run in runs_of(deployment, producer) if run["run_type"] == "backfill"]
        if any(run["state"] == "failed" for run in runs):
            raise AssertionError(f"a backfill run failed: {runs}")
        return runs if len(runs) == 2 and all(run["state"] == "success" for run in runs) else None

    deployment.wait_for(backfilled, "the two backfill runs", timeout=300)
    written = {f"file://{deployment.home}/output/回填/{user_id}/{day}.jsonl" for user_id in USERS for day in days}
    events = deployment.wait_for(lambda: asset_events_of(deployment, producer), "the asset events", timeout=60)
    assert {event["extra"]["uri"] for event in events["asset_events"]} == written, "one event per mapped instance"

    def triggered_by_the_backfill() -> bool:
        for run in runs_of(deployment, consumer):
            if run["state"] == "success" and run["run_type"] == "asset_triggered":
                upstream = deployment.api("GET", f"/dags/{consumer}/dagRuns/{run['dag_run_id']}/upstreamAssetEvents")
                if any(event["source_run_id"].startswith("backfill__") for event in upstream["asset_events"]):
                    return True
        return False

    deployment.wait_for(triggered_by_the_backfill, "the Asset-scheduled DAG to run", timeout=300)
    for user_id in USERS:
        for day in days:
            ids = read_ids(deployment.home / "output" / "回填" / user_id / f"{day}.jsonl")
            expected = emulator.ids(created_at=(f"{day} 00:00:00", f"{day} 23:59:59"), user_id=user_id)
            assert len(ids) == len(set(ids)) == 6 and set(ids) == expected


def asset_events_of(deployment: Deployment, dag_id: str) -> dict[str, Any] | None:
    """The DAG's asset events, or ``None`` while Airflow's API cannot list them: it answers 500 for
    an event whose asset-triggered run is queued and has no start date yet (its response model
    requires one), until the scheduler starts that run."""
    try:
        return deployment.api("GET", "/assets/events", params={"source_dag_id": dag_id, "limit": 100})
    except requests.HTTPError as err:
        if err.response is not None and err.response.status_code == 500:
            return None
        raise
