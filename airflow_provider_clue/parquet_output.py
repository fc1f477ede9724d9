"""Records as Parquet: a fixed schema of the API's fields, one row group per batch (needs pyarrow).

Every column is nullable, so a field that is null or missing on some records (``company``,
``email``) is simply null there. A value of an unexpected type, and any field the schema does not
know, goes into the ``extra`` column as JSON under its name, so nothing the API sent is dropped.
"""

from __future__ import annotations

import itertools
import json
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import BinaryIO

    from airflow_provider_clue.envelope import Record

ROWS_PER_GROUP = 10_000
TEXT_FIELDS = ("id", "user_id", "created_user_id", "phone", "company", "email", "name", "created_at", "updated_at")
INTEGER_FIELDS = ("is_back", "source_id", "industry_id", "grade_id", "sort", "operator", "sex", "is_follow", "ai_call")
COMPONENT = pa.struct([("id", pa.string()), ("value", pa.string())])
SCHEMA = pa.schema(
    [(name, pa.string()) for name in TEXT_FIELDS]
    + [(name, pa.int64()) for name in INTEGER_FIELDS]
    + [("components", pa.list_(COMPONENT)), ("extra", pa.string())]
)


def write_parquet(records: Iterator[Record], stream: BinaryIO) -> int:
    """Write ``records`` to ``stream`` as Parquet, :data:`ROWS_PER_GROUP` rows per row group; returns the count."""
    count = 0
    with pq.ParquetWriter(stream, SCHEMA, compression="zstd") as writer:
        while batch := list(itertools.islice(records, ROWS_PER_GROUP)):
            writer.write_table(pa.Table.from_pylist([row_of(record) for record in batch], schema=SCHEMA))
            count += len(batch)
    return count


def row_of(record: Record) -> dict[str, Any]:
    """One record as a row of :data:`SCHEMA`; what does not fit goes into ``extra``."""
    row: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name, value in record.items():
        if name in TEXT_FIELDS:
            fits = value is None or (isinstance(value, (str, int, float)) and not isinstance(value, bool))
            row[name] = (None if value is None else str(value)) if fits else None
        elif name in INTEGER_FIELDS:
            fits = value is None or (isinstance(value, int) and not isinstance(value, bool))
            row[name] = value if fits else None
        elif name == "components":
            fits = value is None or _components(value) is not None
            row[name] = _components(value) if fits else None
        else:
            fits = False
        if not fits:
            extra[name] = value
    row["extra"] = json.dumps(extra, ensure_ascii=False) if extra else None
    return row


def _components(value: Any) -> list[dict[str, str | None]] | None:
    """``[{"id", "value"}, ...]`` with text values, or ``None`` if ``value`` is not such a list."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return None
    return [
        {"id": _text(item.get("id")), "value": _text(item.get("value"))} for item in value
    ]


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
