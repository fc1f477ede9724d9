"""A throwaway PostgreSQL cluster (Debian's ``postgresql``) on a loopback port, as Airflow's metadata database.

``initdb`` into a temporary directory, then ``postgres`` itself, started and stopped by process id;
run as the ``postgres`` user when the tests run as root (PostgreSQL refuses root), trusting loopback.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.processes import Server

DATABASE = "airflow"


def server_binary(name: str) -> str:
    """A PostgreSQL server program: Debian keeps them out of PATH, under /usr/lib/postgresql/<major>/bin."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda path: int(path.split("/")[4]))
    program = found[-1] if found else shutil.which(name)
    if program is None:
        raise RuntimeError(f"{name} not found: install Debian's postgresql (scripts/celery-services.sh does)")
    return program


def _as_postgres_user() -> dict[str, Any]:
    """Popen arguments that drop root to the ``postgres`` user; none for anyone else."""
    if os.geteuid() != 0:
        return {}
    account = pwd.getpwnam("postgres")
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


@dataclass
class PostgresCluster(Server):
    """``with PostgresCluster(log) as db: db.url`` is a SQLAlchemy URL of an empty ``airflow`` database."""

    data: Path = field(init=False)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def start(self) -> PostgresCluster:
        # a directory of its own under /tmp: pytest's are private to root, and postgres must own its data
        self.data = Path(tempfile.mkdtemp(prefix="clue-e2e-postgres-"))
        user = _as_postgres_user()
        if user:
            os.chown(self.data, user["user"], user["group"])
        with self.log.open("ab") as output:
            subprocess.run(
                [server_binary("initdb"), "-D", str(self.data / "db"), "-U", "postgres", "--auth=trust",
                 "--encoding=UTF8", "--locale=C"],
                check=True, stdout=output, stderr=subprocess.STDOUT, timeout=120, **user,
            )
        self.launch(
            [server_binary("postgres"), "-D", str(self.data / "db"), "-p", str(self.port), "-k", str(self.data),
             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "max_connections=300"],
            ready=self._accepts_connections, **user,
        )
        self._execute(f"CREATE DATABASE {DATABASE}")
        return self

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.data, ignore_errors=True)

    def _accepts_connections(self) -> bool:
        import psycopg2

        try:
            psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres").close()
        except psycopg2.OperationalError:
            return False
        return True

    def _execute(self, statement: str) -> None:
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()
