"""JSON Lines to a real S3 API (moto's server on loopback) through ObjectStoragePath and an aws connection."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from airflow_provider_clue.compat import Asset
from airflow_provider_clue.exceptions import ClueServerError, ClueValidationError
from airflow_provider_clue.operators.clue import ClueSearchOperator
from tests.operator_support import TOKEN, execution_context, point_clue_default_at, read_json_lines

BUCKET = "clue-landing"
DAY = ["2026-10-02 00:00:00", "2026-10-03 00:00:00"]
DAY_INCLUSIVE = ("2026-10-02 00:00:00", "2026-10-02 23:59:59")


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh bucket, and the ``aws_moto`` connection pointing at the server."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_MOTO",
        json.dumps({"conn_type": "aws", "login": "testing", "password": "testing",
                    "extra": {"endpoint_url": s3_endpoint, "region_name": "us-east-1"}}),
    )
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_bucket(Bucket=BUCKET)
    yield client
    for key in keys(client):
        client.delete_object(Bucket=BUCKET, Key=key)
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def emulator(make_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    emulator = make_emulator(records=2000, token=TOKEN, max_per_page=40)
    point_clue_default_at(emulator, monkeypatch, max_retries=1)
    return emulator


def keys(client: Any) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def pull_to_s3(destination: str, **kwargs: Any) -> dict[str, Any]:
    operator = ClueSearchOperator(
        task_id="pull", created_at=DAY, destination=destination, destination_conn_id="aws_moto", **kwargs
    )
    return operator.execute(execution_context())


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_pull_lands_one_complete_object(emulator, s3, suffix):
    summary = pull_to_s3(f"s3://{BUCKET}/clues/{{start_date}}{suffix}")
    key = f"clues/2026-10-02{suffix}"
    assert summary["uri"] == f"s3://{BUCKET}/{key}"
    assert keys(s3) == [f"clues/.2026-10-02{suffix}.clue.json", key]
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    records = read_json_lines(body, compressed=suffix.endswith(".gz"))
    assert records == emulator.records(created_at=DAY_INCLUSIVE)
    assert summary["count"] == len(records) > 0


def test_failure_mid_pull_leaves_no_object(emulator, s3):
    emulator.on_page(lambda user, stage, page: page == 2 and emulator.fail_next("server_error", 10))
    with pytest.raises(ClueServerError):
        pull_to_s3(f"s3://{BUCKET}/clues/day.jsonl", per_page=10)
    assert len(emulator.requests) > 3
    assert keys(s3) == []


def test_rerun_replaces_the_object(emulator, s3):
    pull_to_s3(f"s3://{BUCKET}/clues/day.jsonl")
    emulator.insert(3, created_at="2026-10-02 10:00:00")
    summary = pull_to_s3(f"s3://{BUCKET}/clues/day.jsonl")
    body = s3.get_object(Bucket=BUCKET, Key="clues/day.jsonl")["Body"].read()
    assert {r["id"] for r in read_json_lines(body)} == emulator.ids(created_at=DAY_INCLUSIVE)
    assert summary["count"] == len(emulator.ids(created_at=DAY_INCLUSIVE))
    assert keys(s3) == ["clues/.day.jsonl.clue.json", "clues/day.jsonl"]


def test_an_object_of_another_window_is_never_replaced(emulator, s3):
    pull_to_s3(f"s3://{BUCKET}/clues/day.jsonl")
    before, requests = s3.get_object(Bucket=BUCKET, Key="clues/day.jsonl")["Body"].read(), len(emulator.requests)
    operator = ClueSearchOperator(
        task_id="pull", created_at=["2026-10-03", "2026-10-04"], destination=f"s3://{BUCKET}/clues/day.jsonl",
        destination_conn_id="aws_moto",
    )
    with pytest.raises(ClueValidationError, match=r"is the object of created_at \[2026-10-02T00:00:00\+08:00") as err:
        operator.execute(execution_context())
    assert err.value.field == "destination"
    assert len(emulator.requests) == requests, "refused before any request"
    assert s3.get_object(Bucket=BUCKET, Key="clues/day.jsonl")["Body"].read() == before


def test_a_key_with_chinese_folders_is_written_and_its_asset_uri_is_percent_encoded(emulator, s3):
    operator = ClueSearchOperator(
        task_id="pull", created_at=DAY, destination=f"s3://{BUCKET}/线索/{{start_date}}.jsonl",
        destination_conn_id="aws_moto",
    )
    assert operator.outlets == [Asset(uri=f"s3://{BUCKET}/%E7%BA%BF%E7%B4%A2")]
    summary = operator.execute(execution_context())
    assert summary["uri"] == f"s3://{BUCKET}/线索/2026-10-02.jsonl"
    assert "线索/2026-10-02.jsonl" in keys(s3)
    body = s3.get_object(Bucket=BUCKET, Key="线索/2026-10-02.jsonl")["Body"].read()
    assert read_json_lines(body) == emulator.records(created_at=DAY_INCLUSIVE)
