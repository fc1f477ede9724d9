"""Where a pull's records go: a bounded list for XCom, or an object written atomically to storage."""

from __future__ import annotations

import contextlib
import gzip
import itertools
import json
import uuid
from typing import TYPE_CHECKING

from airflow_provider_clue.exceptions import ClueDestinationError, ClueValidationError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import BinaryIO

    from airflow.sdk import ObjectStoragePath

    from airflow_provider_clue.api.envelope import Record
    from airflow_provider_clue.api.pull import Pull

XCOM_MAX_RECORDS = 10_000
XCOM_MAX_BYTES = 10 * 1024 * 1024
_LINES_PER_WRITE = 500
# One compact encoder (json.dumps with options builds one per call); UTF-8 text, not \u escapes.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# How Airflow's metadata database stores an XCom: json.dumps' defaults (ASCII, ", " and ": ").
_XCOM_JSON = json.JSONEncoder()


def records_for_xcom(
    pull: Pull,
    *,
    max_records: int = XCOM_MAX_RECORDS,
    max_bytes: int = XCOM_MAX_BYTES,
    transform: Callable[[Record], Record] | None = None,
) -> list[Record]:
    """All records of ``pull`` as a list, refusing (before the push) a pull past either limit.

    The count is checked against ``meta.total`` of the first response, before any other request,
    so a pull that is far too large fails after one request, not after reading everything. The
    size is the list's as Airflow stores it: JSON with its default separators and ``\\u`` escapes.
    ``transform`` is applied to each record first (e.g. to mask phone numbers).
    """
    def check_count(total: int) -> None:
        expected = min(total, pull.max_records or total)
        if expected > max_records:
            raise _too_large(f"{expected} records match, more than the XCom limit of {max_records}")

    records: list[Record] = []
    size = len("[]")
    for pulled in pull.records(check_total=check_count):
        record = pulled if transform is None else transform(pulled)
        size += len(_XCOM_JSON.encode(record)) + (len(", ") if records else 0)
        if size > max_bytes:
            raise _too_large(f"the records pass the XCom limit of {max_bytes} bytes")
        records.append(record)
    if len(records) > max_records:
        raise _too_large(f"{len(records)} records match, more than the XCom limit of {max_records}")
    return records


def _too_large(reason: str) -> ClueValidationError:
    return ClueValidationError(
        "destination",
        f"{reason}; set destination to a path (e.g. 's3://bucket/clues/{{start_date}}.jsonl') to stream them to "
        "object storage instead of XCom",
    )


def write_records(
    records: Iterable[Record], path: ObjectStoragePath, *, before_commit: Callable[[], None] | None = None
) -> int:
    """Stream ``records`` to ``path`` as its name says (JSON Lines, gzipped or not, or Parquet); returns the count.

    The data goes to a temporary object beside ``path``, which is renamed onto ``path`` only when
    complete, so a failure leaves nothing at ``path`` (and deletes the temporary object), and a
    rerun replaces ``path`` whole. The object is opened after the first record arrives, so a pull
    that fails at once writes nothing (``prepare_destination`` has made its folder). Memory holds a
    batch of records, not the pull. Storage that refuses a write raises :class:`ClueDestinationError`.

    :param before_commit: called once the temporary object is complete, before the rename; if it
        raises, the temporary object is deleted and ``path`` is left as it was.
    """
    records = iter(records)
    first = next(records, None)  # the first request goes out (and any look-ahead) before storage is touched
    pending = itertools.chain(() if first is None else (first,), records)
    temporary = path.parent / f".{path.name}.{uuid.uuid4().hex}.partial"
    try:
        with _refused_writes(path), temporary.open("wb") as raw:  # type: ignore[no-untyped-call]
            if path.name.endswith(".parquet"):
                from airflow_provider_clue.outputs.parquet_output import write_parquet

                count = write_parquet(pending, raw)
            else:
                count = _write_json_lines(pending, raw, compress=path.name.endswith(".gz"))
        if before_commit is not None:
            before_commit()
        with _refused_writes(path):
            temporary.rename(path)
    except BaseException:
        _remove_quietly(temporary)
        raise
    return count


@contextlib.contextmanager
def _refused_writes(path: ObjectStoragePath) -> Iterator[None]:
    """Storage's own errors (``OSError``: a full disk, a denied write) as :class:`ClueDestinationError`;
    the API's errors and everything else pass as they are."""
    try:
        yield
    except OSError as err:
        from airflow_provider_clue.outputs.destinations import plain_uri

        raise ClueDestinationError(
            f"writing {plain_uri(path)!r} failed ({type(err).__name__}: {err.strerror or err}); nothing was left there"
        ) from err


def _write_json_lines(records: Iterator[Record], raw: BinaryIO, *, compress: bool) -> int:
    """UTF-8 JSON Lines, a few hundred lines per write; gzip when ``compress``."""
    stream: BinaryIO = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if compress else raw  # type: ignore[assignment]
    count = 0
    while batch := list(itertools.islice(records, _LINES_PER_WRITE)):
        stream.write(("\n".join(map(_JSON.encode, batch)) + "\n").encode())
        count += len(batch)
    if stream is not raw:
        stream.close()
    return count


def _remove_quietly(path: ObjectStoragePath) -> None:
    with contextlib.suppress(Exception):
        path.unlink(missing_ok=True)
