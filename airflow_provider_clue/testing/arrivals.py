"""When the emulator's clues arrive: busy working hours, quiet nights, bulk imports, midnight edges.

Deterministic for a seed, and cheap enough for a million records (one random draw each): each
hour gets its share of the regular arrivals, spread over it with jitter.
"""

from __future__ import annotations

import bisect
import itertools
import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

# Relative arrival rate by local hour on a working day: office hours, a lunch dip, quiet nights.
HOURLY_RATE = (
    0.03, 0.02, 0.02, 0.02, 0.02, 0.03, 0.08, 0.25, 0.7, 1.0, 1.0, 0.95,
    0.55, 0.7, 1.0, 1.0, 0.95, 0.85, 0.55, 0.4, 0.35, 0.3, 0.15, 0.06,
)
WEEKEND_RATE = 0.35
DAY_RATE = (0.7, 1.3)  # each day's rate is scaled by a random factor in this range
BULK_SHARE = 0.2  # of the records arrive in bulk imports (spreadsheets), each within one second
BULK_SIZE = (100, 500)
BULK_MIN_RECORDS = 500  # smaller pools get no bulk imports
HOUR = 3600


def arrival_times(count: int, start: int, end: int, zone: ZoneInfo, seed: int) -> list[int]:
    """``count`` creation times (Unix seconds) in ``[start, end)``, sorted.

    Most arrive one by one at a rate that follows the local working day (:data:`HOURLY_RATE`,
    weekends at :data:`WEEKEND_RATE`, each day scaled by a factor in :data:`DAY_RATE`). In a pool of
    at least :data:`BULK_MIN_RECORDS`, :data:`BULK_SHARE` of them arrive in bulk imports of
    :data:`BULK_SIZE` records, each import within one second drawn from the same rate. When there
    are enough records, each local midnight in the range gets one record exactly on it and one a
    second before, to test window edges.
    """
    if count <= 0:
        return []
    rng = random.Random(seed)
    rate = _HourlyRate(start, end, zone, rng)
    bulk = _bulk_sizes(count, rng)
    single = count - sum(bulk)
    times = rate.spread(single, rng)
    edges = _midnight_edges(start, end, zone)
    if edges and len(edges) * 4 <= single:
        for index, moment in enumerate(edges):
            times[(index * single) // len(edges)] = moment
    for size in bulk:
        times += [rate.moment(rng.random())] * size
    times.sort()
    return times


class _HourlyRate:
    """The arrival rate over ``[start, end)``, hour by hour."""

    def __init__(self, start: int, end: int, zone: ZoneInfo, rng: random.Random) -> None:
        self._hours = [(hour_start, min(HOUR, end - hour_start)) for hour_start in range(start, end, HOUR)]
        day_rates: dict[object, float] = {}
        weights = []
        for hour_start, length in self._hours:
            local = datetime.fromtimestamp(hour_start, zone)
            day_rate = day_rates.setdefault(local.date(), rng.uniform(*DAY_RATE))
            weekday_rate = WEEKEND_RATE if local.weekday() >= 5 else 1.0
            weights.append(HOURLY_RATE[local.hour] * weekday_rate * day_rate * length / HOUR)
        self._cumulative = [0.0, *itertools.accumulate(weights)]

    def spread(self, count: int, rng: random.Random) -> list[int]:
        """``count`` moments, sorted: each hour gets its share of them, spread over it with jitter."""
        scale = count / self._cumulative[-1]
        times: list[int] = []
        for (hour_start, length), low, high in zip(
            self._hours, self._cumulative, self._cumulative[1:], strict=False
        ):
            first, last = round(low * scale), round(high * scale)
            step = length / max(1, last - first)
            times += [hour_start + int((index + rng.random()) * step) for index in range(last - first)]
        return times

    def moment(self, share: float) -> int:
        """The second by which ``share`` (0 to 1) of the arrivals have come."""
        target = share * self._cumulative[-1]
        hour = min(bisect.bisect_right(self._cumulative, target) - 1, len(self._hours) - 1)
        low, high = self._cumulative[hour], self._cumulative[hour + 1]
        hour_start, length = self._hours[hour]
        offset = int((target - low) / (high - low) * length) if high > low else 0
        return hour_start + min(offset, length - 1)


def _bulk_sizes(count: int, rng: random.Random) -> list[int]:
    """The sizes of the bulk imports of a pool of ``count`` records."""
    if count < BULK_MIN_RECORDS:
        return []
    remaining = int(count * BULK_SHARE)
    sizes = []
    while remaining >= BULK_SIZE[0]:
        size = min(remaining, rng.randint(*BULK_SIZE))
        if remaining - size < BULK_SIZE[0]:
            size = remaining
        sizes.append(size)
        remaining -= size
    return sizes


def _midnight_edges(start: int, end: int, zone: ZoneInfo) -> list[int]:
    """Each local midnight after ``start`` and before ``end``, and the second before it."""
    edges = []
    day = datetime.fromtimestamp(start, zone).replace(hour=0, minute=0, second=0) + timedelta(days=1)
    while day.timestamp() < end:
        edges += [int(day.timestamp()), int(day.timestamp()) - 1]
        day = (day + timedelta(days=1, hours=2)).replace(hour=0)
    return edges
