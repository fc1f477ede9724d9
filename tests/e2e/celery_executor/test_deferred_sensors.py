"""Twenty runs of the waiting example deferred at once in the triggerer, on PostgreSQL, each released by its
own day's clues and each pulling exactly them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pendulum
import pytest

from tests.e2e.airflow_rest import finished, read_ids, task_instances
from tests.e2e.celery_executor.accounts import WAITING_USER
from tests.e2e.celery_executor.conftest import WAITING_RUNS

if TYPE_CHECKING:
    from airflow_provider_clue.testing import ClueEmulator
    from tests.e2e.deployment import Deployment

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
DAG_ID = "clue_wait_then_pull"
DAYS = [pendulum.date(2026, 11, 1).add(days=offset) for offset in range(WAITING_RUNS)]


def deferred_sensors(deployment: Deployment) -> int:
    instances = task_instances(deployment, DAG_ID)
    return sum(1 for ti in instances if ti["task_id"] == "wait_for_clues" and ti["state"] == "deferred")


def test_twenty_deferred_sensors_are_released_by_their_own_clues(
    celery_deployment: Deployment, celery_emulator: ClueEmulator
):
    celery_deployment.api("PATCH", f"/dags/{DAG_ID}", json={"is_paused": False})
    celery_deployment.api("POST", "/backfills", json={
        "dag_id": DAG_ID, "from_date": f"{DAYS[0].add(days=1)}T00:00:00+08:00",
        "to_date": f"{DAYS[-1].add(days=1)}T00:00:00+08:00", "max_active_runs": WAITING_RUNS,
    })
    celery_deployment.wait_for(
        lambda: deferred_sensors(celery_deployment) == WAITING_RUNS, "20 sensors to defer", timeout=300
    )
    assert finished(celery_deployment, DAG_ID, 0, run_type="backfill") == []
    released = pendulum.now()
    for number, day in enumerate(DAYS, start=1):
        # a different count each day, on its first and last second
        celery_emulator.insert(number, created_at=f"{day} 00:00:00", user_id=WAITING_USER)
        celery_emulator.insert(1, created_at=f"{day} 23:59:59", user_id=WAITING_USER)
    celery_deployment.wait_for(
        lambda: finished(celery_deployment, DAG_ID, WAITING_RUNS, run_type="backfill"), "the 20 pulls", timeout=300
    )
    print(f"20 deferred sensors released and pulled in {(pendulum.now() - released).total_seconds():.1f} s")
    folder = celery_deployment.home / "output" / DAG_ID
    assert sorted(path.name for path in folder.glob("*.jsonl")) == [f"{day}.jsonl" for day in DAYS]
    for number, day in enumerate(DAYS, start=1):
        ids = read_ids(folder / f"{day}.jsonl")
        expected = celery_emulator.ids(created_at=(f"{day} 00:00:00", f"{day} 23:59:59"), user_id=WAITING_USER)
        assert len(ids) == len(set(ids)) == number + 1 and set(ids) == expected
