"""Which creation times one run pulls: a half-open window ``[start, end)`` and its API bounds.

The rule, in order:

1. explicit ``created_at`` bounds win;
2. else the run's data interval, when it is not empty (``CronDataIntervalTimetable``,
   ``DeltaDataIntervalTimetable``, or a trigger timetable with an ``interval``) and has ended
   when the run started;
3. else the schedule's latest complete interval ending at or before the run's instant (the data
   interval's end, else the logical date, else ``dag_run.run_after``), and never after the run
   started. For ``CronTriggerTimetable`` (a cron string's default in Airflow 3) the scheduled run
   at tick ``T`` gets ``[previous tick, T)``, so consecutive runs tile time exactly as
   ``CronDataIntervalTimetable``'s intervals do. A run whose instant is not a tick (a manual run
   with or without a date, ``airflow dags test`` with or without one) gets the latest interval
   that had ended by then, never a part of one;
4. else (no schedule: ``None``, assets, ``@once``) an error that says to pass ``created_at``.

The API is inclusive at both ends with one-second resolution, so ``[start, end)`` is sent as
``[ceil(start), ceil(end) - 1 s]`` in the connection's zone: a record stamped second ``s`` falls in
the window that holds the instant ``s``, and consecutive windows neither overlap nor leave gaps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Literal

import pendulum

from airflow_provider_clue.api_time import format_api_time
from airflow_provider_clue.exceptions import ClueValidationError
from airflow_provider_clue.rendered_values import as_rendered_list
from airflow_provider_clue.schedule_grid import grid_of, utc

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

WindowSource = Literal["explicit", "data_interval", "schedule"]
_HOW_TO_SET = (
    "pass created_at=[start, end) (two 'YYYY-MM-DD HH:MM:SS' strings in the connection's zone, ISO 8601 "
    "strings, dates or datetimes), or give the DAG a cron or timedelta schedule, whose latest complete "
    "interval each run then pulls"
)


@dataclass(frozen=True)
class ClueWindow:
    """Creation times ``[start, end)`` (aware, UTC) and where they came from."""

    start: datetime
    end: datetime
    source: WindowSource

    def api_bounds(self, zone: ZoneInfo) -> tuple[str, str]:
        """The API's inclusive ``[first second, last second]`` in ``zone``; error if no second fits."""
        first = format_api_time(self.start, zone, rounding="ceil")
        last_exclusive = _ceil_to_second(self.end)
        last = format_api_time(last_exclusive - timedelta(seconds=1), zone, rounding="floor")
        if last < first:
            raise ClueValidationError(
                "created_at", f"the window [{self.start.isoformat()}, {self.end.isoformat()}) is empty; {_HOW_TO_SET}"
            )
        return first, last

    def widened(self, lookback: timedelta | None) -> ClueWindow:
        """The window with its start moved back by ``lookback`` (a non-negative timedelta, or None)."""
        if lookback is not None and (not isinstance(lookback, timedelta) or lookback < timedelta(0)):
            raise ClueValidationError("lookback", f"expected a non-negative timedelta, got {lookback!r}")
        if not lookback:
            return self
        return ClueWindow(self.start - lookback, self.end, self.source)


def resolve_window(created_at: Sequence[Any] | None, context: Mapping[str, Any], *, zone: ZoneInfo) -> ClueWindow:
    """The window of one run, by the rule in this module's docstring."""
    return explicit_window(created_at, zone) if created_at is not None else run_window(context)


def explicit_window(created_at: Sequence[Any], zone: ZoneInfo) -> ClueWindow:
    """``[start, end)`` from two datetimes or strings (ISO 8601, or wall-clock time in ``zone``)."""
    created_at = as_rendered_list(created_at)  # type: ignore[assignment]
    if isinstance(created_at, (str, bytes)) or not isinstance(created_at, Sequence) or len(created_at) != 2:
        raise ClueValidationError("created_at", f"expected two bounds [start, end), got {created_at!r}; {_HOW_TO_SET}")
    start, end = (_instant(value, zone, which) for value, which in zip(created_at, ("start", "end"), strict=True))
    if start >= end:
        raise ClueValidationError(
            "created_at", f"start {start.isoformat()} must be before end {end.isoformat()} (the window is [start, end))"
        )
    return ClueWindow(start, end, "explicit")


def run_window(context: Mapping[str, Any]) -> ClueWindow:
    """The window of a run that gave no explicit bounds (rules 2 to 4)."""
    started = _run_started(context)
    interval_start = context.get("data_interval_start")
    interval_end = context.get("data_interval_end")
    if interval_start is not None and interval_end is not None and interval_start < interval_end <= started:
        return ClueWindow(utc(interval_start), utc(interval_end), "data_interval")
    instant = interval_end or context.get("logical_date") or getattr(context.get("dag_run"), "run_after", None)
    grid = grid_of(getattr(context.get("dag"), "timetable", None))
    if grid is None or instant is None:
        raise ClueValidationError(
            "created_at",
            f"this run has no complete data interval and its DAG has no cron or timedelta schedule; {_HOW_TO_SET}",
        )
    start, end = grid.last_interval(min(utc(instant), started))
    return ClueWindow(start, end, "schedule")


def _run_started(context: Mapping[str, Any]) -> datetime:
    """When the run started (``dag_run.start_date``), or now: no default window ends after it."""
    started = getattr(context.get("dag_run"), "start_date", None)
    return utc(started) if isinstance(started, datetime) else datetime.now(timezone.utc)


def _instant(value: object, zone: ZoneInfo, which: str) -> datetime:
    field = f"created_at ({which})"
    if isinstance(value, datetime):
        return utc(value.replace(tzinfo=zone) if value.tzinfo is None else value)
    if isinstance(value, date):  # midnight in the connection's zone, as a 'YYYY-MM-DD' string is
        return utc(datetime(value.year, value.month, value.day, tzinfo=zone))
    if isinstance(value, str) and value.strip():
        try:
            parsed = pendulum.parse(value.strip(), tz=zone.key, exact=True)
        except (ValueError, TypeError, pendulum.parsing.exceptions.ParserError):
            parsed = None
        if isinstance(parsed, datetime):
            return utc(parsed)
        if isinstance(parsed, pendulum.Date):
            return utc(pendulum.datetime(parsed.year, parsed.month, parsed.day, tz=zone.key))
    raise ClueValidationError(
        field,
        f"expected a datetime, a date, an ISO 8601 string or 'YYYY-MM-DD HH:MM:SS' in the connection's zone, "
        f"got {value!r}",
    )


def _ceil_to_second(moment: datetime) -> datetime:
    return moment if not moment.microsecond else moment.replace(microsecond=0) + timedelta(seconds=1)
