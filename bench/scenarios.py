"""The scenarios: each starts emulators in this process, runs contenders as children, returns a Section."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from contenders import API_WINDOW, CLUE_CONN_ID, CONTENDERS, HTTP_CONN_ID, id_digest
from report import Check, Section

from airflow_provider_clue.testing import ClueEmulator
from airflow_provider_clue.testing.faults import FaultRates

if TYPE_CHECKING:
    from collections.abc import Sequence

T = TypeVar("T")
CONTENDERS_SCRIPT = Path(__file__).resolve().with_name("contenders.py")
CONTENDER_NAMES = tuple(CONTENDERS)
BASELINE = "session"
CHILD_TIMEOUT = 1800.0
MIB = 1024 * 1024

RATE_LIMIT = 20  # the connection's rate_limit extra, requests per second
RATE_LIMIT_RECORDS = 10_000  # 100 pages of 100: about 5 s at 20 requests per second
RATE_LIMIT_MAX_IN_ONE_SECOND = 22
BACKOFF_FAULTS = FaultRates(rate_limit=0.2, retry_after="0.2")
BACKOFF_LATENCY = 0.02
BACKOFF_SEED = 1  # its fault draws start with 429s (seed 0: none in the first 20), so small runs see some too
BACKOFF_MAX_RETRIES = 10
MEMORY_GROWTH_LIMIT = 1.2
IMPORT_BASELINE = "airflow.sdk"
OUR_MODULE = "airflow_provider_clue.operators.clue"
HTTP_MODULE = "airflow.providers.http.operators.http"
IMPORT_TARGET = 0.5
IMPORT_PROBE = """
import importlib, json, sys, time
started = time.perf_counter()
importlib.import_module(sys.argv[1])
baseline_done = time.perf_counter()
importlib.import_module(sys.argv[2])
done = time.perf_counter()
print(json.dumps({"baseline_ms": (baseline_done - started) * 1000, "module_ms": (done - baseline_done) * 1000}))
"""


@dataclass(frozen=True)
class Target:
    """At ``latency``, ``contender`` must reach ``at_least`` times the baseline's records per second."""

    latency: float
    contender: str
    at_least: float


TARGETS = (Target(0.02, "clue-8", 4.0), Target(0.02, "clue-sequential", 0.9), Target(0.0, "clue", 0.8))


@dataclass(frozen=True)
class Digest:
    """An id set in short: how many ids, and the sha256 of them sorted and joined by newlines."""

    count: int
    sha256: str


@dataclass(frozen=True)
class ChildRun:
    """One contender process: its JSON result (None if it failed), its stderr, and why it failed."""

    name: str
    result: dict[str, Any] | None
    stderr: str
    error: str | None = None


def progress(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def rotated(items: Sequence[T], shift: int) -> list[T]:
    """``items`` started at ``shift`` (mod length): round ``n`` of a round-robin order."""
    shift %= len(items)
    return [*items[shift:], *items[:shift]]


def expected_digest(emulator: ClueEmulator) -> Digest:
    return Digest(*id_digest(emulator.ids(created_at=API_WINDOW)))


def child_env(emulator: ClueEmulator, conn_extra: dict[str, Any]) -> dict[str, str]:
    """This process's environment plus the ``clue_default`` and ``bench_http`` connections to ``emulator``."""
    http = {"conn_type": "http", "host": emulator.url, "extra": {"Authorization": f"Bearer {emulator.token}"}}
    return {
        **os.environ,
        **emulator.airflow_env(CLUE_CONN_ID, **conn_extra),
        f"AIRFLOW_CONN_{HTTP_CONN_ID.upper()}": json.dumps(http),
    }


def run_child(
    name: str, emulator: ClueEmulator, *, per_page: int, options: Sequence[str] = (), **conn_extra: Any
) -> ChildRun:
    """Run contender ``name`` in a fresh interpreter; ``options`` go on its command line (see
    ``contenders.py``), ``conn_extra`` into the clue connection's extras."""
    command = [
        sys.executable, str(CONTENDERS_SCRIPT), name, "--url", emulator.url, "--token", emulator.token,
        "--user-id", emulator.user_id, "--per-page", str(per_page), *options,
    ]
    try:
        done = subprocess.run(
            command, env=child_env(emulator, conn_extra), capture_output=True, text=True, timeout=CHILD_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return ChildRun(name, None, "", f"timed out after {CHILD_TIMEOUT:.0f} s")
    if done.returncode:
        last_line = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return ChildRun(name, None, done.stderr, f"exit status {done.returncode}: {last_line}")
    return ChildRun(name, json.loads(done.stdout), done.stderr)


def describe(run: ChildRun) -> str:
    if run.result is None:
        return f"{run.name} FAILED ({run.error})"
    return f"{run.name} {run.result['seconds']:.2f} s, {run.result['records']:,} records"


def id_mismatch(run: ChildRun, expected: Digest) -> str | None:
    """Why ``run`` did not get exactly the ``expected`` ids (no duplicates either), or None if it did."""
    if run.result is None:
        return f"{run.name} failed: {run.error}"
    got = run.result
    if got["records"] == got["unique_ids"] == expected.count and got["ids_sha256"] == expected.sha256:
        return None
    return (
        f"{run.name}: {got['records']:,} records, {got['unique_ids']:,} unique ids, sha256 {got['ids_sha256'][:12]}"
        f" (emulator: {expected.count:,} ids, sha256 {expected.sha256[:12]})"
    )


def ids_check(name: str, runs: Sequence[ChildRun], expected: Digest) -> Check:
    """One check over many runs: every one got exactly the emulator's id set."""
    problems = [problem for run in runs if (problem := id_mismatch(run, expected))]
    matching = f"{len(runs) - len(problems)}/{len(runs)} runs got exactly the emulator's {expected.count:,} ids"
    detail = "; ".join([matching, *problems]) + f" (sha256 {expected.sha256[:12]})"
    return Check(name, not problems, detail, kind="ids")


def mib(byte_count: float) -> str:
    return f"{byte_count / MIB:.0f}"


def matching_lines(text: str, phrase: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if phrase in line]


# -- throughput ----------------------------------------------------------------------------------


def throughput(latency: float, *, records: int, rounds: int, contenders: Sequence[str], per_page: int) -> Section:
    """Every contender ``rounds`` times against one emulator, in a rotating order."""
    with ClueEmulator(records=records, latency=latency) as emulator:
        expected = expected_digest(emulator)
        runs: dict[str, list[ChildRun]] = {name: [] for name in contenders}
        for round_index in range(rounds):
            for name in rotated(contenders, round_index):
                run = run_child(name, emulator, per_page=per_page)
                progress(f"latency {latency:g} s, round {round_index + 1}/{rounds}: {describe(run)}")
                runs[name].append(run)
    rates = {name: records_per_second(name_runs, expected.count) for name, name_runs in runs.items()}
    section = Section(
        f"Throughput: {records:,} records, emulator latency {latency:g} s, {rounds} round(s)",
        ["contender", "median s", "min-max s", "records/s", "peak RSS MiB", f"x {BASELINE}"],
    )
    section.rows = [throughput_row(name, name_runs, rates) for name, name_runs in runs.items()]
    every_run = [run for name_runs in runs.values() for run in name_runs]
    section.checks.append(ids_check(f"throughput at {latency:g} s: ids", every_run, expected))
    section.checks += [target_check(target, rates) for target in TARGETS if applies(target, latency, runs)]
    return section


def records_per_second(runs: Sequence[ChildRun], count: int) -> float | None:
    """``count`` over the median wall time; None if any run failed."""
    if any(run.result is None for run in runs):
        return None
    return count / statistics.median(run.result["seconds"] for run in runs if run.result)


def throughput_row(name: str, runs: Sequence[ChildRun], rates: dict[str, float | None]) -> list[str]:
    results = [run.result for run in runs if run.result is not None]
    if len(results) < len(runs):
        return [name, "failed", "", "", "", ""]
    seconds = [result["seconds"] for result in results]
    rate, baseline = rates[name], rates.get(BASELINE)
    return [
        name,
        f"{statistics.median(seconds):.2f}",
        f"{min(seconds):.2f}-{max(seconds):.2f}",
        f"{rate:,.0f}" if rate else "",
        mib(max(result["peak_rss_bytes"] for result in results)),
        f"{rate / baseline:.2f}" if rate and baseline else "-",
    ]


def applies(target: Target, latency: float, runs: dict[str, list[ChildRun]]) -> bool:
    return target.latency == latency and target.contender in runs and BASELINE in runs


def target_check(target: Target, rates: dict[str, float | None]) -> Check:
    name = f"throughput at {target.latency:g} s: {target.contender} records/s >= {target.at_least:g}x {BASELINE}"
    rate, baseline = rates[target.contender], rates[BASELINE]
    if not rate or not baseline:
        return Check(name, False, "no figure: a run failed")
    ratio = rate / baseline
    return Check(name, ratio >= target.at_least, f"{ratio:.2f}x ({rate:,.0f} vs {baseline:,.0f} records/s)")


# -- memory --------------------------------------------------------------------------------------


def memory(sizes: Sequence[int], *, per_page: int) -> Section:
    """The clue operator to a file at each size (latency 0); peak RSS must not grow with the size."""
    section = Section(
        "Memory: clue operator to a JSON Lines file, emulator latency 0",
        ["records", "wall s", "records/s", "peak RSS MiB", "x smallest"],
    )
    measured: list[tuple[int, ChildRun]] = []
    for size in sorted(sizes):
        with ClueEmulator(records=size) as emulator:
            progress(f"memory {size:,}: the emulator's ids")
            expected = expected_digest(emulator)
            run = run_child("clue", emulator, per_page=per_page)
        progress(f"memory {size:,}: {describe(run)}")
        section.checks.append(ids_check(f"memory {size:,}: ids in the file", [run], expected))
        measured.append((size, run))
    peaks = {size: run.result["peak_rss_bytes"] for size, run in measured if run.result}
    smallest = peaks.get(measured[0][0])
    for size, run in measured:
        if run.result is None:
            section.rows.append([f"{size:,}", "failed", "", "", ""])
            continue
        seconds, peak = run.result["seconds"], peaks[size]
        ratio = f"{peak / smallest:.2f}" if smallest else "-"
        section.rows.append([f"{size:,}", f"{seconds:.1f}", f"{size / seconds:,.0f}", mib(peak), ratio])
    if len(measured) > 1:
        largest = measured[-1][0]
        name = f"memory: peak RSS at {largest:,} <= {MEMORY_GROWTH_LIMIT:g}x at {measured[0][0]:,}"
        if smallest and largest in peaks:
            ratio = peaks[largest] / smallest
            section.checks.append(Check(name, ratio <= MEMORY_GROWTH_LIMIT, f"{ratio:.2f}x"))
        else:
            section.checks.append(Check(name, False, "no figure: a run failed"))
    return section


# -- rate limit ----------------------------------------------------------------------------------


def busiest_window(times: Sequence[float], width: float = 1.0) -> int:
    """The most of the sorted ``times`` in any half-open window ``[t, t + width)``."""
    busiest = first = 0
    for last, moment in enumerate(times):
        while moment - times[first] >= width:
            first += 1
        busiest = max(busiest, last - first + 1)
    return busiest


def rate_limit(*, per_page: int) -> Section:
    """The clue operator with the connection's ``rate_limit`` extra, judged by the emulator's request log."""
    with ClueEmulator(records=RATE_LIMIT_RECORDS) as emulator:
        expected = expected_digest(emulator)
        run = run_child("clue", emulator, per_page=per_page, rate_limit=RATE_LIMIT)
        times = sorted(request.time for request in emulator.requests if "get_customer" in request.path)
    progress(f"rate-limit: {describe(run)}")
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    busiest = busiest_window(times)
    section = Section(
        f"Rate limit: clue operator, connection extra rate_limit={RATE_LIMIT}, {RATE_LIMIT_RECORDS:,} records, "
        "emulator latency 0",
        ["requests", "span s", "mean requests/s", "most in any 1 s"],
        rows=[[str(len(times)), f"{span:.2f}", f"{(len(times) - 1) / span:.1f}" if span else "-", str(busiest)]],
    )
    section.checks += [
        ids_check("rate-limit: ids", [run], expected),
        Check(f"rate-limit: most API requests in any 1 s window <= {RATE_LIMIT_MAX_IN_ONE_SECOND}",
              busiest <= RATE_LIMIT_MAX_IN_ONE_SECOND, str(busiest)),
    ]
    return section


# -- backoff -------------------------------------------------------------------------------------


def backoff(*, records: int, per_page: int) -> Section:
    """clue-8 against 20 % injected 429s: complete, and its concurrency goes down and back up."""
    with ClueEmulator(records=records, latency=BACKOFF_LATENCY, faults=BACKOFF_FAULTS, seed=BACKOFF_SEED) as emulator:
        expected = expected_digest(emulator)
        run = run_child("clue-8", emulator, per_page=per_page, max_retries=BACKOFF_MAX_RETRIES)
        statuses = [request.status for request in emulator.requests if "get_customer" in request.path]
    progress(f"backoff: {describe(run)}")
    lowered = matching_lines(run.stderr, "concurrency lowered to")
    raised = matching_lines(run.stderr, "concurrency raised to")
    seconds = run.result["seconds"] if run.result else None
    section = Section(
        f"Backoff: clue-8, {records:,} records, {BACKOFF_FAULTS.rate_limit:.0%} of requests answered 429 "
        f"(Retry-After {BACKOFF_FAULTS.retry_after} s), emulator latency {BACKOFF_LATENCY:g} s, "
        f"max_retries={BACKOFF_MAX_RETRIES}",
        ["requests", "429s", "wall s", "records/s", "'concurrency lowered to'", "'concurrency raised to'"],
        rows=[[
            str(len(statuses)), str(statuses.count(429)), f"{seconds:.2f}" if seconds else "failed",
            f"{expected.count / seconds:,.0f}" if seconds else "", str(len(lowered)), str(len(raised)),
        ]],
    )
    section.notes += [f"log: {line[:200]}" for line in [*lowered[:3], *raised[:3]]]
    section.checks += [
        ids_check("backoff: ids", [run], expected),
        Check("backoff: the log shows 'concurrency lowered to'", bool(lowered), f"{len(lowered)} lines"),
        Check("backoff: the log shows 'concurrency raised to'", bool(raised), f"{len(raised)} lines"),
    ]
    return section


# -- import time ---------------------------------------------------------------------------------


def probe_import(module: str) -> dict[str, float]:
    """Milliseconds to import ``airflow.sdk``, then ``module``, in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE, IMPORT_BASELINE, module], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"importing {module} failed:\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def import_times(*, repeats: int) -> Section:
    """Import time of our operator module vs the HTTP provider's, each after ``airflow.sdk``, medians."""
    modules = (OUR_MODULE, HTTP_MODULE)
    for module in modules:
        probe_import(module)  # warm-up: file cache, Airflow's first-run config; not counted
    samples: dict[str, list[dict[str, float]]] = {module: [] for module in modules}
    for index in range(repeats):
        for module in rotated(modules, index):
            samples[module].append(probe_import(module))
    medians = {
        module: {key: statistics.median(sample[key] for sample in runs) for key in ("baseline_ms", "module_ms")}
        for module, runs in samples.items()
    }
    progress(f"import: {OUR_MODULE} {medians[OUR_MODULE]['module_ms']:.0f} ms, "
             f"{HTTP_MODULE} {medians[HTTP_MODULE]['module_ms']:.0f} ms")
    section = Section(
        f"Import time: fresh interpreters, {repeats} each, medians; {IMPORT_BASELINE} imported first",
        ["module", f"{IMPORT_BASELINE} ms", "module ms", "module min-max ms"],
    )
    for module, runs in samples.items():
        module_ms = [sample["module_ms"] for sample in runs]
        section.rows.append([
            module, f"{medians[module]['baseline_ms']:.0f}", f"{medians[module]['module_ms']:.0f}",
            f"{min(module_ms):.0f}-{max(module_ms):.0f}",
        ])
    ours, theirs = medians[OUR_MODULE]["module_ms"], medians[HTTP_MODULE]["module_ms"]
    section.checks.append(
        Check(f"import: {OUR_MODULE} <= {IMPORT_TARGET:g}x {HTTP_MODULE}", ours <= IMPORT_TARGET * theirs,
              f"{ours:.0f} ms vs {theirs:.0f} ms ({ours / theirs:.2f}x)")
    )
    return section
