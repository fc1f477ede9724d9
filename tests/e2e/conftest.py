"""One Airflow deployment and one emulator for the whole end-to-end suite."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.deployment import Deployment, prepare_dags
from tests.e2e.suite_settings import DAG_COUNT, TODAY, USERS, WATCH_START, WATCHED_DAGS, account_of

if TYPE_CHECKING:
    from collections.abc import Iterator

    from airflow_provider_clue.testing import ClueEmulator


@pytest.fixture(scope="package")
def emulator() -> Iterator[ClueEmulator]:
    from airflow_provider_clue.testing import ClueEmulator

    # empty: the sensor's run must find nothing until clues arrive
    watched = tuple(account_of(f"clue_e2e_watched_{name}") for name in WATCHED_DAGS)
    with ClueEmulator(records=0, user_ids=USERS + watched) as running:
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


