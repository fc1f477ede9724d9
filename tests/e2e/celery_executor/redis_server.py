"""A throwaway Redis (Debian's ``redis-server``) on a loopback port, as Celery's broker: nothing persisted,
started and stopped by process id."""

from __future__ import annotations

import shutil

from tests.e2e.processes import Server, port_open


class RedisServer(Server):
    """``with RedisServer(log) as broker: broker.url`` is a Redis URL for Celery's broker."""

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        program = shutil.which("redis-server")
        if program is None:
            raise RuntimeError("redis-server not found: install Debian's redis-server (scripts/celery-services.sh)")
        self.launch(
            [program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.log.parent)],
            ready=lambda: port_open(self.port),
        )
        return self
