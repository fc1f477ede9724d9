"""One API budget shared by pulls in separate processes: the emulator's Laravel throttle, one token.

The whole emulator window is pulled once by one process, then as four consecutive parts by four
processes started together (as four mapped tasks on several workers would); then the four again
against the same throttle sending only ``Retry-After`` (no ``X-RateLimit-*`` headers), which is all
the client read before it paced itself by the budget: the baseline. The emulator's log gives the
time from the first request to the last, its throttle the windows; the ideal is
``(ceil(pages / limit) - 1) * window``: every window's budget spent at once, no page late.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pendulum
from contenders import OPERATOR_WINDOW, id_digest
from report import Check, Section
from scenarios import Digest, describe, id_mismatch, progress, run_child

from airflow_provider_clue.testing import ClueEmulator, ThrottleSettings

if TYPE_CHECKING:
    from scenarios import ChildRun

    from airflow_provider_clue.testing import LoggedRequest
    from airflow_provider_clue.testing.throttle import ThrottleWindow

BUDGET = ThrottleSettings(limit=60, window=5)
ROUNDS = ((1, True), (4, True), (4, False))  # (pulls, whether the server sends Laravel's budget headers)
BUDGET_RECORDS = 21_068
PULLS = 4
START_DELAY = 3.0  # seconds for every child to start Python and Airflow before the common start
TARGET_RATIO = 1.15
MOST_429_PER_WINDOW = 1
API_FORMAT = "YYYY-MM-DD HH:mm:ss"


@dataclass(frozen=True)
class BudgetRun:
    """One round: each pull's window and child run, and what the emulator saw."""

    windows: list[tuple[str, str]]
    runs: list[ChildRun]
    requests: list[LoggedRequest]
    throttle_windows: list[ThrottleWindow]


def split_window(parts: int) -> list[tuple[str, str]]:
    """The operator's whole window as ``parts`` consecutive half-open windows of whole days."""
    start, end = (pendulum.parse(text, tz="Asia/Shanghai") for text in OPERATOR_WINDOW)
    days = (end - start).in_days()
    bounds = [start.add(days=days * part // parts) for part in range(parts)] + [end]
    return [(left.format(API_FORMAT), right.format(API_FORMAT)) for left, right in itertools.pairwise(bounds)]


def inclusive(window: tuple[str, str]) -> tuple[str, str]:
    """A half-open operator window as the API's inclusive bounds."""
    end = pendulum.parse(window[1], tz="Asia/Shanghai").subtract(seconds=1)
    return window[0], end.format(API_FORMAT)


def pull_together(
    emulator: ClueEmulator, windows: list[tuple[str, str]], *, budget_headers: bool, per_page: int
) -> BudgetRun:
    """Run one clue operator per window, each in its own process, all starting their pull at one moment."""
    emulator.clear_requests()
    emulator.set_throttle(replace(BUDGET, budget_headers=budget_headers))
    start_at = str(time.time() + START_DELAY)
    with ThreadPoolExecutor(len(windows)) as pool:
        runs = list(pool.map(
            lambda window: run_child(
                "clue", emulator, per_page=per_page, options=["--created-at", *window, "--start-at", start_at]
            ),
            windows,
        ))
    api_requests = [request for request in emulator.requests if "get_customer" in request.path]
    return BudgetRun(windows, runs, api_requests, emulator.throttle.windows if emulator.throttle else [])


def pull_of(request: LoggedRequest, windows: list[tuple[str, str]]) -> int:
    """Which pull sent ``request``: the one whose window holds the start of its filters' ``created_at``
    (a pull may ask for slices of its window)."""
    start = json.loads(request.body)["created_at"][0]
    return next(index for index, (first, end) in enumerate(windows) if first <= start < end)


def most_429s_in_a_window(run: BudgetRun) -> int:
    """The most 429s any one pull got within one throttle window."""
    opened = [window.opened_at for window in run.throttle_windows]
    counts: dict[tuple[int, int], int] = {}
    for request in run.requests:
        if request.status == 429:
            window = max(index for index, moment in enumerate(opened) if moment <= request.time)
            key = (window, pull_of(request, run.windows))
            counts[key] = counts.get(key, 0) + 1
    return max(counts.values(), default=0)


def budget_row(run: BudgetRun, server: str) -> tuple[list[str], float | None]:
    """The table row of one round, and its time over the ideal."""
    pages = sum(request.status == 200 for request in run.requests)
    rejected = sum(request.status == 429 for request in run.requests)
    times = [request.time for request in run.requests]
    span = max(times) - min(times) if times else 0.0
    ideal = (math.ceil(pages / BUDGET.limit) - 1) * BUDGET.window
    ratio = span / ideal if ideal else None
    row = [
        str(len(run.windows)), server, str(pages), str(len(run.throttle_windows)), str(rejected),
        str(most_429s_in_a_window(run)), f"{span:.2f}", f"{ideal:.0f}", f"{ratio:.3f}" if ratio else "-",
    ]
    return row, ratio


def shared_budget(*, per_page: int) -> Section:
    """One pull, then four at once in separate processes, against a throttle of 60 requests per 5 s;
    then four against the same throttle without its budget headers (the baseline)."""
    section = Section(
        f"Shared budget: clue operators on one token against Laravel's throttle, {BUDGET.limit} requests per "
        f"{BUDGET.window} s window, {BUDGET_RECORDS:,} records; each pull in its own process",
        ["pulls", "server sends", "pages", "windows", "429s", "most 429s of one pull in a window",
         "first to last request s", "ideal s", "over ideal"],
    )
    with ClueEmulator(records=BUDGET_RECORDS) as emulator:
        for parts, budget_headers in ROUNDS:
            run = pull_together(emulator, split_window(parts), budget_headers=budget_headers, per_page=per_page)
            for child in run.runs:
                progress(f"shared-budget: {describe(child)}")
            server = "Laravel's headers" if budget_headers else "Retry-After only"
            row, ratio = budget_row(run, server)
            section.rows.append(row)
            problems = [
                problem for window, child in zip(run.windows, run.runs, strict=True)
                if (problem := id_mismatch(child, Digest(*id_digest(emulator.ids(created_at=inclusive(window))))))
            ]
            name = f"shared-budget, {parts} pull{'s' if parts > 1 else ''}, {server}"
            section.checks.append(Check(
                f"{name}: every pull got exactly its window's ids", not problems,
                "; ".join(problems) or f"{len(run.runs)} pulls, {len(run.windows)} windows", kind="ids",
            ))
            if budget_headers:
                section.checks += [
                    Check(f"{name}: time <= {TARGET_RATIO}x ideal", ratio is not None and ratio <= TARGET_RATIO,
                          row[-1]),
                    Check(f"{name}: at most {MOST_429_PER_WINDOW} 429 per window per pull",
                          int(row[5]) <= MOST_429_PER_WINDOW, row[5]),
                ]
    section.notes.append(
        "Ideal: (ceil(pages / limit) - 1) x window. A Laravel window resets at the whole second "
        "floor(first hit) + window, so a round can beat it by up to a second per window."
    )
    return section

