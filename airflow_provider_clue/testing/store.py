"""One emulated customer pool: records kept newest-first, queried with the API's assumed semantics.

Records are indexed by ``(created_at, seq)`` in a sorted array, so a ``created_at`` window is two
binary searches and a page is a slice, even for a million records. Other filters scan the window.
"""

from __future__ import annotations

import bisect
import hashlib
import random
import threading
from array import array
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from airflow_provider_clue.api.api_time import API_TIME_FORMAT
from airflow_provider_clue.testing.arrivals import arrival_times
from airflow_provider_clue.testing.records import wall_seconds, wall_seconds_of, with_laravel_dates

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping
    from zoneinfo import ZoneInfo

    from airflow_provider_clue.testing.records import RecordFactory

# Built records kept for pages asked again (a pull re-reads, a benchmark repeats): ~1 KiB each.
RECORD_CACHE_SIZE = 100_000
_SEQ_BITS = 24
_SEQ_MASK = (1 << _SEQ_BITS) - 1
Record = dict[str, Any]


class NotFound(LookupError):
    """No pool for that user and stage."""


@dataclass(frozen=True)
class PoolQuery:
    """A query already validated by the server: inclusive wall-clock bounds (:func:`wall_seconds`) and
    exact-match filters."""

    created_from: int | None = None
    created_to: int | None = None
    phone: str | None = None
    email: str | None = None
    company: str | None = None
    operator: tuple[int, ...] | None = None
    sex: tuple[int, ...] | None = None
    is_follow: int | None = None
    ai_call: int | None = None
    components: tuple[tuple[str, str], ...] | None = None
    encryption: bool = False

    @property
    def has_field_filters(self) -> bool:
        return any(
            value is not None
            for value in (self.phone, self.email, self.company, self.operator, self.sex,
                          self.is_follow, self.ai_call, self.components)
        )


def encrypt_phone(phone: str) -> str:
    """The emulator's stand-in for the vendor's phone encryption (a stable hex digest)."""
    return hashlib.md5(phone.encode(), usedforsecurity=False).hexdigest().upper()


class RecordPool:
    """The records of one user's pool stage.

    :param factory: builds generated records.
    :param count: how many records to generate.
    :param start: first creation time (Unix seconds), inclusive.
    :param end: last creation time (Unix seconds), exclusive.
    :param shuffle_ties: order records of the same second differently on each page request.
    """

    def __init__(
        self, factory: RecordFactory, *, count: int, start: int, end: int, shuffle_ties: bool = False
    ) -> None:
        self._factory = factory
        self._generated = lru_cache(maxsize=RECORD_CACHE_SIZE)(factory.record)
        self._tie_shuffler = random.Random(factory.seed) if shuffle_ties else None
        self._lock = threading.RLock()
        self._created = array("q", arrival_times(count, start, end, factory.zone, factory.seed))  # instants, by seq
        # the keys order wall-clock times, as a database sorting and comparing created_at strings does
        walls = _walls(self._created, self.zone)
        self._keys = array("q", sorted((wall << _SEQ_BITS) | seq for seq, wall in enumerate(walls)))
        self._extra: dict[int, Record] = {}
        self._extra_created: dict[int, int] = {}
        self._next_seq = count
        self._seq_by_id: dict[str, int] | None = None

    @property
    def zone(self) -> ZoneInfo:
        return self._factory.zone

    def __len__(self) -> int:
        return len(self._keys)

    def page(
        self, query: PoolQuery, page: int, per_page: int, *, laravel_dates: bool = False
    ) -> tuple[int, list[Record]]:
        """``(total, records)`` of ``page`` for ``query``, newest first (ties: last inserted first).

        :param laravel_dates: send ``created_at`` and ``updated_at`` as Laravel's default does (UTC ISO 8601).
        """
        with self._lock:
            low, high = self._window(query)
            if query.has_field_filters:
                matching = [
                    key for key in self._newest_first(low, high) if self._matches(self._record(key), query)
                ]
                total, chosen = len(matching), matching[(page - 1) * per_page : page * per_page]
            else:
                total = high - low
                stop = high - (page - 1) * per_page
                chosen = self._newest_first(max(low, stop - per_page), max(low, stop), within=(low, high))
            records = [self._shown(self._record(key)) for key in chosen]
            if laravel_dates:
                created = map(self._created_at, chosen)
                records = [with_laravel_dates(record, epoch) for record, epoch in zip(records, created, strict=True)]
        if query.encryption:
            records = [{**record, "phone": encrypt_phone(str(record["phone"]))} for record in records]
        return total, records

    def _newest_first(self, start: int, stop: int, *, within: tuple[int, int] | None = None) -> list[int]:
        """Keys ``[start, stop)`` newest first; with ``shuffle_ties``, same-second records in random order.

        Shuffling covers each whole second the slice touches (inside ``within``), so a second that
        straddles two pages can show a record on both or on neither, as an unstable sort does.
        """
        if self._tie_shuffler is None or start >= stop:
            return list(reversed(self._keys[start:stop]))
        low, high = within or (start, stop)
        first = max(low, bisect.bisect_left(self._keys, (self._keys[start] >> _SEQ_BITS) << _SEQ_BITS))
        last = min(high, bisect.bisect_left(self._keys, ((self._keys[stop - 1] >> _SEQ_BITS) + 1) << _SEQ_BITS))
        segment = list(self._keys[first:last])
        seconds: dict[int, list[int]] = {}
        for key in segment:
            seconds.setdefault(key >> _SEQ_BITS, []).append(key)
        shuffled = []
        for keys in seconds.values():
            self._tie_shuffler.shuffle(keys)
            shuffled.extend(keys)
        return list(reversed(shuffled[start - first : stop - first]))

    def records(self, query: PoolQuery | None = None) -> Iterator[Record]:
        """Every record matching ``query`` (all by default), newest first."""
        query = query or PoolQuery()
        with self._lock:
            low, high = self._window(query)
            keys = list(reversed(self._keys[low:high]))
        for key in keys:
            record = self._record(key)
            if self._matches(record, query):
                yield self._shown(record)

    def insert(self, fields: Mapping[str, Any] | None = None, *, created_at: datetime | None = None) -> Record:
        """Add one record (generated, with ``fields`` overriding); returns it.

        A naive ``created_at`` is wall-clock time in the pool's zone; the default is now.
        """
        created = created_at or datetime.now(self.zone)
        if created.tzinfo is None:
            created = created.replace(tzinfo=self.zone)
        epoch = int(created.timestamp())
        wall = wall_seconds(epoch, self.zone)
        with self._lock:
            seq = self._next_seq
            self._next_seq += 1
            record = {**self._factory.record(seq, wall), **(fields or {})}
            record["created_at"] = datetime.fromtimestamp(wall, timezone.utc).strftime(API_TIME_FORMAT)
            self._extra[seq] = record
            self._extra_created[seq] = epoch
            bisect.insort(self._keys, (wall << _SEQ_BITS) | seq)
            if self._seq_by_id is not None:
                self._seq_by_id[str(record["id"])] = seq
        return record

    def delete(self, ids: Iterable[str]) -> int:
        """Remove the records with these ids; returns how many were found."""
        with self._lock:
            seq_by_id = self._ids_index()
            removed = 0
            for record_id in ids:
                seq = seq_by_id.pop(str(record_id), None)
                if seq is None:
                    continue
                key = (self._wall_of(seq) << _SEQ_BITS) | seq
                index = bisect.bisect_left(self._keys, key)
                if index < len(self._keys) and self._keys[index] == key:
                    del self._keys[index]
                    self._extra.pop(seq, None)
                    self._extra_created.pop(seq, None)
                    removed += 1
            return removed

    def _ids_index(self) -> dict[str, int]:
        if self._seq_by_id is None:
            self._seq_by_id = {str(self._record(key)["id"]): key & _SEQ_MASK for key in self._keys}
        return self._seq_by_id

    def _wall_of(self, seq: int) -> int:
        if seq in self._extra:
            return wall_seconds_of(str(self._extra[seq]["created_at"]))
        return wall_seconds(self._created[seq], self.zone)

    def _created_at(self, key: int) -> int:
        """The instant (Unix seconds) the record of ``key`` was created."""
        seq = key & _SEQ_MASK
        return self._extra_created[seq] if seq in self._extra_created else self._created[seq]

    def _window(self, query: PoolQuery) -> tuple[int, int]:
        """Index bounds in ``_keys`` of the records inside ``query``'s ``created_at`` range (wall-clock seconds)."""
        low = 0 if query.created_from is None else bisect.bisect_left(self._keys, query.created_from << _SEQ_BITS)
        high = (
            len(self._keys)
            if query.created_to is None
            else bisect.bisect_right(self._keys, (query.created_to << _SEQ_BITS) | _SEQ_MASK)
        )
        return low, max(low, high)

    def _record(self, key: int) -> Record:
        seq = key & _SEQ_MASK
        extra = self._extra.get(seq)
        return extra if extra is not None else self._generated(seq, key >> _SEQ_BITS)

    def _shown(self, record: Record) -> Record:
        """``record`` with its components as the template shows them now (current names, none deleted)."""
        template = self._factory.template
        return record if template is None else template.present(record)

    def _matches(self, record: Record, query: PoolQuery) -> bool:
        phone = str(record.get("phone"))
        checks = (
            query.phone is None or query.phone in (phone, encrypt_phone(phone)),
            query.email is None or record.get("email") == query.email,
            query.company is None or query.company in str(record.get("company") or ""),
            query.operator is None or record.get("operator") in query.operator,
            query.sex is None or record.get("sex") in query.sex,
            query.is_follow is None or record.get("is_follow") == query.is_follow,
            query.ai_call is None or record.get("ai_call") == query.ai_call,
            query.components is None or all(self._has_component(record, cid, value) for cid, value in query.components),
        )
        return all(checks)

    def _has_component(self, record: Record, component_id: str, wanted: str) -> bool:
        template = self._factory.template
        if template is not None:
            return template.matches(record, component_id, wanted)
        return any(
            isinstance(item, dict) and item.get("id") == component_id and str(item.get("value")) == wanted
            for item in record.get("components") or ()
        )


def _walls(epochs: array[int], zone: ZoneInfo) -> Iterator[int]:
    """:func:`wall_seconds` of each instant: one offset for all where the zone keeps one over the span."""
    if not epochs:
        return iter(())
    first, last = epochs[0], epochs[-1]
    samples = range(first, last + 1, max(1, (last - first) // 48))
    offsets = {wall_seconds(epoch, zone) - epoch for epoch in (*samples, last)}
    if len(offsets) == 1:
        offset = offsets.pop()
        return (epoch + offset for epoch in epochs)
    return (wall_seconds(epoch, zone) for epoch in epochs)
