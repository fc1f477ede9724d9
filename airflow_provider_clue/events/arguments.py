"""``ClueEventTrigger``'s arguments: checked where the DAG is parsed, JSON-safe, no secret in them."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from airflow_provider_clue.api.api_time import API_YEARS
from airflow_provider_clue.api.filters import ClueFilters
from airflow_provider_clue.api.request_validation import check_positive_int, check_stage, check_user_id
from airflow_provider_clue.exceptions import ClueValidationError

MIN_POLL_INTERVAL = 1.0


@dataclass(frozen=True)
class EventWatcherArguments:
    """What a watcher watches (connection, account, stage, filters, start) and how it paces itself."""

    clue_conn_id: str
    user_id: str | None
    stage: str
    filters: dict[str, Any]
    poll_interval: float
    settle: float
    min_count: int
    start: str | None

    @classmethod
    def of(
        cls,
        *,
        clue_conn_id: object,
        user_id: object,
        stage: object,
        filters: object,
        poll_interval: object,
        settle: object,
        min_count: object,
        start: object,
    ) -> EventWatcherArguments:
        """Check every argument; raise :class:`ClueValidationError` naming the first bad one."""
        if not isinstance(clue_conn_id, str) or not clue_conn_id.strip():
            raise ClueValidationError("clue_conn_id", f"expected a connection id, got {clue_conn_id!r}")
        return cls(
            clue_conn_id=clue_conn_id,
            user_id=None if user_id is None else check_user_id(user_id),
            stage=check_stage(stage),
            filters=ClueFilters.without_window(filters, zone=timezone.utc).to_json_body(),  # type: ignore[arg-type]
            poll_interval=_seconds("poll_interval", poll_interval, minimum=MIN_POLL_INTERVAL),
            settle=_seconds("settle", settle, minimum=0.0),
            min_count=check_positive_int("min_count", min_count),
            start=_start(start),
        )

    def as_kwargs(self) -> dict[str, Any]:
        return asdict(self)

    def identity(self) -> dict[str, Any]:
        """What decides which clues the watcher announces (the key of its cursor's lineage)."""
        return {"clue_conn_id": self.clue_conn_id, "user_id": self.user_id, "stage": self.stage,
                "filters": self.filters, "start": self.start}


def _seconds(name: str, value: object, *, minimum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < minimum:
        raise ClueValidationError(name, f"expected a number of seconds >= {minimum:g}, got {value!r}")
    return float(value)


def _start(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ClueValidationError(
            "start", "expected an aware datetime or ISO 8601 with an offset, e.g. '2026-12-01T00:00:00+08:00'"
        )
    if not API_YEARS[0] <= value.year <= API_YEARS[1]:
        raise ClueValidationError("start", f"{value.isoformat()} is outside the years {API_YEARS[0]} to {API_YEARS[1]}")
    if value.microsecond:  # windows are whole seconds: the first starts at the next one
        value = value.replace(microsecond=0) + timedelta(seconds=1)
    return value.isoformat()
