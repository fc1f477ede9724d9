"""Which creation times one run pulls: a half-open window ``[start, end)`` and its API bounds.

The rule, in order:

1. explicit ``created_at`` bounds win;
2. else, for a run triggered by ``ClueEventTrigger``'s asset events, the span of the windows they
   announced (see ``event_windows``), which the operator carries on from its last pull to the
   watcher's latest window (``events.pulls``);
3. else, for a run of a partitioned schedule (Airflow 3.2+), its partition's period
   ``[partition date, next tick)`` (see ``partition_window``), or an error when it cannot be derived;
4. else the run's data interval, when it is not empty (``CronDataIntervalTimetable``,
   ``DeltaDataIntervalTimetable``, or a trigger timetable with an ``interval``) and has ended
   when the run started;
5. else the schedule's latest complete interval ending at or before the run's instant (the data
   interval's end, else the logical date, else ``dag_run.run_after``), and never after the run
   started. For ``CronTriggerTimetable`` (a cron string's default in Airflow 3) the scheduled run
   at tick ``T`` gets ``[previous tick, T)``, so consecutive runs tile time exactly as
   ``CronDataIntervalTimetable``'s intervals do. A run whose instant is not a tick (a manual run
   with or without a date, ``airflow dags test`` with or without one) gets the latest interval
   that had ended by then, never a part of one;
6. else (no schedule: ``None``, assets, ``@once``) an error that says to pass ``created_at``.

The API is inclusive at both ends with one-second resolution, so ``[start, end)`` is sent as
``[ceil(start), ceil(end) - 1 s]`` in the connection's zone: a record stamped second ``s`` falls in
the window that holds the instant ``s``, and consecutive windows neither overlap nor leave gaps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Literal

import pendulum

from airflow_provider_clue.api.api_time import API_YEARS, format_api_time
from airflow_provider_clue.api.rendered_values import as_rendered_list
from airflow_provider_clue.compat import scheduled_on_assets
from airflow_provider_clue.exceptions import ClueValidationError
from airflow_provider_clue.windows.event_windows import announced_windows, union_of
from airflow_provider_clue.windows.partition_window import partition_period
from airflow_provider_clue.windows.schedule_grid import grid_of, utc

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

WindowSource = Literal["explicit", "asset_events", "partition", "data_interval", "schedule"]
# API_YEARS as instants, a day wider either side so that a bound's year counts in any zone
_EARLIEST = datetime(API_YEARS[0] - 1, 12, 31, tzinfo=timezone.utc)
_LATEST = datetime(API_YEARS[1] + 1, 1, 1, tzinfo=timezone.utc)
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
        """The API's inclusive ``[first second, last second]`` in ``zone``.

        :raises ClueValidationError: if no whole second fits, or if the zone's wall clock cannot tell
            the window's edge from the hour that a change from summer time repeats.
        """
        first_second = _ceil_to_second(self.start)
        last_second = _ceil_to_second(self.end) - timedelta(seconds=1)
        first = format_api_time(first_second, zone, rounding="floor")
        last = format_api_time(last_second, zone, rounding="floor")
        if self.is_empty():
            raise ClueValidationError(
                "created_at", f"the window [{self.start.isoformat()}, {self.end.isoformat()}) is empty; {_HOW_TO_SET}"
            )
        # The API compares wall-clock strings. Where the clock repeats an hour, the strings can tell a
        # window's edge apart only at the edges of the repeated hour itself: a start at its first
        # instant (first pass), an end at its last (second pass).
        for moment, edge, outside in ((first_second, "starts", -1), (last_second, "ends", 1)):
            if not _expressible_edge(moment, zone, outside=outside):
                local = moment.astimezone(zone)
                raise ClueValidationError(
                    "created_at",
                    f"the window [{self.start.isoformat()}, {self.end.isoformat()}) {edge} inside the hour that "
                    f"{zone.key} repeats when summer time ends ({local.strftime('%Y-%m-%d %H:00')} comes twice), and "
                    "the API's created_at strings cannot tell the two apart: pull a window that holds that "
                    "hour whole (e.g. the day), or set the connection's timezone to one without summer time if "
                    "the API's is",
                )
        return first, last

    def is_empty(self) -> bool:
        """Whether no whole second (the API's resolution) lies in the window."""
        return _ceil_to_second(self.end) - timedelta(seconds=1) < _ceil_to_second(self.start)

    def ending_before_a_repeated_hour(self, zone: ZoneInfo) -> ClueWindow:
        """This window, or, if it ends inside the hour that ``zone`` repeats when summer time ends, the
        part before that hour (a window that ends "now" can wait for the hour to pass)."""
        last_second = _ceil_to_second(self.end) - timedelta(seconds=1)
        if _expressible_edge(last_second, zone, outside=1):
            return self
        minute = last_second.replace(second=0)
        while _is_ambiguous(minute.astimezone(zone)):
            minute -= timedelta(minutes=1)
        return replace(self, end=max(self.start, minute + timedelta(minutes=1)))

    def starting_before_a_repeated_hour(self, zone: ZoneInfo) -> ClueWindow:
        """This window, or, if it starts inside the hour that ``zone`` repeats when summer time ends, one
        starting at that hour's first instant (a watcher's first window may be moved back so)."""
        first_second = _ceil_to_second(self.start)
        if _expressible_edge(first_second, zone, outside=-1):
            return self
        minute = first_second.replace(second=0)
        while _is_ambiguous((minute - timedelta(minutes=1)).astimezone(zone)):
            minute -= timedelta(minutes=1)
        return replace(self, start=minute)

    def widened(self, lookback: timedelta | None) -> ClueWindow:
        """The window with its start moved back by ``lookback`` (a non-negative timedelta, or None)."""
        if lookback is not None and (not isinstance(lookback, timedelta) or lookback < timedelta(0)):
            raise ClueValidationError("lookback", f"expected a non-negative timedelta, got {lookback!r}")
        if not lookback:
            return self
        try:
            start = self.start - lookback
        except OverflowError:
            raise ClueValidationError("lookback", f"{lookback!r} reaches before the year 1") from None
        return ClueWindow(_in_range(start, "lookback"), self.end, self.source)


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
        hint = (
            "; two equal bounds are what '{{ data_interval_start }}' and '{{ data_interval_end }}' render to "
            "under Airflow 3's default cron timetable and in manual runs: omit created_at to pull the schedule's "
            "latest complete interval" if start == end else ""
        )
        raise ClueValidationError(
            "created_at",
            f"start {created_at[0]!r} must be before end {created_at[1]!r} (the window is [start, end); as instants "
            f"{start.astimezone(zone).isoformat()} and {end.astimezone(zone).isoformat()}){hint}",
        )
    return ClueWindow(start, end, "explicit")


def run_window(context: Mapping[str, Any], *, ended: bool = True) -> ClueWindow:
    """The window of a run that gave no explicit bounds (rules 2 to 6).

    :param ended: for a partition, refuse a period that has not ended (see ``partition_period``).
    """
    announced = union_of(announced_windows(context.get("triggering_asset_events")))
    if announced is not None:
        return ClueWindow(utc(announced[0]), utc(announced[1]), "asset_events")
    partition = partition_period(context, ended=ended)
    if partition is not None:
        return ClueWindow(*partition, "partition")
    started = _run_started(context)
    interval_start = context.get("data_interval_start")
    interval_end = context.get("data_interval_end")
    if interval_start is not None and interval_end is not None and interval_start < interval_end <= started:
        return ClueWindow(utc(interval_start), utc(interval_end), "data_interval")
    instant = interval_end or context.get("logical_date") or getattr(context.get("dag_run"), "run_after", None)
    dag = context.get("dag")
    grid = grid_of(getattr(dag, "timetable", None), anchor=getattr(dag, "start_date", None))
    if grid is None and scheduled_on_assets(getattr(dag, "timetable", None)):
        raise ClueValidationError(
            "created_at",
            "this run of a DAG scheduled on assets carries no window: no ClueEventTrigger event triggered it "
            "(a manual run, events of an asset no ClueEventTrigger watches, or a DAG scheduled on Asset.ref(...), "
            "whose runs Airflow gives none of the asset's events: schedule on the watched Asset object, imported "
            "from a module the DAG files share); pass created_at, e.g. rendered from the run's params, to pull a "
            "window of your choice",
        )
    if grid is None or instant is None:
        raise ClueValidationError(
            "created_at",
            f"this run has no complete data interval and its DAG has no cron or timedelta schedule; {_HOW_TO_SET}",
        )
    start, end = grid.last_interval(min(utc(instant), started))
    return ClueWindow(start, end, "schedule")


def _run_started(context: Mapping[str, Any]) -> datetime:
    """When the run started (``dag_run.start_date``, which ``dag.test`` sets to a future logical date,
    so never later than now): no default window ends after it."""
    now = datetime.now(timezone.utc)
    started = getattr(context.get("dag_run"), "start_date", None)
    return min(utc(started), now) if isinstance(started, datetime) else now


def _expressible_edge(moment: datetime, zone: ZoneInfo, *, outside: int) -> bool:
    """Whether wall-clock strings in ``zone`` can tell the window edge at ``moment`` (its first second,
    ``outside=-1``, or its last, ``outside=1``) from the other pass of an hour the clock repeats: yes,
    unless it lies inside that hour, but at the hour's own first instant (first pass) or last (second pass)."""
    local = moment.astimezone(zone)
    if not _is_ambiguous(local):
        return True
    return local.fold == (outside > 0) and not _is_ambiguous((moment + timedelta(seconds=outside)).astimezone(zone))


def _is_ambiguous(local: datetime) -> bool:
    """Whether ``local``'s wall-clock time occurs twice in its zone (the hour repeated when summer time ends)."""
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def _in_range(moment: datetime, field: str) -> datetime:
    if not _EARLIEST <= moment < _LATEST:
        raise ClueValidationError(
            field, f"{moment.isoformat()} is outside the years 1970 to 9998 a window may span"
        )
    return moment


def _instant(value: object, zone: ZoneInfo, which: str) -> datetime:
    field = f"created_at ({which})"
    try:
        moment = _parse_instant(value, zone)
    except OverflowError:  # a time the zones cannot convert: far outside any window
        raise ClueValidationError(field, f"{value!r} is outside the years 1970 to 9998 a window may span") from None
    if moment is None:
        raise ClueValidationError(
            field,
            f"expected a datetime, a date, an ISO 8601 string or 'YYYY-MM-DD HH:MM:SS' in the connection's zone, "
            f"got {value!r}",
        )
    return _in_range(moment, field)


def _parse_instant(value: object, zone: ZoneInfo) -> datetime | None:
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
    return None


def _ceil_to_second(moment: datetime) -> datetime:
    return moment if not moment.microsecond else moment.replace(microsecond=0) + timedelta(seconds=1)
