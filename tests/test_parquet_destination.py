"""Parquet destinations: the same records as JSON Lines, row groups per batch, a tolerant schema."""

from __future__ import annotations

import io
import json
from typing import Any

import pyarrow.parquet as pq
import pytest

from airflow_provider_clue.exceptions import ClueServerError, ClueValidationError
from airflow_provider_clue.operators.clue import ClueSearchOperator
from airflow_provider_clue.outputs import parquet_output
from airflow_provider_clue.outputs.parquet_output import SCHEMA, row_of, write_parquet
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
    assert row.keys() == {"id", "source_id", "extra"} and row["source_id"] == 3
    assert json.loads(row["extra"]) == {
        "phone": 13800138000, "sex": "female", "tags": ["vip"], "components": [{"id": "c", "value": 5}]
    }


def item(component_id, value, name="行业", kind="text"):
    return {"id": component_id, "name": name, "type": kind, "value": value}


@pytest.mark.parametrize(
    ("components", "fits"),
    [
        ([item("c1", "教育"), item("c2", "5000", "预算", "number"),
          item("c3", "2026-10-20", "到访日期", "date")], True),
        ([item(None, None, None, None)], True),
        ([], True),
        (None, True),
        ([{"id": "c1", "value": "a"}], False),
        ([{**item("c1", "a"), "extra": "x"}], False),
        ([item("c1", "a"), item("c2", 3)], False),
        ([item("c1", ["a", "b"])], False),
        ([item(1, "a")], False),
        ([["c1", "a"]], False),
        ("c1=a", False),
    ],
)
def test_components_fill_their_column_only_when_every_item_has_the_vendors_four_text_keys(components, fits):
    row = row_of({"id": "a", "components": components})
    assert row.get("components") == (components if fits else None)
    assert row["extra"] == (None if fits else json.dumps({"components": components}, ensure_ascii=False))


# Values that do not fit their column, each with the type the API sent it in.
ODD_FIELDS: list[dict[str, Any]] = [
    {"components": [{"id": "c1", "value": "a", "name": "x", "type": "y"}, {"id": "c2", "value": 3}]},
    {"components": [{"id": "c1", "value": "a"}], "expect_transaction_fee": "0.00"},
    {"components": [{"id": "c1"}], "phone": 13800138000, "email": None},
    {"components": [{"id": "c1", "value": None}], "sex": "female", "grade_id": 2.5, "is_back": True},
    {"components": "意向产品=AI外呼", "company": {"zh": "腾讯"}, "sort": 2**70, "name": 7},
    {"components": [], "tags": ["vip"], "extra": {"x": 1}, "operator": None, "source_id": "3"},
    {"components": None, "industry_id": False, "updated_at": 1700000000},
]


def as_record(row: dict[str, Any]) -> dict[str, Any]:
    """A Parquet row back as the record it was written from: its columns, then what ``extra`` holds."""
    extra = row.pop("extra")
    return {**row, **(json.loads(extra) if extra else {})}


def typed(record: dict[str, Any]) -> str:
    """``record`` as text that tells ``3`` from ``"3"``, ``1`` from ``True`` and ``2`` from ``2.0``."""
    return json.dumps(record, sort_keys=True, ensure_ascii=False)


def test_every_record_comes_back_exactly_with_every_key_and_type(make_emulator, monkeypatch, tmp_path):
    emulator = make_emulator(records=300, token=TOKEN, max_per_page=100)
    point_clue_default_at(emulator, monkeypatch, max_retries=1)
    for fields in ODD_FIELDS:
        emulator.insert(created_at="2026-10-15 12:00:00", **fields)
    pull(f"file://{tmp_path}/october.parquet")
    rows = pq.read_table(tmp_path / "october.parquet").to_pylist()
    assert sum(row["extra"] is not None for row in rows) == len(ODD_FIELDS)
    expected = emulator.records(created_at=OCTOBER_INCLUSIVE)
    assert sorted(typed(as_record(row)) for row in rows) == sorted(typed(record) for record in expected)


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
