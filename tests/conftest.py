"""Shared test set-up: an isolated AIRFLOW_HOME and emulators with custom settings."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest

AIRFLOW_HOME = tempfile.mkdtemp(prefix="clue-airflow-home-")
DAGS_FOLDER = os.path.join(AIRFLOW_HOME, "dags")
os.environ["AIRFLOW_HOME"] = AIRFLOW_HOME
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = DAGS_FOLDER
OUTPUT_ROOT = os.path.join(AIRFLOW_HOME, "output")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["CLUE_OUTPUT_ROOT"] = f"file://{OUTPUT_ROOT}"

from airflow_provider_clue.testing import ClueEmulator  # noqa: E402 - after the Airflow environment is set

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
