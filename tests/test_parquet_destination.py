"""Parquet destinations: the same records as JSON Lines, row groups per batch, a tolerant schema."""

from __future__ import annotations

import io
from typing import Any

import pyarrow.parquet as pq
import pytest

from airflow_provider_clue import parquet_output
from airflow_provider_clue.exceptions import ClueServerError, ClueValidationError
from airflow_provider_clue.operators.clue import ClueSearchOperator
from airflow_provider_clue.parquet_output import SCHEMA, row_of, write_parquet
from tests.operator_support import TOKEN, execution_context, point_clue_default_at

OCTOBER = ["2026-10-01 00:00:00", "2026-11-01 00:00:00"]
OCTOBER_INCLUSIVE = ("2026-10-01 00:00:00", "2026-10-31 23:59:59")


@pytest.fixture
def emulator(make_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    emulator = make_emulator(records=2500, token=TOKEN, max_per_page=100)
    point_clue_default_at(emulator, monkeypatch, max_retries=1)
    return emulator


def pull(destination: str, **kwargs: Any) -> dict[str, Any]:
    return ClueSearchOperator(task_id="pull", created_at=OCTOBER, destination=destination, **kwargs).execute(
        execution_context()
    )


def test_a_parquet_file_holds_every_record_and_field(emulator, tmp_path, monkeypatch):
    monkeypatch.setattr(parquet_output, "ROWS_PER_GROUP", 1000)
    summary = pull(f"file://{tmp_path}/october.parquet")
    parquet = pq.ParquetFile(tmp_path / "october.parquet")
    assert parquet.schema_arrow == SCHEMA and parquet.num_row_groups == 3
    rows = parquet.read().to_pylist()
    expected = {record["id"]: record for record in emulator.records(created_at=OCTOBER_INCLUSIVE)}
    assert summary["count"] == len(rows) == len(expected) == 2500
    for row in rows:
        record = expected[row["id"]]
        assert {name: row[name] for name in record} == record and row["extra"] is None
    assert any(row["company"] is None for row in rows) and any(row["email"] is None for row in rows)


def test_fields_the_schema_does_not_know_or_mistyped_values_go_to_extra():
    row = row_of({"id": "a", "phone": 13800138000, "sex": "female", "source_id": 3, "tags": ["vip"],
                  "components": [{"id": "c", "value": 5}]})
    assert row["phone"] == "13800138000" and row["sex"] is None and row["source_id"] == 3
    assert row["components"] == [{"id": "c", "value": "5"}]
    assert row["extra"] == '{"sex": "female", "tags": ["vip"]}'


def test_no_records_make_an_empty_file_with_the_schema():
    stream = io.BytesIO()
    assert write_parquet(iter([]), stream) == 0
    assert pq.read_table(io.BytesIO(stream.getvalue())).schema == SCHEMA


def test_a_failed_pull_leaves_no_parquet_file(make_emulator, monkeypatch, tmp_path):
    emulator = make_emulator(records=2500, token=TOKEN, max_per_page=100)
    point_clue_default_at(emulator, monkeypatch, max_retries=1, max_concurrency=1)
    emulator.on_page(lambda user, stage, page: page == 3 and emulator.fail_next("server_error", 5))
    with pytest.raises(ClueServerError):
        pull(f"file://{tmp_path}/out/october.parquet")
    assert list((tmp_path / "out").iterdir()) == []


def test_without_pyarrow_the_error_names_the_extra(emulator, tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a))
    with pytest.raises(ClueValidationError, match=r"airflow-provider-clue\[parquet\]"):
        pull(f"file://{tmp_path}/october.parquet")
    assert emulator.requests == []
