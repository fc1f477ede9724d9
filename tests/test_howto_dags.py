"""The how-to DAGs of example_dags/howto/ in a real Airflow, each checked to the record (docs/howto-*.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pendulum
import pytest

from tests.airflow_env import OUTPUT_ROOT, load_dag, read_ids, run_ok

if TYPE_CHECKING:
    from collections.abc import Iterator

TOKEN = "howto-token-27182"
SHANGHAI = "Asia/Shanghai"
USERS = ["40863af8-db4a-41c6-a269-eb5bc386d97f", "0b7e7f58-59a4-4d3e-9c59-0a9a4e3c2f11"]

pytestmark = pytest.mark.airflow_db


@pytest.fixture
def emulator(make_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    emulator = make_emulator(records=3000, token=TOKEN, user_ids=USERS, max_per_page=50)
    for name, value in emulator.airflow_env().items():
        monkeypatch.setenv(name, value)
    return emulator


def day_of(day: str) -> tuple[str, str]:
    return f"{day} 00:00:00", f"{day} 23:59:59"


@pytest.fixture
def landing_bucket(s3_endpoint: str) -> Iterator[Any]:
    """The how-to's bucket on moto's server, emptied and removed afterwards (moto's buckets outlive a
    module's server: they are the process's)."""
    import boto3

    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id="minio-key", aws_secret_access_key="minio-secret")
    client.create_bucket(Bucket="clue-landing")
    yield client
    for item in client.list_objects_v2(Bucket="clue-landing").get("Contents", []):
        client.delete_object(Bucket="clue-landing", Key=item["Key"])
    client.delete_bucket(Bucket="clue-landing")


def test_s3_compatible_storage_through_the_connections_endpoint_url(emulator, s3_endpoint, landing_bucket, monkeypatch):
    """The MinIO / OSS / COS case: an aws connection whose extra names the endpoint and the botocore settings
    docs/howto-s3-compatible.md shows; moto's server stands in for the storage."""
    import gzip

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_CLUE_OBJECT_STORE", json.dumps({
        "conn_type": "aws", "login": "minio-key", "password": "minio-secret",
        "extra": {"endpoint_url": s3_endpoint, "region_name": "us-east-1", "config_kwargs": {
            "s3": {"addressing_style": "path"},
            "request_checksum_calculation": "when_required", "response_checksum_validation": "when_required",
        }},
    }))
    emulator.insert(created_at="2026-10-04 00:00:00", phone="13912345678")
    emulator.insert(created_at="2026-10-04 23:59:59")
    emulator.insert(created_at="2026-10-05 00:00:00")
    run_ok("clue_to_s3_compatible", logical_date=pendulum.datetime(2026, 10, 5, tz=SHANGHAI))
    body = landing_bucket.get_object(Bucket="clue-landing", Key="clues/dt=2026-10-04/clues.jsonl.gz")["Body"].read()
    records = [json.loads(line) for line in gzip.decompress(body).decode().splitlines()]
    assert sorted(r["id"] for r in records) == sorted(emulator.ids(created_at=day_of("2026-10-04")))
    assert "13912345678" not in body.decode("latin-1") and "13912345678" not in json.dumps(records)
    assert any(r["phone"].startswith("139") and "*" in r["phone"] for r in records)


def test_a_history_run_loads_each_day_as_the_daily_pull_writes_it(emulator):
    days = ["2026-10-01", "2026-10-02", "2026-10-03"]
    for day in [*days, "2026-10-04"]:
        for moment in ("00:00:00", "23:59:59"):
            emulator.insert(created_at=f"{day} {moment}")
    folder = Path(OUTPUT_ROOT) / "clue_daily_pull"
    run_ok("clue_daily_pull", logical_date=pendulum.datetime(2026, 10, 3, tz=SHANGHAI))  # writes 10-02 first
    run_ok("clue_backfill_history", run_conf={"first_day": days[0], "last_day": days[-1]})
    for day in days:
        ids = read_ids(folder / f"{day}.jsonl")
        assert sorted(ids) == sorted(emulator.ids(created_at=day_of(day))), day


def test_a_history_run_refuses_a_range_that_ends_before_it_starts(emulator):
    run = load_dag("clue_backfill_history").test(run_conf={"first_day": "2026-10-03", "last_day": "2026-10-01"})
    assert run.state == "failed"
    assert not [r for r in emulator.requests if r.path.endswith("/get_customer")]


def test_each_account_lands_in_its_own_folder(emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_CLUE_ACCOUNTS", json.dumps(USERS))
    for user_id in USERS:
        emulator.insert(2, created_at="2026-10-08 12:00:00", user_id=user_id)
    run = run_ok("clue_per_account", logical_date=pendulum.datetime(2026, 10, 9, tz=SHANGHAI))
    pulls = [ti for ti in run.get_task_instances() if ti.task_id == "pull_account"]
    assert sorted(ti.rendered_map_index for ti in pulls) == sorted(USERS)  # the grid names them by account
    for user_id in USERS:
        ids = read_ids(Path(OUTPUT_ROOT) / "clue_per_account" / user_id / "2026-10-08.jsonl")
        assert sorted(ids) == sorted(emulator.ids(created_at=day_of("2026-10-08"), user_id=user_id))
    assert {json.loads(line)["user_id"] for line in (
        Path(OUTPUT_ROOT) / "clue_per_account" / USERS[1] / "2026-10-08.jsonl").open(encoding="utf-8")} == {USERS[1]}


def test_parquet_partitions_hold_the_day_with_the_documented_schema(emulator, monkeypatch):
    import pyarrow.parquet as pq

    from airflow_provider_clue.outputs.phone_output import hash_phone
    from tests.test_docs import documented_parquet_schema

    for name, value in emulator.airflow_env(phone_hash_secret="howto-hash-key").items():
        monkeypatch.setenv(name, value)
    emulator.insert(created_at="2026-10-12 00:00:00", phone="13912345678")
    run = run_ok("clue_parquet_for_warehouse", logical_date=pendulum.datetime(2026, 10, 13, tz=SHANGHAI))
    path = Path(OUTPUT_ROOT) / "clue_warehouse" / "clues" / "dt=2026-10-12" / "clues.parquet"
    table = pq.read_table(path)
    assert sorted(table.column("id").to_pylist()) == sorted(emulator.ids(created_at=day_of("2026-10-12")))
    assert hash_phone("13912345678", "howto-hash-key") in table.column("phone").to_pylist()
    assert all(phone is None or phone.startswith("hmac-sha256:") for phone in table.column("phone").to_pylist())
    assert [(field.name, str(field.type)) for field in pq.ParquetFile(path).schema_arrow] == documented_parquet_schema()
    checked = run.get_task_instance("check_before_load").xcom_pull(task_ids="check_before_load")
    assert checked == f"file://{path}"


def test_custom_field_filters_by_name_pull_exactly_the_matching_clues(emulator):
    day = "2026-10-20"
    records = emulator.records(created_at=day_of(day))
    expected = {
        r["id"] for r in records
        if any(item["name"] == "客户来源" and "展会" in (item["value"] or "") for item in r.get("components") or ())
    }
    assert expected and len(expected) < len(records), "the emulator's day should hold matches and others"
    run_ok("clue_by_custom_field", logical_date=pendulum.datetime(2026, 10, 21, tz=SHANGHAI))
    ids = read_ids(Path(OUTPUT_ROOT) / "clue_trade_show" / f"{day}.jsonl")
    assert len(ids) == len(set(ids)) and set(ids) == expected
