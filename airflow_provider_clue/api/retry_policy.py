"""When and how long to wait before trying a request again."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, TypeVar

from airflow_provider_clue.exceptions import ClueAPIError, ClueRateLimitError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

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

    A 429 of a spent budget (``ClueRateLimitError.budget_spent``) is the request's turn, not a failed
    try: it waits exactly until the reset, and neither uses up a retry nor adds to the total wait, as
    other pulls of the token may take each window's budget before it. Only a reset further away
    than ``max_total_wait``, or ``max_budget_turns`` of them in a row, ends the retries.

    :param max_retries: retries after the first try.
    :param max_total_wait: seconds all waits of one request may add up to; a wait that would pass
        it (a long ``Retry-After`` included) ends the retries with the last error.
    :param base_delay: the first backoff's upper bound; it doubles each retry.
    :param max_delay: the cap of one backoff (a server's ``Retry-After`` is honoured above it).
    :param max_budget_turns: resets of a spent budget one request waits for before giving up.
    """

    max_retries: int = 5
    max_total_wait: float = 120.0
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_budget_turns: int = 50
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, retry_number: int, error: ClueAPIError) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based) after ``error``.

        A 429 waits its ``Retry-After`` when given, and at least ``base_delay * 2`` otherwise, so a
        rate-limited client never comes straight back.
        """
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry_number - 1))
        if isinstance(error, ClueRateLimitError):
            if error.budget_spent and error.retry_after is not None:
                return error.retry_after  # the reset, as every other request of the token waits for it
            if error.retry_after is not None:
                return error.retry_after + self.rng.uniform(0, 0.1)
            floor = min(self.max_delay, self.base_delay * 2)
            return self.rng.uniform(floor, max(floor, ceiling))
        return self.rng.uniform(0, ceiling)


class RetryBudget:
    """The retries left to one request under ``policy``: the one place that decides whether, and
    how long, to wait before trying again (the sync and async loops below only do the waiting)."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.retry_number = 0
        self.budget_turns = 0
        self._waited = 0.0

    def next_delay(self, error: ClueAPIError) -> float | None:
        """Seconds to wait before retrying after ``error``, or ``None``: give up and raise it."""
        if isinstance(error, ClueRateLimitError) and error.budget_spent:
            return self._budget_turn(error)
        if not error.retryable or self.retry_number >= self.policy.max_retries:
            return None
        delay = self.policy.delay(self.retry_number + 1, error)
        if self._waited + delay > self.policy.max_total_wait:
            return None
        self.retry_number += 1
        self._waited += delay
        return delay

    def _budget_turn(self, error: ClueRateLimitError) -> float | None:
        delay = self.policy.delay(self.retry_number + 1, error)
        if self.budget_turns >= self.policy.max_budget_turns or delay > self.policy.max_total_wait:
            return None
        self.budget_turns += 1
        return delay


def call_with_retries(
    attempt: Callable[[], T],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], object] = time.sleep,
    on_retry: Callable[[ClueAPIError, int, float], None] | None = None,
) -> T:
    """Call ``attempt`` until it returns, retrying as :class:`RetryBudget` decides.

    ``on_retry(error, retry_number, delay)`` is called before each wait.
    """
    budget = RetryBudget(policy)
    while True:
        try:
            return attempt()
        except ClueAPIError as error:
            delay = budget.next_delay(error)
            if delay is None:
                raise
            if on_retry is not None:
                on_retry(error, budget.retry_number, delay)
            sleep(delay)


async def acall_with_retries(
    attempt: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    on_retry: Callable[[ClueAPIError, int, float], None] | None = None,
) -> T:
    """:func:`call_with_retries` for coroutines: the waits are ``await sleep(delay)``, holding no thread."""
    budget = RetryBudget(policy)
    while True:
        try:
            return await attempt()
        except ClueAPIError as error:
            delay = budget.next_delay(error)
            if delay is None:
                raise
            if on_retry is not None:
                on_retry(error, budget.retry_number, delay)
            await sleep(delay)
