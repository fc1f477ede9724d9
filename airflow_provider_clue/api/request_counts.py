"""Counts of the requests and retries a client or a pull made, and the logger protocol they report to."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Protocol


class WarningLogger(Protocol):
    """Anything with logging-style ``info`` and ``warning`` (the standard library's, or Airflow's structlog)."""

    def info(self, event: Any, *args: Any) -> Any: ...

    def warning(self, event: Any, *args: Any) -> Any: ...


@dataclass
class RequestCounts:
    """Requests sent and retries made by one client or one pull (threads update it under a lock).

    :param parent: counts that take every count of these too (a pull's client's).
    """

    requests: int = 0
    retries: int = 0
    retried_errors: dict[str, int] = field(default_factory=dict)
    parent: RequestCounts | None = field(default=None, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add_request(self) -> None:
        with self._lock:
            self.requests += 1
        if self.parent is not None:
            self.parent.add_request()

    def add_retry(self, error_name: str) -> None:
        with self._lock:
            self.retries += 1
            self.retried_errors[error_name] = self.retried_errors.get(error_name, 0) + 1
        if self.parent is not None:
            self.parent.add_retry(error_name)


def log_retry(
    logger: WarningLogger, counts: RequestCounts, max_retries: int, error: Exception, retry_number: int, delay: float
) -> None:
    """Count a retry and log it (the error's message is free of secrets and personal data); a spent
    budget's 429 is the request's turn, not one of its retries, and says so."""
    name = type(error).__name__
    counts.add_retry(name)
    if getattr(error, "budget_spent", False):
        logger.warning("The token's budget is spent (HTTP 429): trying again in %.2fs, at its reset", delay)
        return
    logger.warning("Retry %d of %d in %.2fs after %s: %s", retry_number, max_retries, delay, name, error)
