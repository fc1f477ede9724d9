"""What the end-to-end tests read from a deployment through Airflow's public REST API, and from its output."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from tests.e2e.deployment import Deployment


def runs_of(deployment: Deployment, dag_id: str) -> list[dict[str, Any]]:
    return list(deployment.api("GET", f"/dags/{dag_id}/dagRuns", params={"order_by": "logical_date"})["dag_runs"])


def finished(
    deployment: Deployment, dag_id: str, count: int, *, run_type: str | None = None
) -> list[dict[str, Any]] | None:
    """The DAG's successful runs (of ``run_type``) once there are ``count``; fails on a failed run."""
    runs = [run for run in runs_of(deployment, dag_id) if run_type is None or run["run_type"] == run_type]
    if any(run["state"] == "failed" for run in runs):
        raise AssertionError(f"{dag_id}: {[(run['dag_run_id'], run['state']) for run in runs]}")
    done = [run for run in runs if run["state"] == "success"]
    return done if len(done) >= count else None


def task_instances(deployment: Deployment, dag_id: str, run_id: str = "~") -> list[dict[str, Any]]:
    """Task instances of one run (``~``: of every run), mapped ones included."""
    answer = deployment.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 1000})
    return list(answer["task_instances"])


def read_ids(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]
