"""Where the example pipelines keep their files (shared by the example DAG files)."""

from __future__ import annotations

import os

OUTPUT_ROOT = os.environ.get("CLUE_OUTPUT_ROOT", "file:///tmp/airflow-provider-clue").rstrip("/")
OUTPUT_CONN_ID = os.environ.get("CLUE_OUTPUT_CONN_ID") or None
DAILY_FOLDER = f"{OUTPUT_ROOT}/clue_daily_pull"
DAILY_DESTINATION = DAILY_FOLDER + "/{start_date}.jsonl"  # one file per Asia/Shanghai day
