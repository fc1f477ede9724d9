"""A mapped pull backfilled over 14 days and 3 accounts through Airflow's backfill API, run by both Celery workers."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pendulum
import pytest

from tests.e2e.airflow_rest import finished, read_ids, task_instances
from tests.e2e.celery_executor.accounts import MAPPED_USERS
from tests.e2e.celery_executor.conftest import WORKERS

if TYPE_CHECKING:
    from airflow_provider_clue.testing import ClueEmulator
    from tests.e2e.deployment import Deployment

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
DAG_ID = "clue_celery_mapped_backfill"
DAYS = [pendulum.date(2026, 10, 1).add(days=offset) for offset in range(14)]
# each day's edges, and a crowded second of more records than one page holds
MOMENTS = {"00:00:00": 2, "08:15:00": 1, "12:30:00": 130, "23:59:59": 2}


def test_a_mapped_backfill_spreads_over_both_workers_and_writes_every_id_once(
    celery_deployment: Deployment, celery_emulator: ClueEmulator
):
    for user_id in MAPPED_USERS:
        for day in DAYS:
            for moment, count in MOMENTS.items():
                celery_emulator.insert(count, created_at=f"{day} {moment}", user_id=user_id)
    celery_deployment.api("PATCH", f"/dags/{DAG_ID}", json={"is_paused": False})
    # the daily ticks that close these days (a run's window is the day before its tick), both ends included
    celery_deployment.api("POST", "/backfills", json={
        "dag_id": DAG_ID, "from_date": f"{DAYS[0].add(days=1)}T00:00:00+08:00",
        "to_date": f"{DAYS[-1].add(days=1)}T00:00:00+08:00", "max_active_runs": len(DAYS),
    })
    celery_deployment.wait_for(
        lambda: finished(celery_deployment, DAG_ID, len(DAYS), run_type="backfill"), "the 14 backfill runs", timeout=600
    )

    instances = task_instances(celery_deployment, DAG_ID)
    assert len(instances) == len(DAYS) * len(MAPPED_USERS) and all(ti["state"] == "success" for ti in instances)
    per_worker = Counter(ti["hostname"] for ti in instances)
    print(f"backfill tasks per worker: {dict(per_worker)}")
    assert set(per_worker) == set(WORKERS), f"both workers ran tasks: {dict(per_worker)}"

    folder = celery_deployment.home / "output" / "分布式"
    written = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.jsonl"))
    assert written == sorted(f"{user_id}/{day}.jsonl" for user_id in MAPPED_USERS for day in DAYS)
    every_id = [record_id for path in sorted(folder.rglob("*.jsonl")) for record_id in read_ids(path)]
    span = (f"{DAYS[0]} 00:00:00", f"{DAYS[-1]} 23:59:59")
    expected = set().union(*(celery_emulator.ids(created_at=span, user_id=user_id) for user_id in MAPPED_USERS))
    assert len(every_id) == len(set(every_id)), "no id twice"
    assert set(every_id) == expected and len(expected) == len(MAPPED_USERS) * len(DAYS) * sum(MOMENTS.values())
    for user_id in MAPPED_USERS:
        for day in DAYS:
            ids = read_ids(folder / user_id / f"{day}.jsonl")
            assert set(ids) == celery_emulator.ids(created_at=(f"{day} 00:00:00", f"{day} 23:59:59"), user_id=user_id)
