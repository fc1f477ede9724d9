"""Processes the end-to-end tests start and stop themselves, by process id: each in a session of its own,
logging to a file, and stopped with everything it started (Airflow 3.3 puts each task process in a
process group of its own, so it would outlive its worker otherwise)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import psutil

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from typing_extensions import Self


def signal_tree(process: subprocess.Popen[bytes], signum: int) -> None:
    """Send ``signum`` to the process's group and to every descendant's group."""
    if process.poll() is not None:
        return
    try:
        descendants = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    groups = {process.pid}
    for child in descendants:
        with contextlib.suppress(psutil.NoSuchProcess, ProcessLookupError):
            groups.add(os.getpgid(child.pid))
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signum)


def stop_all(processes: Sequence[subprocess.Popen[bytes]], *, grace: float = 20) -> None:
    """SIGTERM each process tree, then SIGKILL what is left after ``grace`` seconds."""
    for process in processes:
        signal_tree(process, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            signal_tree(process, signal.SIGKILL)
            process.wait(timeout=10)


def start_logged(
    argv: Sequence[str], log: Path, *, env: dict[str, str] | None = None, **popen: Any
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in a new session, appending its output to ``log``."""
    with log.open("ab") as output:
        return subprocess.Popen(
            list(argv), env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True, **popen
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_open(port: int) -> bool:
    """Whether something accepts connections on ``127.0.0.1:port``."""
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Server:
    """A server process (PostgreSQL, Redis) on a free loopback port, started and stopped by process id:
    ``with Subclass(log) as server: ...``; a subclass's ``start`` runs :meth:`launch`."""

    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> Self:
        raise NotImplementedError

    def launch(self, argv: Sequence[str], *, ready: Callable[[], bool], timeout: float = 60, **popen: Any) -> None:
        """Start ``argv`` and wait until ``ready()`` holds."""
        name = type(self).__name__
        self.process = start_logged(argv, self.log, **popen)
        deadline = time.monotonic() + timeout
        while not ready():
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} exited with {self.process.returncode}; see {self.log}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} did not start within {timeout:.0f} s; see {self.log}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None:
            stop_all([self.process])
            self.process = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
