"""The ticks of a DAG's schedule, for runs whose data interval is empty.

Reads the cron expression or the delta from the DAG's timetable (the Task SDK's attrs timetables
and the older core ones name them differently) and steps through ticks with ``croniter``, which
Airflow itself depends on, in the schedule's time zone.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

import pendulum
from croniter import croniter

from airflow_provider_clue.compat import timetable_attribute

if TYPE_CHECKING:
    from collections.abc import Sequence

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
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
    """A schedule's ticks."""

    def last_interval(self, at: datetime) -> tuple[datetime, datetime]:
        """The latest complete interval ``[start, end)`` with ``end <= at``: ``[previous tick, at)`` at a tick."""
        ...

    def starts_more_than_one_window_a_day(self, *, day_zones: Sequence[tzinfo] = ()) -> bool:
        """Whether two windows can start on one calendar day, in the schedule's zone or one of ``day_zones``."""
        ...


class _SteppedGrid:
    """The intervals between ticks that ``_prev`` and ``_next`` step through, in the zone ``zone``."""

    zone: tzinfo | str

    def _prev(self, moment: datetime) -> datetime:
        raise NotImplementedError

    def _next(self, moment: datetime) -> datetime:
        raise NotImplementedError

    def last_interval(self, at: datetime) -> tuple[datetime, datetime]:
        at = utc(at)
        previous = self._prev(at)
        end = at if self._next(previous) == at else previous
        return self._prev(end), end

    def interval_from(self, start: datetime) -> tuple[datetime, datetime] | None:
        """``[start, next tick)`` when ``start`` is a tick, else ``None``."""
        start = utc(start)
        end = self._next(start)
        return (start, end) if self._prev(end) == start else None

    def starts_more_than_one_window_a_day(self, *, day_zones: Sequence[tzinfo] = (), samples: int = 16) -> bool:
        """Two of ``samples`` ticks on one day, or, where the schedule's zone has summer time, a tick
        within that shift of midnight in another day zone (it starts two windows on one day there
        when the clocks change)."""
        zone = as_tzinfo(self.zone)
        ticks = [tick := self._next(datetime.now(timezone.utc))]
        for _ in range(samples - 1):
            ticks.append(tick := self._next(tick))
        for day_zone in (zone, *day_zones):
            days = [tick.astimezone(day_zone).date() for tick in ticks]
            if len(set(days)) < len(days):
                return True
        shift = _summer_time_shift(zone, ticks[0].year)
        return bool(shift) and any(
            _from_midnight(tick.astimezone(day_zone)) < shift for day_zone in day_zones for tick in ticks
        )


@dataclass(frozen=True)
class CronGrid(_SteppedGrid):
    """Ticks of a cron expression in a time zone, stepped as Airflow's own cron timetables step them.

    Airflow's ``CronTriggerTimetable`` supplies the stepping (its DST handling included) when
    Airflow core is importable, so windows meet exactly at the ticks the scheduler produced;
    otherwise ``croniter`` steps through zone-aware times.
    """

    expression: str
    zone: tzinfo | str

    @functools.cached_property
    def _stepper(self) -> Any:
        """Airflow core's cron stepping (``CronTriggerTimetable``), or ``None`` where core is absent.

        Kept per grid, not in a shared cache: pendulum's zones cannot be hashed on every version."""
        from airflow_provider_clue.compat import core_cron_timetable

        return core_cron_timetable(self.expression, self.zone)

    def _prev(self, moment: datetime) -> datetime:
        """The last tick strictly before ``moment``."""
        stepper = self._stepper
        if stepper is None:
            return utc(croniter(self.expression, moment.astimezone(as_tzinfo(self.zone))).get_prev(datetime))
        previous = utc(stepper._get_prev(pendulum.instance(moment)))
        for hours in (1, 2, 3):  # next to a DST gap Airflow may answer with the tick itself
            if previous < moment:
                break
            previous = utc(stepper._get_prev(pendulum.instance(moment - timedelta(hours=hours))))
        return previous

    def _next(self, moment: datetime) -> datetime:
        """The first tick strictly after ``moment``."""
        stepper = self._stepper
        if stepper is None:
            return utc(croniter(self.expression, moment.astimezone(as_tzinfo(self.zone))).get_next(datetime))
        return utc(stepper._get_next(pendulum.instance(moment)))


@dataclass(frozen=True)
class UnionGrid(_SteppedGrid):
    """The ticks of several cron grids together (``MultipleCronTriggerTimetable``): a run at any of them."""

    grids: tuple[CronGrid, ...]

    @property
    def zone(self) -> tzinfo | str:  # type: ignore[override]
        return self.grids[0].zone

    def _prev(self, moment: datetime) -> datetime:
        return max(grid._prev(moment) for grid in self.grids)

    def _next(self, moment: datetime) -> datetime:
        return min(grid._next(moment) for grid in self.grids)


def _summer_time_shift(zone: tzinfo, year: int) -> timedelta:
    """How far ``zone``'s clocks move for summer time (zero where they never do)."""
    offsets = [datetime(year, month, 1, tzinfo=timezone.utc).astimezone(zone).utcoffset() for month in (1, 7)]
    return abs((offsets[0] or timedelta(0)) - (offsets[1] or timedelta(0)))


def _from_midnight(local: datetime) -> timedelta:
    """How far ``local`` is from the nearest midnight of its zone, either side."""
    since = local - local.replace(hour=0, minute=0, second=0, microsecond=0)
    return min(since, timedelta(days=1) - since)


def as_tzinfo(zone: tzinfo | str) -> tzinfo:
    """A zone as Airflow holds it (an IANA name, or a zone object) as a ``tzinfo``."""
    return ZoneInfo(zone) if isinstance(zone, str) else zone


@dataclass(frozen=True)
class DeltaGrid:
    """A fixed delta between runs, on the grid ``anchor + k * delta`` (the DAG's start date, as
    Airflow's catch-up steps it; the Unix epoch when there is none)."""

    delta: timedelta
    anchor: datetime = EPOCH

    def last_interval(self, at: datetime) -> tuple[datetime, datetime]:
        anchor = utc(self.anchor)
        end = anchor + ((utc(at) - anchor) // self.delta) * self.delta
        return end - self.delta, end

    def starts_more_than_one_window_a_day(self, *, day_zones: Sequence[tzinfo] = ()) -> bool:
        return self.delta < timedelta(days=1)


def grid_of(timetable: Any, *, anchor: datetime | None = None) -> ScheduleGrid | None:
    """The grid of a cron or delta timetable, several crons, or the time part of assets-or-time; or
    ``None`` (no schedule, assets alone, once, continuous...).

    :param anchor: where a delta schedule's ticks start (the DAG's start date).
    """
    inner = timetable_attribute(timetable, "timetable")  # AssetOrTimeSchedule
    if inner is not None and inner is not timetable:
        return grid_of(inner, anchor=anchor)
    several = timetable_attribute(timetable, "timetables")  # MultipleCronTriggerTimetable
    if several:
        grids = tuple(grid_of(each) for each in several)
        return UnionGrid(grids) if all(isinstance(grid, CronGrid) for grid in grids) else None  # type: ignore[arg-type]
    expression = timetable_attribute(timetable, "expression")
    if isinstance(expression, str) and expression:
        # the zone as Airflow holds it: a name, or a (pendulum) zone object such as a fixed offset "+08:00",
        # which has a name that is not an IANA key
        zone = timetable_attribute(timetable, "timezone") or "UTC"
        return CronGrid(_CRON_PRESETS.get(expression, expression), zone)
    delta = timetable_attribute(timetable, "delta")
    if isinstance(delta, timedelta) and delta > timedelta(0):
        return DeltaGrid(delta, anchor or EPOCH)
    return None


def utc(moment: datetime) -> datetime:
    """``moment`` as a plain, aware UTC ``datetime`` (naive ones are taken as UTC, as Airflow does).

    Pendulum instances become standard ones: pendulum drops a standard ``tzinfo`` on arithmetic.
    """
    aware = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    return datetime(*aware.timetuple()[:6], aware.microsecond, tzinfo=timezone.utc)
