"""Shared test set-up: an isolated AIRFLOW_HOME and emulators with custom settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_clue.testing import ClueEmulator
from tests.airflow_env import DAGS_FOLDER, migrate_metadata_db, prepare_dags_folder  # sets up Airflow's environment

EmulatorFactory = Callable[..., ClueEmulator]


@pytest.fixture(scope="session", autouse=True)
def airflow_metadata_db(request: pytest.FixtureRequest) -> None:
    """Create the dags folder and the metadata DB once, before the first test, when a DAG test is selected."""
    if any(item.get_closest_marker("airflow_db") for item in request.session.items):
        prepare_dags_folder(Path(DAGS_FOLDER))
        migrate_metadata_db()


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A real S3 API: moto's server on loopback, one per test module."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


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
