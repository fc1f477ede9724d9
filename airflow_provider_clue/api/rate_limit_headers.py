"""What a Laravel API's throttle headers say: the token's budget, and when a spent one resets.

Laravel's ``throttle`` middleware sends ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining`` on every
answer, and on a 429 also ``Retry-After`` (whole seconds) and ``X-RateLimit-Reset`` (a Unix second).
Its window is fixed, opened by the first counted hit; its length is never sent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


@dataclass(frozen=True)
class RateLimitHeaders:
    """The budget of the token as one answer reports it.

    :param limit: requests per window.
    :param remaining: requests left in the window after this answer (0 on a 429).
    :param reset_in: on a 429 with ``Retry-After``, the seconds until the window resets; else None.
    """

    limit: int
    remaining: int
    reset_in: float | None = None


def rate_limit_headers(headers: Mapping[str, str], *, now: Callable[[], float] = time.time) -> RateLimitHeaders | None:
    """The throttle headers of one answer, or ``None`` when it has none (or they are not whole numbers)."""
    limit, remaining = (_whole(headers.get(name)) for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining"))
    if limit is None or remaining is None:
        return None
    retry_after = _whole(headers.get("Retry-After"))
    if retry_after is None:
        return RateLimitHeaders(limit, remaining)
    reset_at = _whole(headers.get("X-RateLimit-Reset"))
    return RateLimitHeaders(limit, remaining, seconds_until_reset(retry_after, reset_at, now()))


def seconds_until_reset(retry_after: int, reset_at: int | None, now: float) -> float:
    """How long to wait for a spent window to reset, to the fraction of a second where the clocks allow.

    ``Retry-After`` counts whole seconds from the server's clock, so the reset is in
    ``(retry_after - 1, retry_after]``; ``X-RateLimit-Reset`` pins it to a Unix second, exact by a
    clock in step with the server's. Read by the local clock and kept inside that interval, the wait
    is exact when the clocks agree and never worse than ``Retry-After`` alone when they do not.
    ``Retry-After: 0`` (a cache store expiring the window within its reset second) waits out that second.
    """
    if retry_after <= 0:
        lowest, highest, reset_at = 0.0, 1.0, None if reset_at is None else reset_at + 1
    else:
        lowest, highest = retry_after - 1.0, float(retry_after)
    if reset_at is None:
        return highest
    return min(highest, max(lowest, reset_at - now))


def _whole(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None
