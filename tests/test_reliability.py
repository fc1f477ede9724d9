"""Faults survived, nothing half-written, drift survived: the pull against a misbehaving emulator."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from airflow_provider_clue.exceptions import ClueServerError
from airflow_provider_clue.operators.clue import ClueSearchOperator
from tests.operator_support import TOKEN, execution_context, point_clue_default_at, read_file_records

if TYPE_CHECKING:
    from pathlib import Path

    from airflow_provider_clue.testing import ClueEmulator

OCTOBER = ["2026-10-01 00:00:00", "2026-11-01 00:00:00"]
OCTOBER_INCLUSIVE = ("2026-10-01 00:00:00", "2026-10-31 23:59:59")
BUCKET = "clue-kill"


def pull(destination: str, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("created_at", OCTOBER)
    return ClueSearchOperator(task_id="pull", destination=destination, **kwargs).execute(execution_context())


def file_ids(path: Path) -> list[str]:
    return [record["id"] for record in read_file_records(path)]


@pytest.mark.slow
def test_a_20000_record_pull_survives_mixed_faults(make_emulator, monkeypatch, tmp_path, caplog):
    emulator = make_emulator(records=20_000, token=TOKEN, max_per_page=100)
    point_clue_default_at(emulator, monkeypatch, max_retries=10, max_concurrency=4)
    emulator.set_faults(rate_limit=0.05, server_error=0.05, drop=0.02, truncate=0.02, retry_after="0.05")
    summary = pull(f"file://{tmp_path}/october.jsonl")
    ids = file_ids(tmp_path / "october.jsonl")
    assert len(ids) == len(set(ids)) == summary["count"] == 20_000
    assert set(ids) == emulator.ids(created_at=OCTOBER_INCLUSIVE)
    faulted = [r for r in emulator.requests if r.fault is not None]
    assert {r.fault for r in faulted} == {"rate_limit", "server_error", "drop", "truncate"}
    assert summary["stats"]["retries"] == len(faulted) > 10
    assert f"{len(faulted)} retries" in caplog.text or summary["stats"]["retries"] == len(faulted)


def test_faults_past_the_retry_budget_fail_then_the_next_try_is_complete(make_emulator, monkeypatch, tmp_path):
    emulator = make_emulator(records=3000, token=TOKEN, max_per_page=50)
    point_clue_default_at(emulator, monkeypatch, max_retries=2, max_concurrency=1)
    armed = [True]
    emulator.on_page(lambda user, stage, page: page == 5 and armed[0] and emulator.fail_next("server_error", 3))
    destination = tmp_path / "out" / "october.jsonl"
    with pytest.raises(ClueServerError, match=r"HTTP status 500.*page 6"):
        pull(f"file://{destination}")
    assert list((tmp_path / "out").iterdir()) == []  # neither the object nor its temporary one
    armed[0] = False
    summary = pull(f"file://{destination}")  # what Airflow's retry runs
    assert summary["count"] == len(set(file_ids(destination))) == len(emulator.ids(created_at=OCTOBER_INCLUSIVE))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".october.jsonl.clue.json", "october.jsonl"]


# -- killed mid-write ------------------------------------------------------------------------------

CHILD = """
import sys
from tests.version_gates import OutletEventAccessors
from airflow_provider_clue.operators.clue import ClueSearchOperator
ClueSearchOperator(task_id="pull", created_at=["2026-10-01 00:00:00", "2026-11-01 00:00:00"],
                   destination=sys.argv[1], destination_conn_id=sys.argv[2] or None, max_concurrency=1,
                   ).execute({"outlet_events": OutletEventAccessors()})
"""


def s3_env(endpoint: str) -> dict[str, str]:
    """AWS credentials and a connection of its own: Airflow caches one filesystem per connection id."""
    return {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AIRFLOW_CONN_AWS_MOTO_KILL": json.dumps({
            "conn_type": "aws", "login": "testing", "password": "testing",
            "extra": {"endpoint_url": endpoint, "region_name": "us-east-1"},
        }),
    }


def kill_mid_pull(emulator: ClueEmulator, destination: str, conn_id: str, env: dict[str, str]) -> None:
    """Run the operator in a child process and SIGKILL it once half of the pages have been served."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, destination, conn_id],
        env={**os.environ, **emulator.airflow_env(), **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while len(emulator.requests) < 30 and time.monotonic() < deadline:
            assert child.poll() is None, "the child ended before it could be killed"
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        child.kill()


@pytest.mark.slow
def test_a_task_killed_mid_write_leaves_no_file(make_emulator, monkeypatch, tmp_path):
    emulator = make_emulator(records=3000, token=TOKEN, max_per_page=50, latency=0.02)
    point_clue_default_at(emulator, monkeypatch)
    final = tmp_path / "october.jsonl"
    kill_mid_pull(emulator, f"file://{final}", "", {})
    assert not final.exists()
    leftovers = [path.name for path in tmp_path.iterdir()]
    assert all(name.startswith(".october.jsonl.") and name.endswith(".partial") for name in leftovers)
    pull(f"file://{final}")
    assert set(file_ids(final)) == emulator.ids(created_at=OCTOBER_INCLUSIVE)


@pytest.mark.slow
def test_a_task_killed_mid_write_leaves_no_s3_object(make_emulator, monkeypatch, s3_endpoint):
    emulator = make_emulator(records=3000, token=TOKEN, max_per_page=50, latency=0.02)
    point_clue_default_at(emulator, monkeypatch)
    env = s3_env(s3_endpoint)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket=BUCKET)
    kill_mid_pull(emulator, f"s3://{BUCKET}/clues/october.jsonl", "aws_moto_kill", env)
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert "clues/october.jsonl" not in keys
    pull(f"s3://{BUCKET}/clues/october.jsonl", destination_conn_id="aws_moto_kill")
    body = s3.get_object(Bucket=BUCKET, Key="clues/october.jsonl")["Body"].read().decode()
    ids = {json.loads(line)["id"] for line in body.splitlines()}
    assert ids == emulator.ids(created_at=OCTOBER_INCLUSIVE)


# -- drift -----------------------------------------------------------------------------------------


def test_a_closed_window_with_deletions_and_inserts_elsewhere(make_emulator, monkeypatch, tmp_path):
    emulator = make_emulator(records=3000, token=TOKEN, max_per_page=50)
    point_clue_default_at(emulator, monkeypatch, max_concurrency=4)
    window = ["2026-10-10 00:00:00", "2026-10-20 00:00:00"]
    inclusive = ("2026-10-10 00:00:00", "2026-10-19 23:59:59")
    initial = emulator.ids(created_at=inclusive)
    deleted: set[str] = set()
    rng = random.Random(5)

    def churn(user_id: str, stage: str, page: int) -> None:
        emulator.insert(2, created_at="2026-11-24 10:00:00")  # elsewhere: outside the window
        present = sorted(emulator.ids(created_at=inclusive))
        victims = rng.sample(present, max(1, len(present) // 100))
        emulator.delete(victims)
        deleted.update(victims)

    emulator.on_page(churn)
    summary = pull(f"file://{tmp_path}/drift.jsonl", created_at=window)
    ids = file_ids(tmp_path / "drift.jsonl")
    assert len(ids) == len(set(ids)), "a record was written twice"
    assert initial - deleted <= set(ids), "a record present throughout is missing"
    assert set(ids) <= initial
    assert deleted and summary["stats"]["total_changed"]


def test_a_window_reaching_now_while_clues_arrive(make_emulator, monkeypatch, tmp_path):
    # Ties in one order: the arrivals all land in one second, which outgrows a page while it is read;
    # in an order that changes on every request no count could prove such a second complete.
    emulator = make_emulator(records=0, token=TOKEN, max_per_page=50, shuffle_ties=False)
    point_clue_default_at(emulator, monkeypatch, max_concurrency=4)
    for hour in range(10):
        emulator.insert(100, created_at=f"2026-11-24 {hour:02d}:30:00")
    initial = emulator.ids(created_at=("2026-11-24 00:00:00", "2026-11-24 23:59:59"))
    emulator.on_page(lambda user_id, stage, page: emulator.insert(3, created_at="2026-11-24 10:15:00"))
    summary = pull(f"file://{tmp_path}/today.jsonl", created_at=["2026-11-24 00:00:00", "2026-11-25 00:00:00"])
    ids = file_ids(tmp_path / "today.jsonl")
    assert len(ids) == len(set(ids)), "a record was written twice"
    assert initial <= set(ids), "a record that existed when the pull started is missing"
    assert summary["stats"]["total_changed"]
