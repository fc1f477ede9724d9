"""Test DAG: a phone and an e-mail filter, one of them templated, and a component filter on a WeChat
number; none may reach a log or rendered field."""

from __future__ import annotations

import os

import pendulum

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2.11
    from airflow.models.dag import DAG

from airflow_provider_clue.operators.clue import ClueSearchOperator
from airflow_provider_clue.sensors.clue import ClueSensor

ROOT = os.environ.get("CLUE_OUTPUT_ROOT", "file:///tmp/airflow-provider-clue").rstrip("/")
PHONE = "13912345678"
EMAIL = "zhang.wei@example.cn"
WECHAT = "17710726421"  # a component's value, as the vendor's records show 微信

with DAG(
    "clue_test_personal_filters",
    schedule=None,
    start_date=pendulum.datetime(2026, 10, 1, tz="UTC"),
    params={"phone": PHONE, "wechat": WECHAT},
):
    ClueSearchOperator(
        task_id="pull_wechat", created_at=["2026-10-01", "2026-11-01"],
        filters={"components": {"意向产品": "{{ params.wechat }}"}},
    )
    ClueSensor(
        task_id="wait", created_at=["2026-10-01", "2026-11-01"], filters={"phone": "{{ params.phone }}"},
        poke_interval=1, timeout=30, soft_fail=True,
    ) >> ClueSearchOperator(
        task_id="pull", created_at=["2026-10-01", "2026-11-01"],
        filters={"phone": "{{ params.phone }}", "email": EMAIL}, destination=ROOT + "/personal/{start_date}.jsonl",
    )
