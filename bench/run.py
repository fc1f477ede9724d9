"""Benchmark the clue provider against plain requests loops and Airflow's HttpOperator.

``python bench/run.py`` runs everything (see bench/README.md); ``--only`` picks contenders and scenarios.
Exit status: 0 all passed, 1 a contender failed or got the wrong ids, 2 only a target was missed.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from budget_scenario import shared_budget
from report import Check, Section, render_markdown, render_text
from scenarios import CONTENDER_NAMES, backoff, import_times, memory, rate_limit, throughput
from trigger_scenarios import triggers, triggers_hang

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

T = TypeVar("T")
SCENARIOS = (
    "throughput", "memory", "rate-limit", "backoff", "shared-budget", "import", "triggers", "triggers-hang",
)
REPO = Path(__file__).resolve().parent.parent


def csv(kind: Callable[[str], T]) -> Callable[[str], list[T]]:
    """An argparse type: comma-separated values of ``kind``."""

    def parse(text: str) -> list[T]:
        return [kind(item.strip()) for item in text.split(",") if item.strip()]

    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000, help="records for throughput and backoff (20000)")
    parser.add_argument("--latencies", type=csv(float), default=[0.02, 0.0],
                        help="emulator latencies in seconds, one throughput table each (0.02,0)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each contender per latency (3)")
    parser.add_argument("--per-page", type=int, default=100, help="page size every contender asks for (100)")
    parser.add_argument("--memory-sizes", type=csv(int), default=[100_000, 1_000_000],
                        help="record counts of the memory scenario (100000,1000000)")
    parser.add_argument("--import-repeats", type=int, default=7, help="fresh interpreters per module (7)")
    parser.add_argument("--triggers", type=int, default=1000, help="waiting triggers on one event loop (1000)")
    parser.add_argument("--trigger-seconds", type=float, default=60.0,
                        help="how long the triggers wait while the API answers (60)")
    parser.add_argument("--only", type=csv(str),
                        help=f"contenders ({', '.join(CONTENDER_NAMES)}) and/or scenarios ({', '.join(SCENARIOS)}); "
                             "naming a contender runs the throughput scenario with the contenders named")
    parser.add_argument("--markdown", type=Path, help="also write the results as markdown to this file")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only or ()) - {*CONTENDER_NAMES, *SCENARIOS})
    if unknown:
        parser.error(f"--only: unknown {', '.join(unknown)}")
    if args.rounds < 1 or args.import_repeats < 1 or args.triggers < 1 or not args.latencies or not args.memory_sizes:
        parser.error("--rounds, --import-repeats and --triggers must be >= 1; --latencies and --memory-sizes not empty")
    return args


def selection(only: list[str] | None) -> tuple[list[str], list[str]]:
    """``(contenders, scenarios)`` that ``--only`` names; everything when it is not given."""
    if not only:
        return list(CONTENDER_NAMES), list(SCENARIOS)
    contenders = [name for name in CONTENDER_NAMES if name in only]
    if "throughput" in only and not contenders:
        contenders = list(CONTENDER_NAMES)
    return contenders, [name for name in SCENARIOS if name in only or (name == "throughput" and contenders)]


def sections(args: argparse.Namespace, contenders: list[str], scenarios: list[str]) -> Iterator[Section]:
    if "throughput" in scenarios:
        for latency in args.latencies:
            yield throughput(
                latency, records=args.records, rounds=args.rounds, contenders=contenders, per_page=args.per_page
            )
    if "memory" in scenarios:
        yield memory(args.memory_sizes, per_page=args.per_page)
    if "rate-limit" in scenarios:
        yield rate_limit(per_page=args.per_page)
    if "backoff" in scenarios:
        yield backoff(records=args.records, per_page=args.per_page)
    if "shared-budget" in scenarios:
        yield shared_budget(per_page=args.per_page)
    if "import" in scenarios:
        yield import_times(repeats=args.import_repeats)
    if "triggers" in scenarios:
        yield triggers(count=args.triggers, seconds=args.trigger_seconds)
    if "triggers-hang" in scenarios:
        yield triggers_hang(count=args.triggers)


def missing_http_provider(contenders: list[str], scenarios: list[str]) -> bool:
    """The HTTP provider is needed (its contender or the import scenario) but not installed."""
    needed = ("throughput" in scenarios and "http-provider" in contenders) or "import" in scenarios
    return needed and package_version("apache-airflow-providers-http") == "not installed"


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def git_revision() -> str:
    """The checked-out commit, marked ``+dirty`` with uncommitted changes; ``unknown`` outside git."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def environment() -> list[str]:
    """Command line, machine and versions, one ``name: value`` per line."""
    return [
        f"command: python {shlex.join(sys.argv)}",
        f"date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"machine: {os.cpu_count()} CPUs, {platform.platform()}",
        f"python: {platform.python_version()}",
        "versions: " + ", ".join(
            f"{name} {package_version(name)}"
            for name in ("airflow-provider-clue", "apache-airflow", "apache-airflow-providers-http", "requests")
        ),
        f"commit: {git_revision()}",
    ]


def summary(checks: list[Check]) -> Section:
    section = Section("Summary", ["check", "result"])
    section.rows = [[check.name, check.verdict] for check in checks]
    failed = [check for check in checks if not check.passed]
    section.notes.append(f"{len(checks) - len(failed)}/{len(checks)} checks passed")
    return section


def write_markdown(path: Path, header: list[str], done: list[Section]) -> None:
    lines = ["# Benchmark results", "", *(f"- {line}" for line in header), ""]
    path.write_text("\n".join(lines) + "\n" + "\n".join(render_markdown(section) for section in done))


def exit_status(checks: list[Check]) -> int:
    if any(not check.passed and check.kind == "ids" for check in checks):
        return 1
    return 2 if any(not check.passed for check in checks) else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    contenders, scenarios = selection(args.only)
    if missing_http_provider(contenders, scenarios):
        sys.exit('apache-airflow-providers-http is needed: pip install -e ".[bench]"')
    header = environment()
    print("\n".join(header) + "\n", flush=True)
    done: list[Section] = []
    with tempfile.TemporaryDirectory(prefix="clue-bench-airflow-home-") as airflow_home:
        os.environ["AIRFLOW_HOME"] = airflow_home  # the children's: a throwaway, so no local config leaks in
        for section in sections(args, contenders, scenarios):
            print(render_text(section), flush=True)
            done.append(section)
    checks = [check for section in done for check in section.checks]
    done.append(summary(checks))
    print(render_text(done[-1]))
    if args.markdown:
        write_markdown(args.markdown, header, done)
        print(f"markdown written to {args.markdown}")
    return exit_status(checks)


if __name__ == "__main__":
    sys.exit(main())
