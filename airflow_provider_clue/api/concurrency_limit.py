"""How many requests of one client may be in flight: lowered on 429, raised again after successes.

The limit is shared by every pull of the client (they share its token, so a 429 concerns them
all); each pull holds a :class:`Watch` of its own: its stop signal, and the lowest limit while it ran.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Literal

from airflow_provider_clue.api.server_budget import ServerBudget

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_clue.api.request_counts import WarningLogger

RECOVER_AFTER = 8
# "throttled": a 429 whose throttle headers say when the token's budget resets (see ServerBudget);
# "rate_limited": a 429 without them
Outcome = Literal["success", "throttled", "rate_limited", "failed"]


class Interrupted(Exception):
    """A request was not sent because its pull is over (see :meth:`ConcurrencyLimit.stop`)."""


class Watch:
    """One pull's hold on a shared :class:`ConcurrencyLimit`: its stop signal and the lowest limit it saw."""

    def __init__(self, lowest: int) -> None:
        self.lowest = lowest
        self.stopped = False


class ConcurrencyLimit:
    """An adjustable semaphore with additive-increase, multiplicative-decrease on rate limiting.

    A 429 halves the limit (once per burst: requests that started before the last cut do not
    cut it again) and pauses every thread until its ``Retry-After`` has passed (at most
    ``max_pause`` seconds); each run of ``recover_after`` successes in a row, among requests
    started since the last cut, raises it by one, back up to ``maximum``. Other failures (5xx,
    timeouts) neither lower nor raise it.

    A server that sends throttle headers is followed instead (:class:`ServerBudget`): its spent
    budget pauses every thread until the reset, its second half caps them at one request in
    flight, and its 429s do not lower the limit (the window's budget, not concurrency, ran out).

    :param maximum: the most requests in flight (the client's ``max_concurrency``).
    :param logger: where changes of the limit are logged.
    :param max_pause: the longest a ``Retry-After`` pauses the other threads.
    :param recover_after: successes in a row that raise the limit by one.
    :param budget: the server's budget for the client's token, as its answers report it.
    :param clock: a monotonic clock.
    """

    def __init__(
        self,
        maximum: int,
        *,
        logger: WarningLogger,
        budget: ServerBudget | None = None,
        max_pause: float = float("inf"),
        recover_after: int = RECOVER_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.maximum = maximum
        self.limit = maximum
        self._log = logger
        self._max_pause = max_pause
        self._recover_after = recover_after
        self._clock = clock
        self.budget = budget or ServerBudget(clock=clock)
        self._condition = threading.Condition()
        self._in_flight = 0
        self._generation = 0
        self._successes = 0
        self._paused_until = 0.0
        self._watches: set[Watch] = set()

    def acquire(self, watch: Watch | None = None) -> int:
        """Wait for a free slot (and the end of any pause); returns a ticket for :meth:`release`.

        :param watch: the pull asking, if any.
        :raises Interrupted: when ``watch`` is stopped (see :meth:`stop`).
        """
        with self._condition:
            while True:
                pause = max(self._paused_until - self._clock(), self.budget.pause_left())
                if watch is not None and watch.stopped:
                    raise Interrupted("the pull is over")
                if pause > 0:
                    self._condition.wait(pause)
                elif self._in_flight >= self.budget.in_flight_cap(self.limit):
                    self._condition.wait()
                else:
                    self._in_flight += 1
                    return self._generation

    def release(self, ticket: int, outcome: Outcome, *, retry_after: float | None = None) -> None:
        """Free the slot taken with ``ticket``, telling how the request went."""
        with self._condition:
            self._in_flight -= 1
            if outcome == "rate_limited":
                self._on_rate_limited(ticket, retry_after)
            elif outcome == "success" and ticket == self._generation:
                self._on_success()
            self._condition.notify_all()

    def watch(self, watch: Watch) -> None:
        """Report cuts to ``watch`` from now on (a pull begins); its ``lowest`` starts at the current limit."""
        with self._condition:
            watch.lowest = self.limit
            watch.stopped = False
            self._watches.add(watch)

    def stop(self, watch: Watch) -> None:
        """Stop ``watch`` (its pull is over): its waiting and future :meth:`acquire` calls raise
        :class:`Interrupted`; other watches' requests go on."""
        with self._condition:
            watch.stopped = True
            self._watches.discard(watch)
            self._condition.notify_all()

    def _on_rate_limited(self, ticket: int, retry_after: float | None) -> None:
        self._successes = 0
        if retry_after:
            pause = min(retry_after, self._max_pause)
            self._paused_until = max(self._paused_until, self._clock() + pause)
        if ticket != self._generation or self.limit == 1:
            return
        self._generation += 1
        self.limit = max(1, self.limit // 2)
        for watch in self._watches:
            watch.lowest = min(watch.lowest, self.limit)
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
