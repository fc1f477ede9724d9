"""PageWalker and Pull, with a fake fetch function that builds CluePage objects."""

from __future__ import annotations

import itertools
import logging
import math
from types import SimpleNamespace

import pytest

from airflow_provider_clue.api.concurrency_limit import ConcurrencyLimit
from airflow_provider_clue.api.envelope import CluePage, PageMeta
from airflow_provider_clue.api.filters import ClueFilters
from airflow_provider_clue.api.paging import PageWalker, expected_last_page, fetch_in_order
from airflow_provider_clue.api.pull import Pull
from airflow_provider_clue.api.request_counts import RequestCounts
from airflow_provider_clue.exceptions import ClueAPIError, CluePagingError

PATH = "/agent-api/user/40863af8-db4a-41c6-a269-eb5bc386d97f/type/clue/get_customer"


def make_page(current_page, records, *, total, per_page, last_page=None):
    if last_page is None:
        last_page = max(1, math.ceil(total / per_page))
    meta = PageMeta(current_page=current_page, last_page=last_page, per_page=per_page, total=total,
                    has_pages=last_page > 1)
    return CluePage(meta=meta, records=list(records), envelope={"meta": meta, "data": list(records)})


def ids(start, count):
    return [{"id": f"r{n}"} for n in range(start, start + count)]


class Table:
    """A server over ``total`` rows that clamps per_page to ``per_page``; counts fetch calls."""

    def __init__(self, total, per_page):
        self.total = total
        self.per_page = per_page
        self.calls = []

    def __call__(self, page):
        self.calls.append(page)
        start = (page - 1) * self.per_page
        count = max(0, min(self.per_page, self.total - start))
        return make_page(page, ids(start, count), total=self.total, per_page=self.per_page)


class Scripted:
    """Return pre-built pages by number; counts fetch calls."""

    def __init__(self, pages):
        self.pages = pages
        self.calls = []

    def __call__(self, page):
        self.calls.append(page)
        return self.pages[page]


def walk(fetch, **kwargs):
    return PageWalker(fetch, path=PATH, **kwargs)


def all_records(pages):
    return [record for page in pages for record in page.records]


# --- normal walks -----------------------------------------------------------------------------


def test_one_page():
    fetch = Table(total=3, per_page=15)
    walker = walk(fetch)
    pages = list(walker.pages())
    assert fetch.calls == [1]
    assert all_records(pages) == ids(0, 3)
    assert [page.meta.total for page in pages] == [3]


def test_empty_result():
    fetch = Table(total=0, per_page=15)
    pages = list(walk(fetch).pages())
    assert fetch.calls == [1]
    assert all_records(pages) == []


@pytest.mark.parametrize(
    ("total", "per_page", "expected_calls"),
    [(35, 10, 4), (40, 10, 4), (41, 10, 5), (1000, 100, 10), (7, 1, 7), (16, 15, 2)],
)
def test_many_pages_follow_meta_per_page(total, per_page, expected_calls):
    # the caller may have asked for 100 per page; the server clamps to ``per_page`` and meta says so
    fetch = Table(total=total, per_page=per_page)
    walker = walk(fetch)
    records = all_records(walker.pages())
    assert fetch.calls == list(range(1, expected_calls + 1))
    assert records == ids(0, total)


def test_pages_are_yielded_lazily():
    fetch = Table(total=100, per_page=10)
    pages = walk(fetch).pages()
    first = next(pages)
    assert first.meta.current_page == 1
    assert fetch.calls == [1]
    next(pages)
    assert fetch.calls == [1, 2]
    pages.close()
    assert fetch.calls == [1, 2]


def test_stop_on_empty_page():
    fetch = Scripted({
        1: make_page(1, ids(0, 15), total=45, per_page=15),
        2: make_page(2, [], total=45, per_page=15),
        3: make_page(3, ids(30, 15), total=45, per_page=15),
    })
    pages = list(walk(fetch).pages())
    assert fetch.calls == [1, 2]
    assert [page.meta.current_page for page in pages] == [1, 2]


def test_stop_on_empty_first_page():
    fetch = Scripted({
        1: make_page(1, [], total=30, per_page=15),
        2: make_page(2, [], total=30, per_page=15),
    })
    list(walk(fetch).pages())
    assert fetch.calls == [1]


def test_last_page_growing_mid_walk_continues_to_new_last_page():
    fetch = Scripted({
        1: make_page(1, ids(0, 15), total=30, per_page=15),    # last_page 2
        2: make_page(2, ids(15, 15), total=45, per_page=15),   # rows were added: last_page 3
        3: make_page(3, ids(30, 15), total=45, per_page=15),
    })
    walker = walk(fetch)
    records = all_records(walker.pages())
    assert fetch.calls == [1, 2, 3]
    assert records == ids(0, 45)


def test_last_page_growing_within_a_batch():
    fetch = Scripted({
        1: make_page(1, ids(0, 10), total=30, per_page=10),    # last_page 3: batch 2..3
        2: make_page(2, ids(10, 10), total=30, per_page=10),
        3: make_page(3, ids(20, 10), total=50, per_page=10),   # now last_page 5: batch 4..5
        4: make_page(4, ids(30, 10), total=50, per_page=10),
        5: make_page(5, ids(40, 10), total=50, per_page=10),
    })
    assert all_records(walk(fetch).pages()) == ids(0, 50)
    assert fetch.calls == [1, 2, 3, 4, 5]


def test_last_page_shrinking_mid_walk_stops():
    fetch = Scripted({
        1: make_page(1, ids(0, 15), total=45, per_page=15),    # last_page 3
        2: make_page(2, ids(15, 15), total=30, per_page=15),   # rows were removed: last_page 2
        3: make_page(3, [], total=30, per_page=15),
    })
    assert [page.meta.total for page in walk(fetch).pages()] == [45, 30]
    assert fetch.calls == [1, 2]


# --- misbehaving servers ----------------------------------------------------------------------


def test_current_page_not_advancing_raises():
    fetch = Scripted({
        1: make_page(1, ids(0, 15), total=45, per_page=15),
        2: make_page(1, ids(0, 15), total=45, per_page=15),   # the server ignores ``page``
        3: make_page(1, ids(0, 15), total=45, per_page=15),
    })
    pages = walk(fetch).pages()
    next(pages)
    with pytest.raises(CluePagingError) as info:
        next(pages)
    assert fetch.calls == [1, 2]
    assert info.value.page == 2
    assert info.value.path == PATH
    assert "current_page" in str(info.value)


def test_wrong_current_page_on_first_page_raises():
    fetch = Scripted({1: make_page(2, ids(0, 15), total=45, per_page=15)})
    with pytest.raises(CluePagingError):
        list(walk(fetch).pages())
    assert fetch.calls == [1]


def test_server_always_returning_page_one_is_bounded():
    calls = itertools.count(1)

    def fetch(page):
        next(calls)
        return make_page(1, ids(0, 10), total=10**6, per_page=10)

    with pytest.raises(CluePagingError):
        list(walk(fetch).pages())
    assert next(calls) == 3  # two fetches made


@pytest.mark.parametrize(
    ("last_page", "total", "per_page"),
    [(10**9, 5, 15), (1, 100, 15), (3, 15, 15), (0, 5, 15), (0, 0, 15)],
)
def test_last_page_inconsistent_with_total_raises_after_one_request(last_page, total, per_page):
    fetch = Scripted({1: make_page(1, ids(0, min(total, per_page)), total=total, per_page=per_page,
                                   last_page=last_page)})
    with pytest.raises(CluePagingError) as info:
        list(walk(fetch).pages())
    assert fetch.calls == [1]
    assert "inconsistent" in str(info.value)
    assert info.value.page == 1


def test_inconsistent_meta_later_in_walk_raises():
    fetch = Scripted({
        1: make_page(1, ids(0, 10), total=30, per_page=10),
        2: make_page(2, ids(10, 10), total=30, per_page=10, last_page=10**9),
    })
    with pytest.raises(CluePagingError):
        list(walk(fetch).pages())
    assert fetch.calls == [1, 2]


def test_more_records_than_per_page_raises():
    fetch = Scripted({1: make_page(1, ids(0, 16), total=30, per_page=15)})
    with pytest.raises(CluePagingError) as info:
        list(walk(fetch).pages())
    assert fetch.calls == [1]
    assert "more than meta.per_page" in str(info.value)


def test_more_records_than_per_page_on_later_page_raises():
    fetch = Scripted({
        1: make_page(1, ids(0, 15), total=30, per_page=15),
        2: make_page(2, ids(15, 20), total=30, per_page=15),
    })
    pages = walk(fetch).pages()
    assert next(pages).meta.current_page == 1
    with pytest.raises(CluePagingError):
        next(pages)


def test_paging_error_is_an_api_error_and_not_retryable():
    fetch = Scripted({1: make_page(1, [], total=5, per_page=15, last_page=10**9)})
    with pytest.raises(ClueAPIError) as info:
        list(walk(fetch).pages())
    assert isinstance(info.value, CluePagingError)
    assert info.value.retryable is False


@pytest.mark.parametrize("total", [1, 99, 250, 1000])
def test_number_of_requests_is_bounded_by_meta(total):
    fetch = Table(total=total, per_page=25)
    list(walk(fetch).pages())
    assert len(fetch.calls) == expected_last_page(total, 25)


# --- fetch_many -------------------------------------------------------------------------------


class RecordingMapper:
    def __init__(self):
        self.ranges = []

    def __call__(self, fetch, pages):
        self.ranges.append(pages)
        return iter([fetch(page) for page in pages])  # eager, like a concurrent mapper


def test_custom_fetch_many_used_for_pages_two_to_n():
    fetch = Table(total=50, per_page=10)
    mapper = RecordingMapper()
    records = all_records(walk(fetch, fetch_many=mapper).pages())
    assert mapper.ranges == [range(2, 6)]
    assert fetch.calls == [1, 2, 3, 4, 5]
    assert records == ids(0, 50)


def test_custom_fetch_many_not_used_for_one_page():
    mapper = RecordingMapper()
    list(walk(Table(total=5, per_page=10), fetch_many=mapper).pages())
    assert mapper.ranges == []


def test_custom_fetch_many_called_again_when_last_page_grows():
    fetch = Scripted({
        1: make_page(1, ids(0, 10), total=20, per_page=10),
        2: make_page(2, ids(10, 10), total=40, per_page=10),
        3: make_page(3, ids(20, 10), total=40, per_page=10),
        4: make_page(4, ids(30, 10), total=40, per_page=10),
    })
    mapper = RecordingMapper()
    assert all_records(walk(fetch, fetch_many=mapper).pages()) == ids(0, 40)
    assert mapper.ranges == [range(2, 3), range(3, 5)]


def test_custom_fetch_many_pages_are_checked():
    fetch = Scripted({
        1: make_page(1, ids(0, 10), total=30, per_page=10),
        2: make_page(2, ids(10, 10), total=30, per_page=10),
        3: make_page(2, ids(10, 10), total=30, per_page=10),
    })
    with pytest.raises(CluePagingError):
        list(walk(fetch, fetch_many=RecordingMapper()).pages())


def test_fetch_in_order_is_lazy():
    calls = []

    def fetch(page):
        calls.append(page)
        return page

    pages = fetch_in_order(fetch, range(1, 4))
    assert calls == []
    assert next(pages) == 1
    assert calls == [1]
    assert list(pages) == [2, 3]


@pytest.mark.parametrize(
    ("total", "per_page", "expected"),
    [(0, 15, 1), (1, 15, 1), (15, 15, 1), (16, 15, 2), (5, 1, 5), (1000, 1000, 1), (1001, 1000, 2)],
)
def test_expected_last_page(total, per_page, expected):
    assert expected_last_page(total, per_page) == expected


# --- Pull: each record once ---------------------------------------------------------------------


class FakeClient:
    """What Pull needs of a client: pages by number (of an unsliced query), a concurrency limit, its zone."""

    settings = SimpleNamespace(zone=None)  # read only to check created_at windows, which these queries lack

    def __init__(self, fetch):
        self.fetch = fetch
        self.counts = RequestCounts()
        self.concurrency = ConcurrencyLimit(1, logger=logging.getLogger("test"))

    def get_page(self, query, page, *, watch, counts):
        return self.fetch(page)


def pull(fetch, max_records=None, logger=None):
    query = SimpleNamespace(path=PATH, filters=ClueFilters())
    puller = Pull(FakeClient(fetch), query, logger=logger or logging.getLogger("test"), max_records=max_records)
    return list(puller.records()), puller.stats


def from_pages(pages):
    return lambda number: pages[number - 1]


def test_pull_dedupes_by_id():
    # newest-first data: a row inserted during the walk pushes r9 from page 1 onto page 2
    pages = [
        make_page(1, ids(0, 10), total=21, per_page=10),
        make_page(2, [{"id": "r9", "again": True}, *ids(10, 9)], total=22, per_page=10),
        make_page(3, ids(19, 2), total=22, per_page=10),
    ]
    records, stats = pull(from_pages(pages))
    assert [record["id"] for record in records] == [f"r{n}" for n in range(21)]
    assert records[9] == {"id": "r9"}  # the first copy is kept
    assert stats.duplicates == 1 and stats.passes == 1


def test_pull_int_and_str_ids_are_distinct():
    pages = [make_page(1, [{"id": 1}, {"id": "1"}, {"id": 1}], total=2, per_page=10)]
    assert pull(from_pages(pages))[0] == [{"id": 1}, {"id": "1"}]


@pytest.mark.parametrize(("max_records", "expected"), [(1, 1), (3, 3), (10, 10), (25, 25), (26, 25), (1000, 25)])
def test_pull_max_records(max_records, expected):
    fetch = Table(total=25, per_page=10)
    records, _ = pull(fetch, max_records=max_records)
    assert records == ids(0, expected)


def test_pull_max_records_counts_distinct_ids():
    pages = [make_page(1, [{"id": "a"}, {"id": "a"}, {"id": "b"}, {"id": "c"}], total=4, per_page=10)]
    assert [r["id"] for r in pull(from_pages(pages), max_records=2)[0]] == ["a", "b"]


def test_pull_max_records_stops_fetching():
    fetch = Table(total=100, per_page=10)
    records, _ = pull(fetch, max_records=5)
    assert len(records) == 5
    assert fetch.calls == [1]


def test_pull_max_records_on_page_boundary_stops_fetching():
    fetch = Table(total=100, per_page=10)
    pull(fetch, max_records=10)
    assert fetch.calls == [1]


def test_pull_without_limit_reads_everything():
    fetch = Table(total=35, per_page=10)
    assert len(pull(fetch)[0]) == 35
    assert fetch.calls == [1, 2, 3, 4]


def test_pull_warns_when_the_total_changes(caplog):
    pages = [make_page(1, ids(0, 10), total=20, per_page=10), make_page(2, ids(10, 10), total=21, per_page=10),
             make_page(3, ids(20, 1), total=21, per_page=10)]
    with caplog.at_level(logging.INFO):
        records, stats = pull(from_pages(pages))
    assert len(records) == 21 and stats.total == 20 and stats.total_changed
    assert "changed while it was read (20 -> 21)" in caplog.text
    assert "Pulled: 21 records" in caplog.text and "from 3 pages in 1 slices (1 passes)" in caplog.text
