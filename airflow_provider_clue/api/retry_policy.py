"""When and how long to wait before trying a request again."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, TypeVar

from airflow_provider_clue.exceptions import ClueAPIError, ClueRateLimitError

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date; ``None`` if absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, moment.timestamp() - now())


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded in tries and in total waiting.

    :param max_retries: retries after the first try.
    :param max_total_wait: seconds all waits of one request may add up to; a wait that would pass
        it (a long ``Retry-After`` included) ends the retries with the last error.
    :param base_delay: the first backoff's upper bound; it doubles each retry.
    :param max_delay: the cap of one backoff (a server's ``Retry-After`` is honoured above it).
    """

    max_retries: int = 5
    max_total_wait: float = 120.0
    base_delay: float = 0.5
    max_delay: float = 30.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, retry_number: int, error: ClueAPIError) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based) after ``error``.

        A 429 waits its ``Retry-After`` when given, and at least ``base_delay * 2`` otherwise, so a
        rate-limited client never comes straight back.
        """
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry_number - 1))
        if isinstance(error, ClueRateLimitError):
            if error.retry_after is not None:
                return error.retry_after + self.rng.uniform(0, 0.1)
            floor = min(self.max_delay, self.base_delay * 2)
            return self.rng.uniform(floor, max(floor, ceiling))
        return self.rng.uniform(0, ceiling)


def call_with_retries(
    attempt: Callable[[], T],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], object] = time.sleep,
    on_retry: Callable[[ClueAPIError, int, float], None] | None = None,
) -> T:
    """Call ``attempt`` until it returns, retrying errors whose ``retryable`` is true.

    ``on_retry(error, retry_number, delay)`` is called before each wait.
    """
    waited = 0.0
    retry_number = 0
    while True:
        try:
            return attempt()
        except ClueAPIError as error:
            if not error.retryable or retry_number >= policy.max_retries:
                raise
            retry_number += 1
            delay = policy.delay(retry_number, error)
            if waited + delay > policy.max_total_wait:
                raise
            if on_retry is not None:
                on_retry(error, retry_number, delay)
            sleep(delay)
            waited += delay
