"""A ``clue_e2e_watched_*`` DAG in the deployment, as the end-to-end tests drive and check it: clues in bursts
for its account, its watcher's lines in the triggerers' logs, its asset's events, its runs and its files."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import pendulum

from tests.e2e.airflow_rest import read_ids
from tests.e2e.suite_settings import account_of

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
        from airflow_provider_clue.events.watermark import watermark_key
        from airflow_provider_clue.triggers.clue import ClueEventTrigger

        return watermark_key(ClueEventTrigger(user_id=self.account, poll_interval=2, settle=2).arguments.identity())

    def note(self, what: str) -> None:
        self.timeline.append(f"{time.monotonic() - self.began:.0f} s: {what}")

    def set_paused(self, paused: bool) -> None:
        self.deployment.api("PATCH", f"/dags/{self.dag_id}", json={"is_paused": paused})
        self.note("paused" if paused else "unpaused")

    def burst(self, size: int, *, seconds_ago: float = 0) -> None:
        """Insert ``size`` clues for the account, created ``seconds_ago`` (past ``settle``: counted at once)."""
        created = pendulum.now("Asia/Shanghai").subtract(seconds=seconds_ago).format("YYYY-MM-DD HH:mm:ss")
        records = self.emulator.insert(size, user_id=self.account, created_at=created)
        self.inserted |= {str(record["id"]) for record in records}
        self.note(f"burst of {size}")

    def wait_for_a_parse(self) -> None:
        """Wait until the dag-processor parses the DAG's file again: its next parse is a whole
        ``[dag_processor] min_file_process_interval`` away then."""
        parsed = self.deployment.api("GET", f"/dags/{self.dag_id}")["last_parsed_time"]
        self.deployment.wait_for(
            lambda: self.deployment.api("GET", f"/dags/{self.dag_id}")["last_parsed_time"] != parsed,
            f"{self.dag_id}'s file to be parsed again", timeout=60, every=0.2,
        )
        self.note("parsed")

    def watcher_starts(self) -> list[tuple[str, int]]:
        """Each start of this watcher's trigger, in time order: the triggerer whose log says so, and the
        trigger's id."""
        starts = []
        for log in self.deployment.home.glob("logs-triggerer*.txt"):
            for line in log.read_text(errors="replace").splitlines():
                if f"Cursor {self.key} in" in line and (found := re.search(r"\), trigger (\d+):", line)):
                    starts.append((line.split(" ", 1)[0], log.stem.removeprefix("logs-"), int(found.group(1))))
        return [(triggerer, trigger_id) for _, triggerer, trigger_id in sorted(starts)]

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

    def events(self, trigger_id: int | None = None) -> int:
        """How many events this watcher's triggers (or the trigger ``trigger_id``) handed to a triggerer, as
        its log says (Airflow's REST API answers 500 for asset events while their run waits to start)."""
        ids = {trigger_id} if trigger_id is not None else {found for _, found in self.watcher_starts()}
        return sum(
            1
            for log in self.deployment.home.glob("logs-triggerer*.txt")
            for line in log.read_text(errors="replace").splitlines()
            if "Trigger fired event" in line and (found := re.search(r"name='ID (\d+)'", line)) and
            int(found.group(1)) in ids
        )

    def wait_for_event(self, after: int, what: str) -> None:
        """Wait until this watcher has handed more than ``after`` events to a triggerer."""
        self.deployment.wait_for(lambda: self.events() > after, what, timeout=60, every=0.2)
        self.note(what)

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
