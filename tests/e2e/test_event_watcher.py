"""clue_on_new_clues in the real deployment: ClueEventTrigger in the triggerer, asset-triggered pulls,
and the triggerer killed by its process id and started again between two bursts."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.airflow_rest import read_ids
from tests.e2e.suite_settings import USERS, WATCH_START

if TYPE_CHECKING:

    from airflow_provider_clue.testing import ClueEmulator
    from tests.e2e.deployment import Deployment

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
DAG_ID = "clue_on_new_clues"
BURSTS = (5, 8, 3)


def pulled_files(deployment: Deployment) -> dict[str, list[str]]:
    """Each written window's file (by name) and the ids in it."""
    folder = deployment.home / "output" / DAG_ID
    return {path.name: read_ids(path) for path in sorted(folder.glob("*.jsonl"))} if folder.exists() else {}


def asset_triggered_runs(deployment: Deployment) -> list[dict[str, Any]]:
    runs = deployment.api("GET", f"/dags/{DAG_ID}/dagRuns", params={"order_by": "run_after"})["dag_runs"]
    if any(run["state"] == "failed" for run in runs):
        raise AssertionError(f"{DAG_ID}: {[(run['dag_run_id'], run['state']) for run in runs]}")
    return [run for run in runs if run["run_type"] == "asset_triggered"]


def all_pulled(deployment: Deployment, wanted: set[str]) -> dict[str, list[str]] | None:
    """The files, once every run has finished and together they hold ``wanted``."""
    runs = asset_triggered_runs(deployment)
    files = pulled_files(deployment)
    held = {record_id for ids in files.values() for record_id in ids}
    return files if wanted <= held and all(run["state"] == "success" for run in runs) else None


def test_bursts_of_new_clues_are_pulled_exactly_once_across_a_killed_triggerer(
    deployment: Deployment, emulator: ClueEmulator
) -> None:
    deployment.api("PATCH", f"/dags/{DAG_ID}", json={"is_paused": False})
    inserted: set[str] = set()
    timeline: list[str] = []
    began = time.monotonic()
    for number, size in enumerate(BURSTS, start=1):
        if number == 3:  # between the second burst and the third: the triggerer dies and comes back
            killed = deployment.kill("triggerer")
            started = deployment.start_component("triggerer")
            timeline.append(f"{time.monotonic() - began:.0f} s: triggerer {killed} killed, {started} started")
        inserted |= {str(record["id"]) for record in emulator.insert(size, user_id=USERS[0])}
        timeline.append(f"{time.monotonic() - began:.0f} s: burst {number} ({size} clues)")
        deployment.wait_for(
            lambda wanted=frozenset(inserted): all_pulled(deployment, set(wanted)), f"burst {number} to be pulled",
            timeout=240,
        )
        timeline.append(f"{time.monotonic() - began:.0f} s: burst {number} pulled")

    files = pulled_files(deployment)
    ids = [record_id for window in files.values() for record_id in window]
    windows = sorted(tuple(_bounds(name)) for name in files)
    runs = asset_triggered_runs(deployment)
    again = (deployment.home / "logs-triggerer.txt").read_text(errors="replace").count("announced but not recorded")
    timeline.append(f"{again} window(s) announced again after the restart")
    print(f"\n{len(BURSTS)} bursts, {len(inserted)} clues, {len(runs)} asset-triggered runs, {len(files)} files; "
          + "; ".join(timeline))
    assert len(ids) == len(set(ids)), "no clue in two files"
    for earlier, later in pairwise(windows):
        assert earlier[1] <= later[0], f"windows {earlier} and {later} overlap"
    # everything created for this account from the watcher's start to the last window's end, once
    last_second = windows[-1][1] - timedelta(seconds=1)
    covered = (WATCH_START.format("YYYY-MM-DD HH:mm:ss"), last_second.strftime("%Y-%m-%d %H:%M:%S"))
    expected = emulator.ids(created_at=covered, user_id=USERS[0])
    assert set(ids) == expected and inserted <= expected
    assert windows[0][0] == WATCH_START.naive()


def _bounds(name: str) -> tuple[datetime, datetime]:
    start, end = name.removesuffix(".jsonl").split("_")
    return datetime.strptime(start, "%Y-%m-%dT%H%M%S"), datetime.strptime(end, "%Y-%m-%dT%H%M%S")
