"""The window of a run triggered by ``ClueEventTrigger``'s asset events: the span of theirs.

A watcher announces contiguous, half-open windows, each event naming the watcher (its cursor's
key). A run that consumes several of one watcher's events covers them from the earliest start to
the latest end: windows announced again, or a gap left where a watcher started over, are then
read by the pull, which goes on from its own record of what it pulled (``events.pulls``). Events of
two watchers in one run are an error that names a window of each; windows announced before
events named their watcher must be contiguous (an identical one twice counts once).
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
    """One event's window ``[start, end)`` (aware), the asset whose event carried it, and the watcher
    that announced it (its cursor's key; ``None`` for an event of an older release)."""

    start: datetime
    end: datetime
    asset: str
    watcher: str | None = None


def announced_windows(triggering_events: Any) -> list[AnnouncedWindow]:
    """The windows in a run's ``triggering_asset_events`` that a ``ClueEventTrigger`` announced
    (asset events whose extra is ``{"from_trigger": True, "payload": {"created_at": [start, end], ...}}``)."""
    if not isinstance(triggering_events, Mapping):
        return []
    windows = []
    for asset, events in triggering_events.items():
        for event in events:
            extra = getattr(event, "extra", None)
            bounds = _announced_bounds(extra)
            if bounds is not None:
                watcher = extra["payload"].get("watcher")  # type: ignore[index]
                windows.append(AnnouncedWindow(*bounds, asset=str(getattr(asset, "name", asset)),
                                               watcher=watcher if isinstance(watcher, str) else None))
    return windows


def union_of(windows: Sequence[AnnouncedWindow]) -> tuple[datetime, datetime] | None:
    """The one window ``[start, end)`` that ``windows`` span, or ``None`` when there are none.

    :raises ClueValidationError: on ``created_at`` if they come from two watchers, or if windows
        that name no watcher overlap or leave a gap.
    """
    if not windows:
        return None
    by_watcher = {window.watcher: window for window in windows}
    if len(by_watcher) > 1:
        one, other = sorted(by_watcher.values(), key=_bounds)[:2]
        raise ClueValidationError(
            "created_at",
            f"the run's triggering asset events announced {_describe(one)} and {_describe(other)}, windows of two "
            "ClueEventTriggers (two watchers, or one whose connection, account, stage, filters or start changed), "
            "and a run pulls the windows of one: give each watcher an asset and a DAG of its own, or pass created_at",
        )
    distinct = sorted({(window.start, window.end): window for window in windows}.values(), key=_bounds)
    if None in by_watcher:
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
    return distinct[0].start, max(window.end for window in distinct)


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
