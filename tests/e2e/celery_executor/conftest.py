"""One distributed deployment for this package: PostgreSQL as the metadata database, Redis as Celery's
broker, two ``airflow celery worker`` processes (``worker-a``, ``worker-b``) beside api-server,
scheduler, dag-processor and triggerer, and one emulator as the API. Every server is the tests' own,
on a free loopback port, started and stopped by process id."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest

from tests.e2e.celery_executor.accounts import ALL_USERS
from tests.e2e.celery_executor.postgres import PostgresCluster
from tests.e2e.celery_executor.redis_server import RedisServer
from tests.e2e.celery_executor.worker_hostname import WORKER_NAME, worker_name
from tests.e2e.deployment import COMPONENTS, REPO, Component, Deployment, rewrite

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from airflow_provider_clue.testing import ClueEmulator

WORKERS = ("worker-a", "worker-b")
WAITING_RUNS = 20
DAG_COUNT = 3  # the waiting example and the two of dags/clue_celery.py
# a worker lost is noticed within seconds, not Airflow's default five minutes
FAST_FAILURE_DETECTION = {
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "10",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "1",
    "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "2",
}


def worker(name: str, home: Path) -> Component:
    """One Celery worker, named in the hostname of the task instances it runs."""
    return Component(
        name,
        ("celery", "worker", "--concurrency", "4", "--celery-hostname", f"{name}@%h",
         "--pid", str(home / f"{name}.pid"), "--skip-serve-logs"),
        {WORKER_NAME: name, "AIRFLOW__CORE__HOSTNAME_CALLABLE": f"{worker_name.__module__}.{worker_name.__name__}"},
    )


def prepare_celery_dags(folder: Path) -> None:
    """The waiting example (poking every 2 s, up to ``WAITING_RUNS`` runs at once) and this package's DAGs."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("clue_wait_then_pull.py", "clue_output.py"):
        shutil.copy(REPO / "example_dags" / name, folder / name)
    rewrite(folder / "clue_wait_then_pull.py", "poke_interval=300", "poke_interval=2")
    rewrite(folder / "clue_wait_then_pull.py", "max_active_runs=1,", f"max_active_runs={WAITING_RUNS},")
    shutil.copy(REPO / "tests" / "e2e" / "celery_executor" / "dags" / "clue_celery.py", folder / "clue_celery.py")


@pytest.fixture(scope="package")
def celery_emulator() -> Iterator[ClueEmulator]:
    from airflow_provider_clue.testing import ClueEmulator

    with ClueEmulator(records=0, user_ids=ALL_USERS) as running:
        yield running


@pytest.fixture(scope="package")
def celery_deployment(celery_emulator: ClueEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("airflow-celery-deployment")
    prepare_celery_dags(home / "dags")
    with PostgresCluster(home / "logs-postgres.txt") as database, RedisServer(home / "logs-redis.txt") as broker:
        env = {
            **celery_emulator.airflow_env(),
            **FAST_FAILURE_DETECTION,
            "CLUE_OUTPUT_ROOT": f"file://{home}/output",
            "PYTHONPATH": str(REPO),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database.url,
            "AIRFLOW__CELERY__BROKER_URL": broker.url,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + database.url,
            # acknowledged on receipt: a killed worker's task is failed by the heartbeat check and
            # retried by the scheduler, not redelivered by the broker while Airflow retries it too
            "AIRFLOW__CELERY__TASK_ACKS_LATE": "False",
        }
        components = (*COMPONENTS, *(worker(name, home) for name in WORKERS))
        with Deployment(home, env, executor="CeleryExecutor", components=components).serving(DAG_COUNT) as running:
            yield running
