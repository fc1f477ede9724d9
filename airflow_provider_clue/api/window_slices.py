"""Split a ``created_at`` window into consecutive slices that can be paged on their own."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from airflow_provider_clue.api.api_time import API_TIME_FORMAT


def seconds_in(bounds: tuple[str, str]) -> int:
    """How many whole seconds the inclusive API bounds ``[first, last]`` cover."""
    first, last = (datetime.strptime(bound, API_TIME_FORMAT) for bound in bounds)
    return int((last - first).total_seconds()) + 1


def split_bounds(bounds: tuple[str, str], parts: int) -> list[tuple[str, str]]:
    """Split inclusive API bounds into ``parts`` (at most one per second) slices, newest first.

    The slices are inclusive too, each ending one second before the next begins, so together
    they cover ``bounds`` exactly once. Times are wall-clock seconds in the API's zone, compared
    as the API compares its ``created_at`` strings.
    """
    first = datetime.strptime(bounds[0], API_TIME_FORMAT)
    span = seconds_in(bounds)
    parts = max(1, min(parts, span))
    edges = [first + timedelta(seconds=span * number // parts) for number in range(parts + 1)]
    slices = [
        (start.strftime(API_TIME_FORMAT), (end - timedelta(seconds=1)).strftime(API_TIME_FORMAT))
        for start, end in itertools.pairwise(edges)
    ]
    return slices[::-1]
