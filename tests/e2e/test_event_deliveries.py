"""ClueEventTrigger's windows reach the pull exactly once whatever the deployment does between them: the
watched asset renamed mid-stream, two copies of the trigger with one stalled, runs queued behind an
active one, and a DAG paused while its watcher announced a window. Each scenario has a DAG and an
account of its own (``tests/e2e/dags/clue_e2e_watched_*.py``), and every clue is checked to be in
exactly one file."""

from __future__ import annotations

import signal
import time
from typing import TYPE_CHECKING

import pytest

from airflow_provider_clue.events.watermark import Watermark
from tests.e2e.deployment import Component, rewrite
from tests.e2e.processes import signal_tree, stop_all
from tests.e2e.watched_dags import WatchedDag

if TYPE_CHECKING:
    from airflow_provider_clue.testing import ClueEmulator
    from tests.e2e.deployment import Deployment

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_a_renamed_asset_keeps_its_watchers_cursor(deployment: Deployment, emulator: ClueEmulator) -> None:
    """Only the asset's name changes in the DAG file: the new watcher carries on where the old one stopped
    (its start unset, as in the example DAG), so the clues created in between are pulled, and none twice."""
    watched = WatchedDag(deployment, emulator, "renamed")
    watched.set_paused(False)
    watched.wait_for_watcher(1)
    watched.burst(4)
    watched.wait_until_pulled("the first burst", timeout=120)
    dag_file = deployment.home / "dags" / f"{watched.dag_id}.py"
    rewrite(dag_file, "clue_e2e_watched_renamed_a1", "clue_e2e_watched_renamed_a2")
    watched.note("asset renamed to clue_e2e_watched_renamed_a2")
    watched.burst(3)  # after the old watcher's last window, before the new one starts
    _, renamed = watched.wait_for_watcher(2)
    watched.burst(2)
    watched.wait_until_pulled("the bursts around the rename", timeout=180)
    assert watched.events(renamed), "the renamed asset's watcher announced them"
    watched.check_exactly_once()


def test_a_stalled_copy_of_the_watcher_never_moves_its_cursor_back(
    deployment: Deployment, emulator: ClueEmulator
) -> None:
    """Two triggerers; the one running the watcher is frozen (SIGSTOP) 1.5 s after an event, within its wait
    before recording the window done, for 25 s: the other takes the trigger over and announces the next
    windows; the frozen one, thawed, finds the cursor moved on and leaves it."""
    watched = WatchedDag(deployment, emulator, "two_triggerers")
    deployment.add_component(Component("triggerer-b", ("triggerer", "--skip-serve-logs")))
    stalled = None
    try:
        watched.set_paused(False)
        watched.wait_for_watcher(1)
        watched.burst(3)
        watched.wait_until_pulled("the first burst", timeout=120)
        owner, _ = watched.watcher_starts()[-1]
        events = watched.events()
        watched.burst(5)
        watched.wait_for_event(events, "the second burst's event")
        time.sleep(1.5)
        stalled = deployment.processes[owner]
        signal_tree(stalled, signal.SIGSTOP)
        frozen_at = time.monotonic()
        watched.note(f"{owner} frozen")
        starts = len(watched.watcher_starts())
        taken_over = watched.wait_for_watcher(starts + 1, timeout=60)
        assert taken_over[0] != owner, "the other triggerer took the watcher over"
        for size in (4, 2):
            events = watched.events()
            watched.burst(size)
            watched.wait_for_event(events, f"the burst of {size}'s event")
        time.sleep(max(0.0, 25 - (time.monotonic() - frozen_at)))
        signal_tree(stalled, signal.SIGCONT)
        stalled = None
        watched.note(f"{owner} thawed")
        watched.burst(3)
        watched.wait_until_pulled("every burst", timeout=180)
        time.sleep(8)  # the thawed copy's write, had it made one, lands by now
    finally:
        if stalled is not None:
            signal_tree(stalled, signal.SIGCONT)
        stop_all([deployment.processes.pop("triggerer-b")])
        deployment.components = tuple(c for c in deployment.components if c.name != "triggerer-b")
    watched.check_exactly_once()
    stored = Watermark.from_json(deployment.api("GET", f"/variables/{watched.key}")["value"])
    last_end = max(name.removesuffix(".jsonl").split("_")[1] for name in watched.files())
    assert stored.end_announced().strftime("%Y-%m-%dT%H%M%S") >= last_end, "the cursor moved back"


def test_windows_announced_while_a_run_is_queued_are_pulled_without_waiting_for_another_clue(
    deployment: Deployment, emulator: ClueEmulator
) -> None:
    """``max_active_runs=1``, each run held 20 s, bursts 8 s apart: the events that come while a run is active
    join one queue entry, whose run consumes only the first of them and reaches no run of their own, so
    that run, once it starts, pulls up to the latest window."""
    watched = WatchedDag(deployment, emulator, "queued")
    watched.set_paused(False)
    watched.wait_for_watcher(1)
    for _ in range(4):
        watched.burst(3)
        time.sleep(8)
    watched.wait_until_pulled("four bursts, and no fifth", timeout=120)
    watched.check_exactly_once()


def test_a_window_announced_while_the_dag_is_paused_is_pulled_once_it_is_unpaused(
    deployment: Deployment, emulator: ClueEmulator
) -> None:
    """The watcher runs on until the dag-processor sees the pause and announces the window of clues that came
    meanwhile; that event makes no run. Unpausing starts a new watcher, which announces its last window
    again: that run pulls everything since the last pull, with no new clue needed."""
    watched = WatchedDag(deployment, emulator, "paused")
    watched.set_paused(False)
    _, trigger_id = watched.wait_for_watcher(1)
    watched.burst(3)
    watched.wait_until_pulled("the first burst", timeout=120)
    runs, events = len(watched.runs()), watched.events()
    watched.wait_for_a_parse()  # the watcher runs on until the next parse, 10 s from now
    watched.set_paused(True)
    watched.burst(4, seconds_ago=3)  # settled: the next poll announces it
    watched.wait_for_event(events, "the window announced while paused")
    deployment.wait_for(lambda: watched.cancelled(trigger_id), "the paused DAG's watcher to stop", timeout=60)
    watched.note("watcher stopped")
    assert len(watched.runs()) == runs, "no run for the event made while paused"
    watched.set_paused(False)
    watched.wait_until_pulled("the window announced while paused", timeout=90)
    watched.check_exactly_once()
