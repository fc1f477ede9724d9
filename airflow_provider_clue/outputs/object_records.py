"""What each written object holds, recorded beside it, so that no pull replaces another's object.

An object at a destination holds the clues of one window of one account's pool stage, and says so
in a record beside it (``.<name>.clue.json``, a hidden file that readers of a folder, Spark's and
pyarrow's among them, skip). Before a pull sends its first request it reads that record: one of
another window, account, stage or query (filters, phone output, limits), or an object with no
record at all, refuses the pull. The check
is made again when the finished object is about to be moved into place, and the record is written
then, so of two pulls for one path that overlap in time, the one that finishes second is refused
and the first one's object stays (only two finishing within the same instant can still race).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow_provider_clue.exceptions import ClueDestinationError, ClueValidationError

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

RECORD_SUFFIX = ".clue.json"
_HOW_TO_FIX = (
    "give each its own object with the {start}, {end}, {start_date}, {user_id} and {stage} placeholders of "
    "destination (or '{{ ti.map_index }}', or another destination for other filters)"
)
# A short digest: enough to tell two queries apart, too short to recover a phone number filtered on.
_DIGEST_LENGTH = 8


@dataclass(frozen=True)
class ObjectRecord:
    """The clues an object holds: created in ``[start, end)`` (aware datetimes), of ``user_id``'s
    ``stage``, selected and written as ``query`` says (a short digest of how the pull was made)."""

    start: datetime
    end: datetime
    user_id: str
    stage: str
    query: str

    @classmethod
    def of(cls, start: datetime, end: datetime, user_id: str, stage: str, *, shaped_by: Any) -> ObjectRecord:
        """The record of a pull; ``shaped_by`` is JSON-safe data of everything else that decides what the
        object holds (the filters, the phone output and its key, a record limit, a lookback),
        in any order: lists and keys are compared sorted."""
        canonical = json.dumps(_canonical(shaped_by), sort_keys=True, ensure_ascii=False)
        return cls(start, end, user_id, stage, hashlib.sha256(canonical.encode()).hexdigest()[:_DIGEST_LENGTH])

    def as_json(self) -> dict[str, Any]:
        return {"created_at": [self.start.isoformat(), self.end.isoformat()], "user_id": self.user_id,
                "stage": self.stage, "query": self.query}

    @classmethod
    def from_json(cls, value: Any) -> ObjectRecord:
        """Parse :meth:`as_json`'s form; ``ValueError`` if it is not that."""
        try:
            start, end = (datetime.fromisoformat(bound) for bound in value["created_at"])
            user_id, stage, query = value["user_id"], value["stage"], value["query"]
        except (TypeError, KeyError, ValueError) as err:
            raise ValueError(f"not a record of the clue provider ({type(err).__name__})") from None
        if start.tzinfo is None or end.tzinfo is None or not all(isinstance(v, str) for v in (user_id, stage, query)):
            raise ValueError("not a record of the clue provider")
        return cls(start, end, user_id, stage, query)

    def differences(self, other: ObjectRecord) -> str:
        """What ``other`` pulls differently, in words: ``another window``, ``other filters or output settings``..."""
        parts = [
            text for differs, text in (
                ((self.start, self.end) != (other.start, other.end), "another window"),
                (self.user_id != other.user_id, "another account"),
                (self.stage != other.stage, "another stage"),
                (self.query != other.query,
                 "other filters, component values, phone_output, max_records or lookback"),
            ) if differs
        ]
        return "; ".join(parts)

    def describe(self) -> str:
        window = f"[{self.start.isoformat()}, {self.end.isoformat()})"
        return f"created_at {window} of user {self.user_id} stage {self.stage!r}, query #{self.query}"


def _canonical(value: Any) -> Any:
    """``value`` with every list sorted (``operator: [3, 1]`` selects what ``[1, 3]`` does)."""
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_canonical(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, ensure_ascii=False))
    return value


def record_path(path: ObjectStoragePath) -> ObjectStoragePath:
    """Where the record of the object at ``path`` lives: ``.<name>.clue.json`` beside it."""
    return path.parent / f".{path.name}{RECORD_SUFFIX}"


def check_object(path: ObjectStoragePath, record: ObjectRecord, uri: str) -> None:
    """Refuse ``path`` if it holds the clues of another window, account, stage or query, or unknown ones.

    :param uri: ``path`` as shown in messages.
    :raises ClueValidationError: on ``destination``.
    """
    existing = _read_record(path, uri)
    if existing is None and path.exists():
        raise ClueValidationError(
            "destination",
            f"{uri} exists but has no record of the clues it holds ({record_path(path).name} is missing: "
            "written by something else, or by airflow-provider-clue before 0.2), so it is not replaced; delete "
            "it to let this run write it",
        )
    if existing is not None and existing != record:
        held = "is the object of" if path.exists() else "was written for (the object is gone, its record stays)"
        raise ClueValidationError(
            "destination",
            f"{uri} {held} {existing.describe()}, but this pull is {record.describe()}"
            f" ({existing.differences(record)}): two windows, accounts, stages or queries would share one object,"
            f" so it is not replaced; {_HOW_TO_FIX}, or delete {record_path(path).name} beside it (and the object)"
            " to let this pull write it",
        )


def record_object(path: ObjectStoragePath, record: ObjectRecord, uri: str) -> None:
    """Just before the finished object replaces ``path``: check again, then record what it holds."""
    check_object(path, record, uri)
    where = record_path(path)
    if not where.exists():
        where.write_text(json.dumps(record.as_json(), ensure_ascii=False), encoding="utf-8")


def _read_record(path: ObjectStoragePath, uri: str) -> ObjectRecord | None:
    where = record_path(path)
    try:
        text = where.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except Exception as err:  # storage unreachable, no credentials, access denied
        raise ClueDestinationError(
            f"the record {where.name} beside {uri} cannot be read ({type(err).__name__}: {err}); check the "
            "destination's storage and its connection (destination_conn_id)"
        ) from err
    try:
        return ObjectRecord.from_json(json.loads(text))
    except ValueError as err:
        raise ClueValidationError(
            "destination", f"the record {where.name} beside {uri} cannot be read ({err}); delete both to write it again"
        ) from None
