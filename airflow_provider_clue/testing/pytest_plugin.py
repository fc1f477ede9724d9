"""Pytest fixtures (registered through the ``pytest11`` entry point).

``clue_emulator`` gives each test a running :class:`ClueEmulator` (1,000 records, seed 0) and
points the ``clue_default`` connection at it through ``AIRFLOW_CONN_CLUE_DEFAULT``;
``clue_variables`` keeps the provider's Variables (cursors) in memory for the test's duration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from airflow_provider_clue.testing.emulator import ClueEmulator
    from airflow_provider_clue.testing.variables import MemoryVariables


@pytest.fixture
def clue_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[ClueEmulator]:
    """A running emulator, with ``clue_default`` pointing at it for the test's duration."""
    from airflow_provider_clue.testing.emulator import ClueEmulator

    with ClueEmulator() as emulator:
        for name, value in emulator.airflow_env().items():
            monkeypatch.setenv(name, value)
        yield emulator


@pytest.fixture
def clue_variables() -> Iterator[MemoryVariables]:
    """The provider's Variables (a watcher's cursor, a pull's record of its windows) in memory."""
    from airflow_provider_clue.testing.variables import memory_variables

    with memory_variables() as variables:
        yield variables
