"""A Celery worker SIGKILLed by process id in the middle of a pull: Airflow notices the lost task by its
heartbeat, retries it on the other worker, and the final path never holds a partial object."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pendulum
import pytest

from tests.e2e.airflow_rest import finished, read_ids, task_instances
from tests.e2e.celery_executor.accounts import SLOW_USER
from tests.e2e.celery_executor.conftest import WORKERS

if TYPE_CHECKING:
    from pathlib import Path

    from airflow_provider_clue.testing import ClueEmulator
    from tests.e2e.deployment import Deployment

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
DAG_ID = "clue_celery_slow_pull"
DAY = "2026-10-01"
RECORDS = 3000  # 30 pages of 100; two at a time, 0.4 s each: a pull of about 6 s
LATENCY = 0.4


@dataclass
class FinalPathWatch:
    """Reads the final path every 10 ms in a thread: how often it was absent, complete, or anything else."""

    path: Path
    expected: set[str]
    absent: int = 0
    complete: int = 0
    first_complete: float | None = None
    wrong: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> FinalPathWatch:
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=10)

    def _watch(self) -> None:
        while not self._stop.wait(0.01):
            try:
                ids = read_ids(self.path)
            except FileNotFoundError:
                self.absent += 1
                continue
            except (json.JSONDecodeError, KeyError, UnicodeDecodeError) as error:
                self.wrong.append(f"unreadable: {error}")
                continue
            if set(ids) == self.expected and len(ids) == len(self.expected):
                self.complete += 1
                self.first_complete = self.first_complete or time.time()
            else:
                self.wrong.append(f"{len(ids)} ids of {len(self.expected)}")


def slow_requests(emulator: ClueEmulator) -> list[Any]:
    return [request for request in emulator.requests if SLOW_USER in request.path]


def test_a_worker_killed_mid_pull_is_retried_elsewhere_and_no_partial_object_is_ever_seen(
    celery_deployment: Deployment, celery_emulator: ClueEmulator
):
    day = pendulum.parse(DAY, tz="Asia/Shanghai")
    for moment in range(0, 86400, 86400 // 30):  # 30 crowded seconds of 100 clues each
        celery_emulator.insert(100, created_at=day.add(seconds=moment).format("YYYY-MM-DD HH:mm:ss"), user_id=SLOW_USER)
    expected = celery_emulator.ids(created_at=(f"{DAY} 00:00:00", f"{DAY} 23:59:59"), user_id=SLOW_USER)
    final = celery_deployment.home / "output" / "慢" / f"{DAY}.jsonl"
    celery_emulator.latency = LATENCY
    killed = None
    try:
        with FinalPathWatch(final, expected) as watch:
            celery_deployment.api("PATCH", f"/dags/{DAG_ID}", json={"is_paused": False})
            celery_deployment.api("POST", "/backfills", json={
                "dag_id": DAG_ID, "from_date": "2026-10-02T00:00:00+08:00", "to_date": "2026-10-02T00:00:00+08:00",
            })
            started = celery_deployment.wait_for(
                lambda: slow_requests(celery_emulator), "the pull to start", timeout=180, every=0.1
            )
            first_request = started[0].time
            running = celery_deployment.wait_for(
                lambda: _running_try(celery_deployment), "the try's hostname", timeout=30, every=0.1
            )
            time.sleep(max(0.0, first_request + 2 - time.time()))
            served_before_kill = len(slow_requests(celery_emulator))
            killed = running["hostname"]
            celery_deployment.kill(killed)
            killed_at = time.time()
            assert not final.exists() and served_before_kill < RECORDS // 100, "killed in the middle of the pull"
            runs = celery_deployment.wait_for(
                lambda: finished(celery_deployment, DAG_ID, 1, run_type="backfill"), "the retried pull", timeout=240
            )
            time.sleep(0.5)  # a few more reads of the finished object
            run_id = runs[0]["dag_run_id"]
        tries = celery_deployment.api("GET", f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/pull/tries")
    finally:
        celery_emulator.latency = 0.0
        if killed is not None:
            celery_deployment.start_component(killed)

    by_try = {one["try_number"]: one for one in tries["task_instances"]}
    assert sorted(by_try) == [1, 2] and by_try[2]["state"] == "success"
    assert by_try[1]["hostname"] == killed and by_try[2]["hostname"] == next(name for name in WORKERS if name != killed)
    assert watch.wrong == [], "the final path held something other than the whole object"
    assert watch.complete > 0 and watch.absent > 0
    assert sorted(read_ids(final)) == sorted(expected)
    moments = {
        "SIGKILL": killed_at,
        "try 1 failed by its heartbeat": _seconds(by_try[1]["end_date"]),
        "try 2 started": _seconds(by_try[2]["start_date"]),
        "object complete": watch.first_complete,
        "try 2 ended": _seconds(by_try[2]["end_date"]),
    }
    timeline = ", ".join(f"{what} {moment - first_request:.1f}" for what, moment in moments.items())
    print(f"kill timeline (s from the pull's first request): {timeline}; {served_before_kill} requests before the kill;"
          f" final path read {watch.absent} times absent, {watch.complete} times complete, never partial")


def _running_try(deployment: Deployment) -> dict[str, Any] | None:
    for instance in task_instances(deployment, DAG_ID):
        if instance["state"] == "running" and instance["hostname"]:
            return instance
    return None


def _seconds(timestamp: str) -> float:
    return pendulum.parse(timestamp).timestamp()
