"""The ticks of a DAG's schedule, for runs whose data interval is empty.

Reads the cron expression or the delta from the DAG's timetable (the Task SDK's attrs timetables
and the older core ones name them differently) and steps through ticks with ``croniter``, which
Airflow itself depends on, in the schedule's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

import pendulum
from croniter import croniter

_CRON_PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}


class ScheduleGrid(Protocol):
    """A schedule's ticks: where the interval ending at or before an instant starts and ends."""

    def last_interval(self, at: datetime) -> tuple[datetime, datetime]:
        """The latest complete interval ``[start, end)`` with ``end <= at``."""
        ...


@dataclass(frozen=True)
class CronGrid:
    """Ticks of a cron expression in a time zone."""

    expression: str
    zone: str

    def last_interval(self, at: datetime) -> tuple[datetime, datetime]:
        end = self._align_to_prev(at)
        return self._prev(end), end

    def _local_naive(self, moment: datetime) -> datetime:
        return pendulum.instance(moment).in_timezone(self.zone).naive()

    def _aware(self, naive: datetime) -> datetime:
        return pendulum.instance(naive, tz=self.zone).in_timezone("UTC")

    def _prev(self, moment: datetime) -> datetime:
        """The last tick strictly before ``moment``."""
        return self._aware(croniter(self.expression, self._local_naive(moment)).get_prev(datetime))

    def _next(self, moment: datetime) -> datetime:
        """The first tick strictly after ``moment``."""
        return self._aware(croniter(self.expression, self._local_naive(moment)).get_next(datetime))

    def _align_to_prev(self, moment: datetime) -> datetime:
        """``moment`` if it is a tick, else the last tick before it."""
        previous = self._prev(moment)
        return utc(moment) if self._next(previous) == moment else previous


@dataclass(frozen=True)
class DeltaGrid:
    """A fixed delta between runs: the interval ending at an instant is ``[at - delta, at)``."""

    delta: timedelta

    def last_interval(self, at: datetime) -> tuple[datetime, datetime]:
        return at - self.delta, at


def grid_of(timetable: Any) -> ScheduleGrid | None:
    """The grid of a cron or delta timetable, or ``None`` (no schedule, assets, once, continuous...)."""
    expression = _attribute(timetable, "expression")
    if isinstance(expression, str) and expression:
        zone = _attribute(timetable, "timezone") or "UTC"
        name = getattr(zone, "name", None) or str(zone)
        return CronGrid(_CRON_PRESETS.get(expression, expression), name)
    delta = _attribute(timetable, "delta")
    if isinstance(delta, timedelta) and delta > timedelta(0):
        return DeltaGrid(delta)
    return None


def _attribute(timetable: Any, name: str) -> Any:
    """``name`` on a Task SDK timetable, ``_name`` on a core one."""
    value = getattr(timetable, name, None)
    return value if value is not None else getattr(timetable, f"_{name}", None)


def utc(moment: datetime) -> datetime:
    """``moment`` as a plain, aware UTC ``datetime`` (naive ones are taken as UTC, as Airflow does).

    Pendulum instances become standard ones: pendulum drops a standard ``tzinfo`` on arithmetic.
    """
    aware = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    return datetime(*aware.timetuple()[:6], aware.microsecond, tzinfo=timezone.utc)
