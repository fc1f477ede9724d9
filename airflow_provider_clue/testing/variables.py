"""Airflow Variables in memory, for running a watcher or an event-driven pull without Airflow's API."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator


class MemoryVariables:
    """A dict of Variables (text values) that the provider reads and writes in place of Airflow's.

    ``writes`` lists every ``(key, value)`` written, in order. Safe to share between threads, and
    never blocks, so a trigger reads it on its event loop.
    """

    blocking = False

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self.values: dict[str, str] = dict(values or {})
        self.writes: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            return self.values.get(key)

    def set(self, key: str, value: str, *, description: str) -> None:
        with self._lock:
            self.values[key] = value
            self.writes.append((key, value))


@contextmanager
def memory_variables(values: dict[str, str] | None = None) -> Iterator[MemoryVariables]:
    """Keep the provider's Variables in a fresh :class:`MemoryVariables` until the block ends."""
    from airflow_provider_clue.variables import variables_backend

    with variables_backend(MemoryVariables(values)) as backend:
        yield backend  # type: ignore[misc]
