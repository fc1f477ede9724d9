"""A real Airflow 3 deployment on loopback: api-server, scheduler, dag-processor and triggerer.

LocalExecutor on SQLite by default (Airflow 3 supports it: ``airflow standalone`` runs the same), or
another executor, database and components (``tests/e2e/celery_executor``: CeleryExecutor workers on
PostgreSQL); the example DAGs and those of ``tests/e2e/dags`` as the dags folder (the daily pull
started two days back, with catch-up, and the waiting example checking every 2 s), and the emulator
as the API. Every process is started in a session of its own and stopped by process id on exit.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

from tests.e2e.processes import free_port, signal_tree, start_logged, stop_all

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO = Path(__file__).resolve().parents[2]
USER, PASSWORD = "admin", "e2e-" + secrets.token_hex(8)
LOCKED_DATABASE_PATIENCE = 30.0


@dataclass(frozen=True)
class Component:
    """One long-running Airflow process: ``airflow <command...>`` with extra environment."""

    name: str
    command: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)


COMPONENTS = tuple(Component(name, (name,)) for name in ("api-server", "scheduler", "dag-processor", "triggerer"))


def prepare_dags(folder: Path, *, daily_start: str, watch_start: str) -> None:
    """Copy the example and e2e DAGs; start the daily pull at ``daily_start`` with catch-up; poke every 2 s;
    watch for new clues from ``watch_start``, polling every 2 s with 2 s to settle."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in [*(REPO / "example_dags").glob("*.py"), *(REPO / "tests" / "e2e" / "dags").glob("*.py")]:
        shutil.copy(source, folder / source.name)
    rewrite(
        folder / "clue_daily_pull.py",
        'start_date=pendulum.datetime(2026, 10, 1, tz="Asia/Shanghai"),\n    catchup=False,',
        f'start_date=pendulum.parse("{daily_start}"),\n    catchup=True,',
    )
    rewrite(folder / "clue_wait_then_pull.py", "poke_interval=300", "poke_interval=2")
    rewrite(
        folder / "clue_on_new_clues.py", "poll_interval=60, settle=60",
        f'poll_interval=2, settle=2, start="{watch_start}"',
    )


def rewrite(path: Path, original: str, replacement: str) -> None:
    """Replace ``original`` in a copied DAG file, which must contain it."""
    text = path.read_text(encoding="utf-8")
    assert original in text, f"{path.name} no longer contains {original!r}"
    path.write_text(text.replace(original, replacement), encoding="utf-8")


@dataclass
class Deployment:
    """Airflow's long-running components, with their logs in ``home / "logs-<name>.txt"``."""

    home: Path
    env: dict[str, str]
    executor: str = "LocalExecutor"
    components: tuple[Component, ...] = COMPONENTS
    port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _token: str | None = None
    _environment: dict[str, str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        """The components' environment, the same for each (their JWT secret included)."""
        if self._environment is None:
            self._environment = self._new_environment()
        return self._environment

    def _new_environment(self) -> dict[str, str]:
        passwords = self.home / "passwords.json"
        passwords.write_text(json.dumps({USER: PASSWORD}))
        return {
            **os.environ, **self.env,
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.home / "dags"),
            "AIRFLOW__CORE__EXECUTOR": self.executor,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": self.url,
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",  # a paused DAG's watcher stops within 10 s
            # a triggerer silent for 10 s is taken for dead, and its triggers run by another
            "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "10",
            "AIRFLOW__SCHEDULER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "10",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        }

    def start(self) -> Deployment:
        env = self.environment()
        airflow = str(Path(sys.executable).with_name("airflow"))
        subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True, timeout=600)
        for component in self.components:
            self.start_component(component.name)
        self.wait_for(lambda: self._healthy(), "the api-server to answer", timeout=180)
        return self

    @contextlib.contextmanager
    def serving(self, dag_count: int) -> Iterator[Deployment]:
        """Start, wait until ``dag_count`` DAGs are parsed, and stop on leaving."""
        try:
            self.start()
            parsed = lambda: len(self.api("GET", "/dags")["dags"]) == dag_count  # noqa: E731
            self.wait_for(parsed, f"{dag_count} DAGs to be parsed", timeout=120)
            yield self
        finally:
            self.stop()

    def kill(self, name: str) -> int:
        """SIGKILL one component with every process it started, as a machine failing would; its process id."""
        process = self.processes.pop(name)
        signal_tree(process, signal.SIGKILL)
        process.wait(timeout=30)
        return process.pid

    def add_component(self, component: Component) -> int:
        """Start one more long-running process (another triggerer, say); its process id."""
        self.components = (*self.components, component)
        return self.start_component(component.name)

    def start_component(self, name: str) -> int:
        """Start one component (again), logging to the end of its log; its process id."""
        component = next(component for component in self.components if component.name == name)
        airflow = str(Path(sys.executable).with_name("airflow"))
        self.processes[name] = start_logged(
            [airflow, *component.command], self.home / f"logs-{name}.txt", env={**self.environment(), **component.env}
        )
        return self.processes[name].pid

    def stop(self) -> None:
        """SIGTERM each component with what it started, then SIGKILL what is left after 20 s."""
        stop_all(list(self.processes.values()))
        self.processes.clear()

    def _healthy(self) -> bool:
        try:
            return requests.get(f"{self.url}/api/v2/monitor/health", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def token(self) -> str:
        if self._token is None:
            answer = requests.post(f"{self.url}/auth/token", json={"username": USER, "password": PASSWORD}, timeout=30)
            answer.raise_for_status()
            self._token = str(answer.json()["access_token"])
        return self._token

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call Airflow's public REST API (``/api/v2``) with the simple auth manager's token.

        A 503 is asked again every second for up to 30 s: on SQLite, Airflow answers a write that met a
        locked database (a backfill's creation while the scheduler writes, say) with 503 after rolling
        it back, so asking again is safe.
        """
        deadline = time.monotonic() + LOCKED_DATABASE_PATIENCE
        while True:
            answer = requests.request(
                method, f"{self.url}/api/v2{path}", headers={"Authorization": f"Bearer {self.token()}"},
                timeout=30, **kwargs,
            )
            if answer.status_code != 503 or time.monotonic() >= deadline:
                break
            time.sleep(1)
        answer.raise_for_status()
        return answer.json()

    def wait_for(self, condition: Any, what: str, *, timeout: float, every: float = 1.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            dead = [name for name, process in self.processes.items() if process.poll() is not None]
            if dead:
                raise RuntimeError(f"{', '.join(dead)} exited; see {self.home}/logs-*.txt")
            value = condition()
            if value:
                return value
            time.sleep(every)
        raise TimeoutError(f"waited {timeout:.0f} s for {what}; logs in {self.home}")
