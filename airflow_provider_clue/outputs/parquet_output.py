"""Records as Parquet: a fixed schema of the API's fields, one row group per batch (needs pyarrow).

Every column is nullable, so a field that is null or missing on some records (``company``,
``email``) is simply null there. A column holds a value only as the API sent it: a text column
only a string, an integer column only an integer (not a bool or a float) within int64, and
``components`` only a list of items shaped as the vendor's records carry them, keys exactly
``id``, ``name``, ``type`` and ``value``, each a string or null. Any other value, and any field
the schema does not know, goes whole into the ``extra`` column (JSON, by field name), so every
key and type the API sent can be read back.
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

    from airflow_provider_clue.api.envelope import Record

ROWS_PER_GROUP = 10_000
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
TEXT_FIELDS = ("id", "user_id", "created_user_id", "phone", "company", "email", "name", "created_at", "updated_at")
INTEGER_FIELDS = ("is_back", "source_id", "industry_id", "grade_id", "sort", "operator", "sex", "is_follow", "ai_call")
COMPONENT_KEYS = ("id", "name", "type", "value")
COMPONENT = pa.struct([(key, pa.string()) for key in COMPONENT_KEYS])
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
    """One record as a row of :data:`SCHEMA`; a value that does not fit its column goes into ``extra``."""
    row: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name, value in record.items():
        if _fits(name, value):
            row[name] = value
        else:
            extra[name] = value
    row["extra"] = json.dumps(extra, ensure_ascii=False) if extra else None
    return row


def _fits(name: str, value: Any) -> bool:
    """Whether ``value`` can be stored in column ``name`` and read back unchanged."""
    if name in TEXT_FIELDS:
        return value is None or isinstance(value, str)
    if name in INTEGER_FIELDS:
        return value is None or _is_int64(value)
    if name == "components":
        return value is None or (isinstance(value, list) and all(_is_component(item) for item in value))
    return False


def _is_int64(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and INT64_MIN <= value <= INT64_MAX


def _is_component(item: Any) -> bool:
    """``{"id", "name", "type", "value"}`` with nothing else, each a string or null."""
    return (
        isinstance(item, dict) and item.keys() == set(COMPONENT_KEYS)
        and all(part is None or isinstance(part, str) for part in item.values())
    )
