"""The window of a run triggered by ``ClueEventTrigger``'s asset events: the union of theirs.

A watcher announces contiguous, half-open windows. A run that consumes several of its events
pulls their union, one window; an identical window announced twice (re-announced after a
triggerer restart) counts once; a gap or an overlap is an error that names both windows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from airflow_provider_clue.exceptions import ClueValidationError


@dataclass(frozen=True)
class AnnouncedWindow:
    """One event's window ``[start, end)`` (aware) and the asset whose event carried it."""

    start: datetime
    end: datetime
    asset: str


def announced_windows(triggering_events: Any) -> list[AnnouncedWindow]:
    """The windows in a run's ``triggering_asset_events`` that a ``ClueEventTrigger`` announced
    (asset events whose extra is ``{"from_trigger": True, "payload": {"created_at": [start, end], ...}}``)."""
    if not isinstance(triggering_events, Mapping):
        return []
    windows = []
    for asset, events in triggering_events.items():
        for event in events:
            bounds = _announced_bounds(getattr(event, "extra", None))
            if bounds is not None:
                windows.append(AnnouncedWindow(*bounds, asset=str(getattr(asset, "name", asset))))
    return windows


def union_of(windows: Sequence[AnnouncedWindow]) -> tuple[datetime, datetime] | None:
    """The one window ``[start, end)`` that ``windows`` cover together, or ``None`` when there are none.

    :raises ClueValidationError: on ``created_at`` if two of them overlap or leave a gap.
    """
    distinct = sorted({(window.start, window.end): window for window in windows}.values(), key=_bounds)
    for earlier, later in pairwise(distinct):
        if later.start != earlier.end:
            how = "overlap" if later.start < earlier.end else "leave a gap between them"
            raise ClueValidationError(
                "created_at",
                f"the run's triggering asset events announced {_describe(earlier)} and {_describe(later)}, which "
                f"{how}: the run can pull only one window. Events of two watchers (or of one whose connection, "
                "account, stage, filters or start changed) were consumed by one run; give each watcher an asset "
                "and a DAG of its own, or pass created_at",
            )
    if not distinct:
        return None
    return distinct[0].start, distinct[-1].end


def payload_bounds(payload: object) -> tuple[datetime, datetime] | None:
    """The window of a ``ClueEventTrigger`` payload ``{"created_at": [start, end], "count": n}``, or ``None``
    for anything else (aware ISO 8601 bounds, start before end)."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("count"), int):
        return None
    bounds = payload.get("created_at")
    if not isinstance(bounds, Sequence) or isinstance(bounds, str) or len(bounds) != 2:
        return None
    try:
        start, end = (datetime.fromisoformat(bound) for bound in bounds)
    except (TypeError, ValueError):
        return None
    if start.tzinfo is None or end.tzinfo is None or start >= end:
        return None
    return start, end


def _announced_bounds(extra: object) -> tuple[datetime, datetime] | None:
    if not isinstance(extra, Mapping) or not extra.get("from_trigger"):
        return None
    return payload_bounds(extra.get("payload"))


def _bounds(window: AnnouncedWindow) -> tuple[datetime, datetime]:
    return window.start, window.end


def _describe(window: AnnouncedWindow) -> str:
    return f"[{window.start.isoformat()}, {window.end.isoformat()}) (asset {window.asset!r})"
