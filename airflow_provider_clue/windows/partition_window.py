"""The window of a run on a partitioned schedule (Airflow 3.2+): its partition's period.

A ``CronPartitionTimetable`` run has no data interval; its partition date is the start of the
period its key stands for (Airflow's own reading of a key), and the period runs to the schedule's
next tick: ``[partition date, next tick)``. Consecutive partitions therefore tile time exactly, as
consecutive data intervals do. Where the period cannot be derived (no key, a key that is not a tick
of the schedule, a schedule that is not a cron, a period that has not ended), the run fails before
any request, saying how to set ``created_at``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from airflow_provider_clue.compat import partition_key_zone, partition_of, partitioned_schedule, timetable_attribute
from airflow_provider_clue.exceptions import ClueValidationError
from airflow_provider_clue.windows.schedule_grid import CronGrid, as_tzinfo, grid_of, utc

if TYPE_CHECKING:
    from collections.abc import Mapping

_HOW_TO_SET = (
    "pass created_at=[start, end) (two 'YYYY-MM-DD HH:MM:SS' strings in the connection's zone, ISO 8601 "
    "strings, dates or datetimes), or schedule with CronPartitionTimetable(cron, timezone=..., run_offset=-1), "
    "whose run at each tick pulls the partition that has just ended"
)


def partition_period(context: Mapping[str, Any], *, ended: bool = True) -> tuple[datetime, datetime] | None:
    """``[start, end)`` of the run's partition, or ``None`` for a run that is not partitioned.

    :param ended: refuse a period that has not ended yet (a pull would miss its rest); a sensor,
        which counts up to now, passes ``False``.
    """
    partition = partition_of(context)
    timetable = getattr(context.get("dag"), "timetable", None)
    if partition is None:
        if partitioned_schedule(timetable):
            raise ClueValidationError(
                "created_at",
                "this run of a partitioned schedule has no partition key (manual runs and `airflow dags test` "
                "have none unless one is given), so its period is unknown; trigger it with a partition key or "
                "pass created_at=[start, end) (two 'YYYY-MM-DD HH:MM:SS' strings in the connection's zone, "
                "ISO 8601 strings, dates or datetimes)",
            )
        return None
    key, partition_date = partition
    grid = grid_of(timetable)
    if not isinstance(grid, CronGrid):
        raise ClueValidationError(
            "created_at",
            f"partition {key!r} comes from a schedule that is not a cron partition schedule, so its period "
            f"is unknown; {_HOW_TO_SET}",
        )
    start = utc(partition_date) if partition_date is not None else _decode_key(key, timetable, grid)
    period = grid.interval_from(start)
    if period is None:
        raise ClueValidationError(
            "created_at",
            f"partition {key!r} starts at {start.isoformat()}, which is not a tick of the schedule "
            f"{grid.expression!r}, so its period is unknown; {_HOW_TO_SET}",
        )
    now = datetime.now(timezone.utc)
    if ended and period[1] > now:
        raise ClueValidationError(
            "created_at",
            f"partition {key!r} covers [{period[0].isoformat()}, {period[1].isoformat()}), which has not ended "
            f"(now {now.isoformat(timespec='seconds')}); {_HOW_TO_SET}",
        )
    return period


def _decode_key(key: str, timetable: Any, grid: CronGrid) -> datetime:
    """The partition date a key stands for, read back with the schedule's ``key_format`` in the zone
    Airflow wrote it in."""
    key_format = timetable_attribute(timetable, "key_format")
    try:
        naive = datetime.strptime(key, key_format)
    except (TypeError, ValueError) as err:
        raise ClueValidationError(
            "created_at", f"partition key {key!r} cannot be read with the schedule's key_format {key_format!r} "
            f"({err}); {_HOW_TO_SET}",
        ) from None
    zone = partition_key_zone(grid.zone)
    return naive.replace(tzinfo=as_tzinfo(zone))
