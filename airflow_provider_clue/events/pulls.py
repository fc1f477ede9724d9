"""What a run triggered by ``ClueEventTrigger`` pulls: from where this task's last pull ended to the end of
the latest window the watcher has announced, however Airflow grouped the events into runs.

Airflow gives a run the asset events that arrived before it queued the run. An event that arrives
while a run of the DAG is already queued (``max_active_runs`` reached) joins that queue entry
without making a run of its own, and an event made while the DAG is paused makes none: both reach
a run only when a later event comes. So a pull does not stop at its own events' windows. It reads
on to the end of the latest window the watcher has announced (its cursor, named by the events'
``watcher``) and records, per task (and map index) and watcher, where it stopped: the next run
starts there, and a run that finds nothing new is skipped. The record moves only once a pull has
written its records, so a failed try leaves it where it was and the next try or run covers its
windows; a run that succeeded and is cleared pulls again the very window it pulled then (the
record keeps the windows of the last :data:`KEEP_RUNS` runs). A watcher that started over (its
cursor deleted, or lost) announces windows after a gap: the pull reads the gap too.

The record is a Variable, so two tries of the same task must not run at once: the operator keeps
such a pull to one running instance (``max_active_tis_per_dag=1``) unless told otherwise.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow_provider_clue import variables
from airflow_provider_clue.windows.run_window import ClueWindow
from airflow_provider_clue.windows.schedule_grid import utc

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

KEY_PREFIX = "clue_event_pulled"
KEEP_RUNS = 100
DESCRIPTION = "What a ClueSearchOperator pulled of a ClueEventTrigger's windows (airflow-provider-clue)"


@dataclass(frozen=True)
class PulledWindows:
    """Where one task's pulls of one watcher's windows stopped, and the window each recent run pulled."""

    until: datetime | None = None
    runs: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "until": None if self.until is None else self.until.isoformat(),
            "runs": {run_id: [start.isoformat(), end.isoformat()] for run_id, (start, end) in self.runs.items()},
        }

    @classmethod
    def from_json(cls, text: str) -> PulledWindows:
        """:raises ValueError: for anything :meth:`to_json` did not write."""
        stored = json.loads(text)
        if not isinstance(stored, dict) or not isinstance(stored.get("runs"), dict):
            raise ValueError("not a record of pulled windows")
        until = stored.get("until")
        runs = {str(run_id): (_instant(bounds[0]), _instant(bounds[1])) for run_id, bounds in stored["runs"].items()}
        return cls(None if until is None else _instant(until), runs)

    def pulled(self, run_id: str, window: ClueWindow) -> PulledWindows:
        """This record after ``run_id`` pulled ``window``: moved to its end (never back), the run's window kept."""
        runs = {**{key: value for key, value in self.runs.items() if key != run_id}, run_id: (window.start, window.end)}
        kept = dict(sorted(runs.items(), key=lambda item: item[1][1])[-KEEP_RUNS:])
        until = window.end if self.until is None else max(self.until, window.end)
        return PulledWindows(until, kept)


@dataclass(frozen=True)
class EventPull:
    """The window one run pulls (``None``: nothing new since the last pull), and how to record it."""

    key: str
    run_id: str
    window: ClueWindow | None
    record: PulledWindows
    reason: str

    def commit(self) -> None:
        """Record the window as pulled (once the records are written)."""
        if self.window is not None:
            variables.put(self.key, json.dumps(self.record.pulled(self.run_id, self.window).to_json()),
                          description=DESCRIPTION)


def plan_event_pull(context: Mapping[str, Any], watcher: str, announced: ClueWindow) -> EventPull:
    """The window this run pulls, given the span of its events' windows ``announced`` and their ``watcher``.

    :raises ClueConfigurationError: when the record or the watcher's cursor cannot be read.
    """
    from airflow_provider_clue.events.stores import latest_cursor
    from airflow_provider_clue.exceptions import ClueConfigurationError

    ti = context["ti"]
    key = pull_key(ti.dag_id, ti.task_id, getattr(ti, "map_index", -1), watcher)
    run_id = str(ti.run_id)
    text = variables.get(key)
    try:
        record = PulledWindows() if text is None else PulledWindows.from_json(text)
    except (TypeError, ValueError, KeyError, IndexError):
        raise ClueConfigurationError(
            "created_at",
            f"the Variable {key} holds {str(text)[:120]!r}, not a record of the windows this task pulled; delete it "
            "to pull from this run's windows on",
        ) from None
    if run_id in record.runs:
        start, end = record.runs[run_id]
        return EventPull(key, run_id, ClueWindow(start, end, "asset_events"), record,
                         "the window this run pulled before (a cleared run pulls it again)")
    cursor = latest_cursor(watcher)
    latest = announced.end if cursor is None else max(announced.end, utc(cursor.end_announced()))
    start = announced.start if record.until is None else record.until
    if start >= latest:
        return EventPull(key, run_id, None, record, f"an earlier run pulled up to {start.isoformat()}")
    reason = ("where this task's last pull ended" if record.until is not None
              else "the earliest window of this run's events") + " to the end of the latest window announced"
    return EventPull(key, run_id, ClueWindow(start, latest, "asset_events"), record, reason)


def watcher_of(context: Mapping[str, Any]) -> str | None:
    """The watcher whose windows this run's events announced, when they name one (one at most: see ``union_of``)."""
    from airflow_provider_clue.windows.event_windows import announced_windows

    watchers = {window.watcher for window in announced_windows(context.get("triggering_asset_events"))}
    return next(iter(watchers)) if len(watchers) == 1 else None


def warn_about_schedule(timetable: Any, where: str) -> None:
    """Warn, where a DAG file is parsed, about a schedule on which a pull of a watcher's windows cannot work
    (``where`` names the task): an asset declared without its watcher, or named by ``Asset.ref``."""
    import warnings

    from airflow_provider_clue.compat import Asset

    share = ("declare the watched Asset once, in a module both DAG files import (e.g. beside them in the dags "
             "folder), and schedule on that object")
    for part in _schedule_parts(getattr(timetable, "asset_condition", None)):
        if isinstance(part, Asset) and not part.watchers:
            problem = (f"the DAG is scheduled on Asset(name={part.name!r}) declared here without a watcher. If a "
                       "ClueEventTrigger watches it in another DAG file, Airflow takes the asset's watchers from the "
                       "file it parsed last, so each parse of this file stops that watcher")
        elif type(part).__name__ in ("AssetNameRef", "AssetUriRef"):
            problem = (f"the DAG is scheduled on Asset.ref({_ref_of(part)}), and Airflow gives a run of such a DAG "
                       "none of the asset's events, so this pull would find no window announced and fail")
        else:
            continue
        warnings.warn(f"{where}: {problem}: {share}; if nothing watches it, pass created_at", UserWarning,
                      stacklevel=5)


def _schedule_parts(condition: Any) -> Iterator[Any]:
    """The assets and references of an asset condition (``AssetAll``, ``AssetAny``, nested)."""
    parts = getattr(condition, "objects", None)
    if parts is None:
        if condition is not None:
            yield condition
        return
    for part in parts:
        yield from _schedule_parts(part)


def _ref_of(reference: Any) -> str:
    name = getattr(reference, "name", None)
    return f"name={name!r}" if name is not None else f"uri={getattr(reference, 'uri', None)!r}"


def pull_key(dag_id: str, task_id: str, map_index: int, watcher: str) -> str:
    """The Variable that records what one task (map index) pulled of one watcher's windows."""
    text = json.dumps([dag_id, task_id, map_index, watcher], ensure_ascii=False)
    return f"{KEY_PREFIX}_{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("a naive time")
    return utc(moment)
