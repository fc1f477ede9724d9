"""The server's request budget for one token, as one client has seen it in the throttle headers.

Pulls in other processes (other workers' tasks) spend the same budget, so a client cannot count it
for itself: it reads what the server says is left, and keeps at most an eighth of that in flight
(:data:`SHARERS`; at least one request, at most its own limit). Up to eight clients sharing a token
then never have more in flight than is left, and as the budget runs out they go one request at a
time, so each loses at most one request to the 429 that ends a window. That 429 tells when the
window resets, and until then the client sends nothing.

Until an answer has told the budget, and with a server that sends no throttle headers, only the
client's own limits hold: no cap, and a pause only when a 429's ``Retry-After`` asks for one.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_clue.api.rate_limit_headers import RateLimitHeaders

SHARERS = 8  # clients of one token whose requests in flight together stay within what is left


class ServerBudget:
    """What is left of the token's budget and when a spent one resets; safe to share between threads.

    :param clock: a monotonic clock.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.limit: int | None = None
        self.remaining: int | None = None
        self._resumes_at = 0.0

    def observe(self, headers: RateLimitHeaders | None) -> bool:
        """Take in one answer's throttle headers (``None``: it had none); True when it was a spent
        budget's 429, which says when to resume."""
        if headers is None:
            return False
        with self._lock:
            self.limit, self.remaining = headers.limit, headers.remaining
            if headers.reset_in is None:
                return False
            self._resumes_at = max(self._resumes_at, self._clock() + headers.reset_in)
            return True

    def pause_for(self, seconds: float) -> None:
        """Send nothing for ``seconds``: a 429 without throttle headers asked for it (``Retry-After``)."""
        with self._lock:
            self._resumes_at = max(self._resumes_at, self._clock() + seconds)

    def pause_left(self) -> float:
        """Seconds until the spent budget resets (0 when requests may go)."""
        return max(0.0, self._resumes_at - self._clock())

    def in_flight_cap(self, maximum: int) -> int:
        """How many requests may be in flight now, out of the client's own ``maximum``."""
        if self.remaining is None:
            return maximum
        return max(1, min(maximum, self.remaining // SHARERS))
