"""A ``clue_e2e_watched_*`` DAG in the deployment, as the end-to-end tests drive and check it: clues in bursts
for its account, its watcher's lines in the triggerers' logs, its asset's events, its runs and its files."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from tests.e2e.airflow_rest import read_ids
from tests.e2e.conftest import account_of

if TYPE_CHECKING:
    from airflow_provider_clue.testing import ClueEmulator
    from tests.e2e.deployment import Deployment


@dataclass
class WatchedDag:
    """One scenario's DAG: pulls of the windows that ClueEventTrigger announces for its account."""

    deployment: Deployment
    emulator: ClueEmulator
    name: str
    inserted: set[str] = field(default_factory=set)
    began: float = field(default_factory=time.monotonic)
    timeline: list[str] = field(default_factory=list)

    @property
    def dag_id(self) -> str:
        return f"clue_e2e_watched_{self.name}"

    @property
    def account(self) -> str:
        return account_of(self.dag_id)

    @property
    def key(self) -> str:
        """The watcher's cursor: its Variable's key, in its log lines."""
        from airflow_provider_clue.event_watermark import watermark_key
        from airflow_provider_clue.triggers.clue import ClueEventTrigger

        return watermark_key(ClueEventTrigger(user_id=self.account, poll_interval=2, settle=2).arguments.identity())

    def note(self, what: str) -> None:
        self.timeline.append(f"{time.monotonic() - self.began:.0f} s: {what}")

    def set_paused(self, paused: bool) -> None:
        self.deployment.api("PATCH", f"/dags/{self.dag_id}", json={"is_paused": paused})
        self.note("paused" if paused else "unpaused")

    def burst(self, size: int) -> None:
        self.inserted |= {str(record["id"]) for record in self.emulator.insert(size, user_id=self.account)}
        self.note(f"burst of {size}")

    def watcher_starts(self) -> list[tuple[str, int]]:
        """Each start of this watcher's trigger: the triggerer whose log says so, and the trigger's id."""
        starts = []
        for log in sorted(self.deployment.home.glob("logs-triggerer*.txt")):
            for line in log.read_text(errors="replace").splitlines():
                if f"Cursor {self.key} in" in line and (found := re.search(r"trigger_id=(\d+)", line)):
                    starts.append((log.stem.removeprefix("logs-"), int(found.group(1))))
        return starts

    def cancelled(self, trigger_id: int) -> bool:
        """Whether a triggerer's log says it cancelled the trigger ``trigger_id`` (its DAG paused, say)."""
        return any(
            "Trigger cancelled" in line and re.search(rf"\bID {trigger_id}\b", line)
            for log in self.deployment.home.glob("logs-triggerer*.txt")
            for line in log.read_text(errors="replace").splitlines()
        )

    def wait_for_watcher(self, starts: int, *, timeout: float = 120) -> tuple[str, int]:
        """Wait until the watcher has started ``starts`` times; the triggerer and trigger id of the latest."""
        found = self.deployment.wait_for(
            lambda: len(self.watcher_starts()) >= starts and self.watcher_starts(), f"{self.dag_id}'s watcher to start",
            timeout=timeout,
        )
        self.note(f"watcher started in {found[-1][0]} as trigger {found[-1][1]}")
        return found[-1]  # type: ignore[no-any-return]

    def asset_events(self, asset_name: str | None = None) -> list[dict[str, Any]]:
        """The events of the watched asset (named after the DAG unless ``asset_name`` is given)."""
        name = asset_name or self.dag_id
        assets = self.deployment.api("GET", "/assets", params={"name_pattern": name})["assets"]
        ids = [asset["id"] for asset in assets if asset["name"] == name]
        if not ids:
            return []
        return list(self.deployment.api("GET", "/assets/events", params={"asset_id": ids[0], "limit": 1000})[
            "asset_events"])

    def runs(self) -> list[dict[str, Any]]:
        runs = self.deployment.api("GET", f"/dags/{self.dag_id}/dagRuns", params={"order_by": "run_after"})["dag_runs"]
        if any(run["state"] == "failed" for run in runs):
            raise AssertionError(f"{self.dag_id}: {[(run['dag_run_id'], run['state']) for run in runs]}")
        return list(runs)

    def files(self) -> dict[str, list[str]]:
        """Each written window's file (by name) and the ids in it."""
        folder = self.deployment.home / "output" / self.dag_id
        return {path.name: read_ids(path) for path in sorted(folder.glob("*.jsonl"))} if folder.exists() else {}

    def wait_until_pulled(self, what: str, *, timeout: float) -> dict[str, list[str]]:
        """Wait until every run has finished and the files hold every clue inserted so far."""
        wanted = set(self.inserted)

        def pulled() -> dict[str, list[str]] | None:
            runs = self.runs()
            files = self.files()
            held = {record_id for ids in files.values() for record_id in ids}
            done = all(run["state"] == "success" for run in runs)
            return files if wanted <= held and done else None

        files = self.deployment.wait_for(pulled, f"{what} ({self.dag_id})", timeout=timeout)
        self.note(f"{what} pulled")
        return files  # type: ignore[no-any-return]

    def check_exactly_once(self) -> None:
        """Every clue inserted is in exactly one file, and no two files' windows overlap."""
        files = self.files()
        ids = [record_id for window in files.values() for record_id in window]
        windows = sorted(_bounds(name) for name in files)
        print(f"\n{self.dag_id}: {len(self.inserted)} clues, {len(self.runs())} runs, {len(files)} files; "
              + "; ".join(self.timeline))
        assert len(ids) == len(set(ids)), f"a clue in two files: {files}"
        assert set(ids) == self.inserted, f"missing {self.inserted - set(ids)}, unexpected {set(ids) - self.inserted}"
        for earlier, later in pairwise(windows):
            assert earlier[1] <= later[0], f"windows {earlier} and {later} overlap"


def _bounds(name: str) -> tuple[datetime, datetime]:
    start, end = name.removesuffix(".jsonl").split("_")
    return datetime.strptime(start, "%Y-%m-%dT%H%M%S"), datetime.strptime(end, "%Y-%m-%dT%H%M%S")
