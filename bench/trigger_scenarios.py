"""The triggerer scenarios: N ClueTrigger waits on one event loop (``triggers.py``, a child), the
async trigger against the 0.1 thread-based one, with the emulator in this process.

- ``triggers``: the API answers after ``latency``; checks that reached it against the ideal
  ``N * seconds / (poke + latency)``, the loop's lag, RSS per trigger.
- ``triggers-hang``: the API never answers (each request waits out the connection's read
  timeout); the loop's lag, then how long cancelling every trigger takes and what it leaves.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contenders import CLUE_CONN_ID
from report import Check, Section
from triggers import RESULT_MARK

from airflow_provider_clue.testing import ClueEmulator

TRIGGERS_SCRIPT = Path(__file__).resolve().with_name("triggers.py")
IMPLEMENTATIONS = ("thread", "async")  # the baseline first
MIB = 1024 * 1024
POKE = 5.0
LATENCY = 0.5
HANG_TIMEOUT = 10.0  # the connection's read timeout while the API hangs
HANG_SECONDS = 30.0
CHECKS_TARGET = 0.9
LAG_TARGET = 0.05
RSS_TARGET = 100 * MIB
CANCEL_TARGET = 2.0


@dataclass
class TriggerRun:
    implementation: str
    result: dict[str, Any] | None
    error: str = ""


def run_triggers(
    implementation: str, emulator: ClueEmulator, *, triggers: int, seconds: float, **conn_extra: Any
) -> TriggerRun:
    env = {**os.environ, **emulator.airflow_env(CLUE_CONN_ID, **conn_extra)}
    command = [sys.executable, str(TRIGGERS_SCRIPT), implementation, "--triggers", str(triggers), "--seconds",
               str(seconds), "--poke", str(POKE), "--url", emulator.url]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 300, check=False)
    results = [line[len(RESULT_MARK):] for line in done.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if done.returncode or not results:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return TriggerRun(implementation, None, f"exit status {done.returncode}: {last}")
    return TriggerRun(implementation, json.loads(results[-1]))


def answered_checks(emulator: ClueEmulator, run: TriggerRun) -> int:
    """Requests the emulator answered with 200 between the run's start and its cancelling."""
    assert run.result is not None
    return sum(
        1 for request in emulator.requests
        if request.status == 200 and run.result["started"] <= request.time <= run.result["ended"] - LATENCY
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def triggers(*, count: int, seconds: float) -> Section:
    """Checks, lag and memory of ``count`` waiting triggers over ``seconds``, both implementations."""
    ideal = count * seconds / (POKE + LATENCY)
    section = Section(
        f"Triggerer: {count:,} ClueTrigger waits on one event loop, poke {POKE:g} s, API latency {LATENCY:g} s, "
        f"{seconds:g} s; ideal checks N*s/(poke+latency) = {ideal:,.0f}",
        ["implementation", "checks answered", "of ideal", "loop lag p99 ms", "loop lag max ms", "RSS growth MiB",
         "KiB per trigger"],
    )
    runs: dict[str, TriggerRun] = {}
    checks: dict[str, int] = {}
    with ClueEmulator(records=10, latency=LATENCY) as emulator:
        for implementation in IMPLEMENTATIONS:
            emulator.clear_requests()
            run = runs[implementation] = run_triggers(implementation, emulator, triggers=count, seconds=seconds)
            if run.result is None:
                section.rows.append([implementation, f"FAILED ({run.error})", "", "", "", "", ""])
                continue
            checks[implementation] = answered = answered_checks(emulator, run)
            growth = run.result["rss_peak"] - run.result["rss_before"]
            section.rows.append([
                implementation, f"{answered:,}", f"{answered / ideal:.0%}", ms(run.result["lag_p99"]),
                ms(run.result["lag_max"]), f"{growth / MIB:.1f}", f"{growth / 1024 / count:.1f}",
            ])
            print(f"  .. triggers {implementation}: {answered:,} checks", file=sys.stderr, flush=True)
    new = runs["async"].result
    if "thread" in checks and "async" in checks:
        section.notes.append(f"async / thread checks: {checks['async'] / max(1, checks['thread']):.1f}x")
    section.notes.append(
        "thread: the 0.1 trigger (each check in asyncio.to_thread, one blocking client per trigger), the baseline; "
        "async: ClueTrigger now (httpx on the loop, one shared client)"
    )
    section.checks += [
        Check(f"triggers: async checks >= {CHECKS_TARGET:.0%} of ideal",
              checks.get("async", 0) >= CHECKS_TARGET * ideal,
              f"{checks.get('async', 0) / ideal:.1%}"),
        Check(f"triggers: async loop lag p99 < {ms(LAG_TARGET)} ms", bool(new) and new["lag_p99"] < LAG_TARGET,
              f"{ms(new['lag_p99'])} ms" if new else "failed"),
        Check(f"triggers: async RSS growth < {RSS_TARGET // MIB} MiB",
              bool(new) and new["rss_peak"] - new["rss_before"] < RSS_TARGET,
              f"{(new['rss_peak'] - new['rss_before']) / MIB:.1f} MiB" if new else "failed"),
    ]
    return section


def triggers_hang(*, count: int, seconds: float = HANG_SECONDS) -> Section:
    """``count`` triggers while the API never answers: lag, then cancelling them all."""
    section = Section(
        f"Triggerer, API hanging: {count:,} ClueTrigger waits, no answer until the read timeout "
        f"({HANG_TIMEOUT:g} s), {seconds:g} s, then every trigger cancelled",
        ["implementation", "loop lag p99 ms", "loop lag max ms", "cancel all ms", "threads left", "sockets left"],
    )
    runs: dict[str, TriggerRun] = {}
    with ClueEmulator(records=10, latency=3600.0) as emulator:
        for implementation in IMPLEMENTATIONS:
            run = runs[implementation] = run_triggers(
                implementation, emulator, triggers=count, seconds=seconds, timeout=HANG_TIMEOUT
            )
            if run.result is None:
                section.rows.append([implementation, f"FAILED ({run.error})", "", "", "", ""])
                continue
            result = run.result
            section.rows.append([
                implementation, ms(result["lag_p99"]), ms(result["lag_max"]), ms(result["cancel_seconds"]),
                str(len(result["threads_left"])), str(result["sockets_left"]),
            ])
            print(f"  .. triggers-hang {implementation}: cancelled in {ms(result['cancel_seconds'])} ms",
                  file=sys.stderr, flush=True)
    new = runs["async"].result
    section.notes.append(
        "threads left: threads started during the run still alive after the cancel (the thread trigger's are "
        "blocked in requests until their read timeout); sockets left: this process's TCP connections to the API"
    )
    section.checks += [
        Check(f"triggers-hang: async loop lag p99 < {ms(LAG_TARGET)} ms", bool(new) and new["lag_p99"] < LAG_TARGET,
              f"{ms(new['lag_p99'])} ms" if new else "failed"),
        Check(f"triggers-hang: cancelling all {count:,} takes < {CANCEL_TARGET:g} s",
              bool(new) and new["cancel_seconds"] < CANCEL_TARGET,
              f"{new['cancel_seconds']:.2f} s" if new else "failed"),
        Check("triggers-hang: no thread or socket left after the cancel",
              bool(new) and not new["threads_left"] and new["sockets_left"] == 0,
              f"{len(new['threads_left'])} threads, {new['sockets_left']} sockets" if new else "failed"),
    ]
    return section
