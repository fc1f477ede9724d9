"""``[core] hostname_callable`` of the two Celery workers: the name each worker was started with, so a task
instance's ``hostname`` over REST says which worker ran it (both run on this one machine)."""

from __future__ import annotations

import os

WORKER_NAME = "CLUE_E2E_WORKER_NAME"


def worker_name() -> str:
    return os.environ[WORKER_NAME]
