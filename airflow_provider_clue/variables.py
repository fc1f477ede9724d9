"""Airflow Variables as the provider keeps its cursors in them: text under a key, from a task or a trigger.

A ``ClueEventTrigger``'s cursor and a pull's record of the windows it pulled live in Variables:
they outlive any one trigger, asset, DAG file or run, show in Airflow's UI, and exist on every
Airflow minor. Variables have only a blocking API, so a trigger reads and writes them off the
event loop (``asgiref``'s ``sync_to_async``), as Airflow's own sync lookups are run from a
coroutine. Code that runs a watcher or a pull outside Airflow (tests, a quick try) swaps the
backend for :class:`airflow_provider_clue.testing.MemoryVariables` with :func:`variables_backend`.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterator


class VariableBackend(Protocol):
    """Reads and writes Variables (text values); ``blocking``: its calls wait on I/O (run them off the loop)."""

    blocking: bool

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, *, description: str) -> None: ...


class AirflowVariables:
    """Airflow's own Variables (``airflow.sdk.Variable``), as a task or a trigger reaches them."""

    blocking = True

    def get(self, key: str) -> str | None:
        from airflow_provider_clue.compat import variable_get

        value = variable_get(key)
        return None if value is None else str(value)

    def set(self, key: str, value: str, *, description: str) -> None:
        from airflow_provider_clue.compat import Variable

        Variable.set(key, value, description=description)


_backend: VariableBackend = AirflowVariables()


def get(key: str) -> str | None:
    """The Variable's text, or ``None`` when there is none."""
    return _backend.get(key)


def put(key: str, value: str, *, description: str) -> None:
    """Write the Variable (create or replace)."""
    _backend.set(key, value, description=description)


async def aget(key: str) -> str | None:
    """:func:`get`, off the event loop when the backend blocks."""
    if not _backend.blocking:
        return _backend.get(key)
    from asgiref.sync import sync_to_async

    return await sync_to_async(_backend.get)(key)


async def aput(key: str, value: str, *, description: str) -> None:
    """:func:`put`, off the event loop when the backend blocks."""
    if not _backend.blocking:
        _backend.set(key, value, description=description)
        return
    from asgiref.sync import sync_to_async

    await sync_to_async(_backend.set)(key, value, description=description)


@contextmanager
def variables_backend(backend: VariableBackend) -> Iterator[VariableBackend]:
    """Use ``backend`` for every Variable the provider reads or writes until the block ends."""
    global _backend
    previous, _backend = _backend, backend
    try:
        yield backend
    finally:
        _backend = previous
