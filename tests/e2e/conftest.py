"""One Airflow deployment and one emulator for the whole end-to-end suite."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pendulum
import pytest

from tests.e2e.deployment import Deployment, prepare_dags

if TYPE_CHECKING:
    from collections.abc import Iterator

    from airflow_provider_clue.testing import ClueEmulator

TODAY = pendulum.now("Asia/Shanghai").start_of("day")
USERS = ("40863af8-db4a-41c6-a269-eb5bc386d97f", "0b7e7f58-59a4-4d3e-9c59-0a9a4e3c2f11")
DAG_COUNT = 6  # the four examples and the two of tests/e2e/dags
WATCH_START = pendulum.now("Asia/Shanghai").start_of("second")  # where clue_on_new_clues's first window starts


@pytest.fixture(scope="package")
def emulator() -> Iterator[ClueEmulator]:
    from airflow_provider_clue.testing import ClueEmulator

    # empty: the sensor's run must find nothing until clues arrive
    with ClueEmulator(records=0, user_ids=USERS) as running:
        yield running


@pytest.fixture(scope="package")
def deployment(emulator: ClueEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("airflow-deployment")
    # two intervals back: the ticks of yesterday's and today's local midnight are due
    daily_start = TODAY.subtract(days=2).add(seconds=1).isoformat()
    prepare_dags(home / "dags", daily_start=daily_start, watch_start=WATCH_START.isoformat())
    env = {**emulator.airflow_env(), "CLUE_OUTPUT_ROOT": f"file://{home}/output"}
    with Deployment(home, env).serving(DAG_COUNT) as running:
        yield running


