"""Shared test set-up: an isolated AIRFLOW_HOME and emulators with custom settings."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="clue-airflow-home-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

from airflow_provider_clue.testing import ClueEmulator

EmulatorFactory = Callable[..., ClueEmulator]


@pytest.fixture
def make_emulator() -> Iterator[EmulatorFactory]:
    """Start emulators with custom arguments; all are stopped after the test."""
    started: list[ClueEmulator] = []

    def start(**kwargs: Any) -> ClueEmulator:
        emulator = ClueEmulator(**kwargs).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()
