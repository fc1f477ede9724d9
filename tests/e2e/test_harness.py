"""The deployment harness itself, against a stand-in HTTP server rather than Airflow."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, ClassVar

import pytest
import requests

from tests.e2e.deployment import Deployment

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


class LockedThenFree(BaseHTTPRequestHandler):
    """Answers its first ``locked_answers`` requests with Airflow's 503 for a locked SQLite database."""

    locked_answers = 2
    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.seen.append(self.path)
        locked = len(self.seen) <= self.locked_answers
        body = {"detail": "Database is locked."} if locked else {"id": 1}
        self.send_response(503 if locked else 200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def locked_server() -> Iterator[ThreadingHTTPServer]:
    LockedThenFree.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), LockedThenFree)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_locked_database_answer_is_asked_again(locked_server: ThreadingHTTPServer, tmp_path: Path):
    deployment = Deployment(tmp_path, {}, port=locked_server.server_address[1], _token="token")
    assert deployment.api("POST", "/backfills", json={}) == {"id": 1}
    assert LockedThenFree.seen == ["/api/v2/backfills"] * 3


def test_a_database_locked_for_good_still_fails(
    locked_server: ThreadingHTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(LockedThenFree, "locked_answers", 10**6)
    monkeypatch.setattr("tests.e2e.deployment.LOCKED_DATABASE_PATIENCE", 1.5)
    deployment = Deployment(tmp_path, {}, port=locked_server.server_address[1], _token="token")
    with pytest.raises(requests.HTTPError, match="503"):
        deployment.api("POST", "/backfills", json={})
