"""A ``ClueEventTrigger``'s cursor: where its next window starts, and the window it announced.

Stored as JSON under a key derived from what the watcher watches, in two steps per window:
``announced`` is written before the event is handed to the triggerer and cleared, with the
watermark moved to the window's end, once the event has had time to reach the metadata
database. A trigger rebuilt in between finds ``announced`` and announces that window again with
the same bounds, so windows are never lost and never overlap. ``last`` keeps the last window
announced, which a trigger announces once more when it starts.

Cursors are ordered by :meth:`Watermark.position`: a window announced lies after the watermark it
starts at and before the one it ends at. A cursor only ever moves forward.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider_clue.windows.event_windows import payload_bounds
from airflow_provider_clue.windows.run_window import ClueWindow
from airflow_provider_clue.windows.schedule_grid import utc

if TYPE_CHECKING:
    from collections.abc import Mapping
    from zoneinfo import ZoneInfo

KEY_PREFIX = "clue_event_watermark"


@dataclass(frozen=True)
class Watermark:
    """The start of the next window (aware), the payload announced but not yet done, if any, and the last
    payload announced (done or not)."""

    start: datetime
    announced: dict[str, Any] | None = None
    last: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"watermark": self.start.isoformat(), "announced": self.announced, "last": self.last}

    @classmethod
    def from_json(cls, stored: object) -> Watermark:
        """The cursor :meth:`to_json` wrote (or its JSON text, as a Variable holds it); one written
        before ``last`` existed has none.

        :raises ValueError: for anything else.
        """
        if isinstance(stored, str):
            stored = json.loads(stored)
        if not isinstance(stored, dict) or not isinstance(stored.get("watermark"), str):
            raise ValueError("not a ClueEventTrigger cursor")
        start = datetime.fromisoformat(stored["watermark"])
        announced, last = stored.get("announced"), stored.get("last")
        if start.tzinfo is None or not all(payload is None or _is_payload(payload) for payload in (announced, last)):
            raise ValueError("not a ClueEventTrigger cursor")
        return cls(start, announced, last if last is not None else announced)

    def position(self) -> tuple[datetime, int]:
        """Where the cursor stands: the watermark ``S`` (``(S, 1)``), or the window ``[S, E)`` it announced
        (``(E, 0)``), which lies after ``S`` and before the watermark ``E`` its done state moves to."""
        if self.announced is None:
            return utc(self.start), 1
        return utc(datetime.fromisoformat(self.announced["created_at"][1])), 0

    def announcing(self, payload: dict[str, Any]) -> Watermark:
        """This cursor with ``payload`` recorded as announced."""
        return replace(self, announced=payload, last=payload)

    def done(self) -> Watermark:
        """The cursor after the announced window: it starts where that window ended."""
        if self.announced is None:
            return self
        return Watermark(datetime.fromisoformat(self.announced["created_at"][1]), None, self.announced)

    def end_announced(self) -> datetime:
        """The end of the latest window announced: the watermark, or the end of the window announced."""
        if self.announced is None:
            return self.start
        return datetime.fromisoformat(self.announced["created_at"][1])


def watermark_key(identity: Mapping[str, Any]) -> str:
    """The store key for a watcher of ``identity`` (its connection, account, stage, filters and start).

    The arguments that only pace the watcher (``poll_interval``, ``settle``, ``min_count``) are left
    out, and so is the asset it watches: changing them in the DAG file (which makes Airflow build a
    new trigger), renaming the asset or moving the watcher to another one keeps the cursor.
    """
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return f"{KEY_PREFIX}_{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def next_window(watermark: datetime, now: datetime, settle: float, zone: ZoneInfo) -> ClueWindow:
    """``[watermark, now - settle)``, ending on a whole second, never inside an hour that ``zone``'s clock
    repeats (the API's strings cannot tell its two passes apart); empty while nothing has settled."""
    end = max(utc(watermark), utc(now - timedelta(seconds=settle)).replace(microsecond=0))
    return ClueWindow(utc(watermark), end, "explicit").ending_before_a_repeated_hour(zone)


def payload_of(window: ClueWindow, count: int, zone: ZoneInfo, watcher: str) -> dict[str, Any]:
    """The event's payload: ``{"created_at": [start, end], "count": n, "watcher": key}``, ISO 8601 in ``zone``;
    ``watcher`` is the cursor's key, which a pull of the window reads on to the watcher's latest window with."""
    return {"created_at": [window.start.astimezone(zone).isoformat(), window.end.astimezone(zone).isoformat()],
            "count": count, "watcher": watcher}


def _is_payload(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("created_at"), list) and payload_bounds(value) is not None
