"""How many requests of one client may be in flight: lowered on 429, raised again after successes."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_clue.client import WarningLogger

RECOVER_AFTER = 8


class ConcurrencyLimit:
    """An adjustable semaphore with additive-increase, multiplicative-decrease on rate limiting.

    A 429 halves the limit (once per burst: requests that started before the last cut do not
    cut it again) and pauses every thread until its ``Retry-After`` has passed; each run of
    ``recover_after`` successes in a row raises it by one, back up to ``maximum``.

    :param maximum: the most requests in flight (the pull's ``max_concurrency``).
    :param logger: where changes of the limit are logged.
    :param recover_after: successes in a row that raise the limit by one.
    :param clock: a monotonic clock.
    """

    def __init__(
        self,
        maximum: int,
        *,
        logger: WarningLogger,
        recover_after: int = RECOVER_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.maximum = maximum
        self.limit = maximum
        self.lowest = maximum
        self._log = logger
        self._recover_after = recover_after
        self._clock = clock
        self._condition = threading.Condition()
        self._in_flight = 0
        self._generation = 0
        self._successes = 0
        self._paused_until = 0.0

    def acquire(self) -> int:
        """Wait for a free slot (and the end of any pause); returns a ticket for :meth:`release`."""
        with self._condition:
            while True:
                pause = self._paused_until - self._clock()
                if pause > 0:
                    self._condition.wait(pause)
                elif self._in_flight >= self.limit:
                    self._condition.wait()
                else:
                    self._in_flight += 1
                    return self._generation

    def release(self, ticket: int, *, rate_limited: bool = False, retry_after: float | None = None) -> None:
        """Free the slot taken with ``ticket``, telling whether the request was rate limited."""
        with self._condition:
            self._in_flight -= 1
            if rate_limited:
                self._on_rate_limited(ticket, retry_after)
            else:
                self._on_success()
            self._condition.notify_all()

    def _on_rate_limited(self, ticket: int, retry_after: float | None) -> None:
        self._successes = 0
        if retry_after:
            self._paused_until = max(self._paused_until, self._clock() + retry_after)
        if ticket != self._generation or self.limit == 1:
            return
        self._generation += 1
        self.limit = max(1, self.limit // 2)
        self.lowest = min(self.lowest, self.limit)
        self._log.warning(
            "Rate limited (HTTP 429): concurrency lowered to %d of %d%s", self.limit, self.maximum,
            f", pausing {retry_after:.1f}s as Retry-After asks" if retry_after else "",
        )

    def _on_success(self) -> None:
        if self.limit >= self.maximum:
            return
        self._successes += 1
        if self._successes >= self._recover_after:
            self._successes = 0
            self.limit += 1
            self._log.info(
                "%d requests without a 429: concurrency raised to %d of %d", self._recover_after, self.limit,
                self.maximum,
            )
