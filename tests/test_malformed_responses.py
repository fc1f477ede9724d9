"""Malformed responses, property-based: whatever the server answers, the hook fails cleanly and soon.

The emulator answers with generated raw responses (:meth:`ClueEmulator.respond_with`): envelopes
with ``code``/``status``/``meta``/``data`` missing or mistyped, absurd or inconsistent ``meta``,
records without a usable ``id``, truncated JSON, random bytes, HTML error pages, and valid first
pages followed by pages that do not advance, change ``per_page`` or go wrong otherwise. For each,
a real :class:`ClueHook` (or a :class:`ClueClient` with a fake sleep, to exercise retries):

- raises only :class:`ClueError` subclasses, or completes with records that all have an ``id``;
- sends a bounded number of requests: for a first page whose ``meta`` justifies ``L`` pages
  (``max(1, ceil(total / per_page))``), at most ``(L + 1) * MAX_PASSES * (1 + max_retries)``;
  otherwise at most ``1 + max_retries``;
- never puts the phone number or e-mail address of the served body into an error message.

The bugs these tests found are pinned at the end (all fixed).
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from airflow_provider_clue.api.client import ClueClient
from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
from airflow_provider_clue.api.paging import expected_last_page
from airflow_provider_clue.api.pull import MAX_PASSES, Pull
from airflow_provider_clue.exceptions import ClueError, ClueMalformedResponseError, CluePagingError
from airflow_provider_clue.hooks.clue import ClueHook
from airflow_provider_clue.testing.faults import ScriptedResponse

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from airflow_provider_clue.testing import ClueEmulator

TOKEN = "tok-malformed-4b7e21"
CONN_ID = "clue_malformed"
PHONE = "13800138000"
EMAIL = "leak@example.test"
PII = (PHONE, EMAIL)
CLIENT_RETRIES = 2
EXAMPLES = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

Json = Any
# A raw answer: HTTP status, body bytes, content type.
Answer = tuple[int, bytes, str]


# -- the served data ----------------------------------------------------------------------------------


def record(page: int, index: int) -> dict[str, Any]:
    """A record as the API sends it, carrying the distinctive phone and e-mail."""
    return {
        "id": f"4d2e14b2-{page:04d}-{index:04d}",
        "user_id": "40863af8-db4a-41c6-a269-eb5bc386d97f",
        "phone": PHONE,
        "email": EMAIL,
        "company": None,
        "name": "金山上",
        "created_at": "2026-10-05 12:00:00",
    }


def envelope(
    *, page: int, total: int, per_page: int, last_page: int | None = None, data: list[Any] | None = None
) -> dict[str, Any]:
    """A well-formed envelope for ``page`` (records as many as ``total`` leaves for it, unless ``data``)."""
    if last_page is None:
        last_page = expected_last_page(total, per_page)
    if data is None:
        data = [record(page, index) for index in range(max(0, min(per_page, total - (page - 1) * per_page)))]
    return {
        "code": 200,
        "status": "success",
        "message": f"筛选客户公海列表成功 {PHONE} {EMAIL}",
        "meta": {
            "has_pages": last_page > 1,
            "total": total,
            "last_page": last_page,
            "current_page": page,
            "per_page": per_page,
        },
        "data": data,
    }


def json_answer(document: Json, status: int = 200) -> Answer:
    return status, json.dumps(document, ensure_ascii=False).encode(), "application/json"


def html_page(status: int) -> bytes:
    return (
        f"<!DOCTYPE html><html><head><title>{status} error</title></head><body><h1>{status}</h1>"
        f"<p>Contact {EMAIL} or call {PHONE}.</p><pre>{{\"code\": 200, \"meta\": {{</pre></body></html>"
    ).encode()


# -- strategies ---------------------------------------------------------------------------------------

WRONG_TYPES = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    st.floats(),
    st.booleans(),
)
CODES = st.one_of(
    st.sampled_from([401, 403, 404, 408, 422, 429, 500, 503, 0, -1, 1, 201, 302, 10**12, 200.5]),
    st.sampled_from(["200", "401", "429", "500", "0", "-1", "二百", "200 ", "２００", "", "ok"]),
    st.integers(),
    WRONG_TYPES,
)
STATUSES = st.one_of(st.sampled_from(["error", "fail", "", "SUCCESS", "success ", "成功"]), WRONG_TYPES)
META_NUMBERS = st.one_of(
    st.integers(-(10**6), -1),
    st.sampled_from([0, 10**9, 10**18, 2**63, 2**64 + 1, 10**40]),
    st.booleans(),
    st.floats(),
    st.sampled_from(["5", "1", "abc", ""]),
    st.none(),
)
BAD_IDS = st.one_of(st.none(), st.just(""), st.booleans(), st.floats(), st.lists(st.integers(), max_size=2),
                    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
NOT_OBJECTS = st.one_of(st.none(), st.integers(), st.text(max_size=8), st.lists(st.integers(), max_size=2),
                        st.booleans(), st.floats())
META_FIELDS = ("current_page", "last_page", "per_page", "total", "has_pages")
HTTP_ERRORS = st.sampled_from([400, 401, 403, 404, 405, 408, 418, 422, 429, 500, 502, 503, 504])


@st.composite
def sizes(draw: st.DrawFn, *, min_pages: int = 1) -> tuple[int, int]:
    """``(total, per_page)`` of a small query spanning at least ``min_pages`` pages."""
    per_page = draw(st.integers(1, 5))
    total = draw(st.integers((min_pages - 1) * per_page + (1 if min_pages > 1 else 0), 5 * per_page))
    return total, per_page


@st.composite
def mutation(draw: st.DrawFn) -> Callable[[dict[str, Any]], None]:
    """One way to spoil an envelope (in place)."""
    kind = draw(st.sampled_from([
        "drop_field", "field_wrong_type", "code", "status", "meta_drop", "meta_number", "last_page",
        "data_not_object", "data_bad_id", "data_no_id", "too_many_records", "message",
    ]))
    if kind == "drop_field":
        name = draw(st.sampled_from(["code", "status", "meta", "data", "message"]))
        return lambda document: document.pop(name, None)
    if kind == "field_wrong_type":
        name = draw(st.sampled_from(["code", "status", "meta", "data"]))
        value = draw(WRONG_TYPES)
        return lambda document: document.__setitem__(name, value)
    if kind in ("code", "status"):
        value = draw(CODES if kind == "code" else STATUSES)
        return lambda document: document.__setitem__(kind, value)
    if kind == "message":
        value = draw(st.one_of(WRONG_TYPES, st.just({"detail": f"{PHONE} {EMAIL}"}), st.just([PHONE, EMAIL])))
        return lambda document: document.__setitem__("message", value)
    if kind in ("meta_drop", "meta_number"):
        name = draw(st.sampled_from(META_FIELDS))
        value = draw(META_NUMBERS)

        def spoil_meta(document: dict[str, Any]) -> None:
            meta = document.get("meta")
            if isinstance(meta, dict):
                if kind == "meta_drop":
                    meta.pop(name, None)
                else:
                    meta[name] = value

        return spoil_meta
    if kind == "last_page":
        absurd = draw(st.sampled_from([10**9, 0, -1, 2, 3, 7]))

        def spoil_last_page(document: dict[str, Any]) -> None:
            if isinstance(document.get("meta"), dict):
                document["meta"]["last_page"] = absurd

        return spoil_last_page

    bad_entry = draw(NOT_OBJECTS) if kind == "data_not_object" else {"phone": PHONE, "email": EMAIL}
    if kind == "data_bad_id":
        bad_entry["id"] = draw(BAD_IDS)
    position = draw(st.integers(0, 5))

    def spoil_data(document: dict[str, Any]) -> None:
        data = document.get("data")
        if not isinstance(data, list):
            return
        if kind == "too_many_records":
            data.extend(record(99, index) for index in range(len(data), len(data) + 6))
        else:
            data.insert(min(position, len(data)), bad_entry)

    return spoil_data


@st.composite
def malformed_envelopes(draw: st.DrawFn, *, page: int = 1, total: int | None = None,
                        per_page: int | None = None) -> Answer:
    """A page's envelope spoiled in one to three ways, served with HTTP 200 (mostly) or an error status."""
    if total is None or per_page is None:
        total, per_page = draw(sizes())
    document = envelope(page=page, total=total, per_page=per_page)
    for spoil in draw(st.lists(mutation(), min_size=1, max_size=3)):
        spoil(document)
    status = draw(st.one_of(st.just(200), st.just(200), HTTP_ERRORS))
    return json_answer(document, status)


@st.composite
def truncated_json(draw: st.DrawFn) -> Answer:
    total, per_page = draw(sizes())
    body = json.dumps(envelope(page=1, total=total, per_page=per_page), ensure_ascii=False).encode()
    return draw(st.sampled_from([200, 200, 502])), body[: draw(st.integers(0, len(body) - 1))], "application/json"


@st.composite
def html_pages(draw: st.DrawFn) -> Answer:
    status = draw(st.sampled_from([200, 404, 500, 502, 503, 504]))
    return status, html_page(status), draw(st.sampled_from(["text/html", "application/json"]))


@st.composite
def random_bytes(draw: st.DrawFn) -> Answer:
    return draw(st.sampled_from([200, 500])), draw(st.binary(max_size=120)), "application/json"


@st.composite
def json_errors(draw: st.DrawFn) -> Answer:
    """A JSON error body (Laravel's, or the API's envelope) with an HTTP error status."""
    document = draw(st.sampled_from([
        {"message": f"Unauthenticated. {EMAIL}"},
        {"message": f"Server Error: duplicate phone {PHONE}"},
        {"message": "The given data was invalid.", "errors": {"phone": [f"{PHONE} is taken"]}},
        {"code": 500, "status": "error", "message": f"系统繁忙 {PHONE}", "data": []},
        {},
    ]))
    return json_answer(document, draw(HTTP_ERRORS))


@st.composite
def other_json(draw: st.DrawFn) -> Answer:
    """Valid JSON that is not an object: null, a number, a string, an array of records."""
    document = draw(st.one_of(
        st.none(), st.integers(), st.floats(), st.text(max_size=10), st.booleans(),
        st.just([record(1, 0)]), st.just(f"{PHONE} {EMAIL}"),
    ))
    return json_answer(document, draw(st.sampled_from([200, 200, 500])))


ANY_BAD_ANSWER = st.one_of(malformed_envelopes(), truncated_json(), html_pages(), random_bytes(), json_errors(),
                           other_json())

PAGE_KINDS = ("valid", "stuck", "back_to_one", "jump", "per_page_changed", "total_fell", "absurd_last_page",
              "empty", "duplicates", "too_many", "bad_answer")


@dataclass(frozen=True)
class Scenario:
    """A valid page 1 of ``total`` records, ``per_page`` a page, then page ``n`` answered as ``kinds[n]``."""

    total: int
    per_page: int
    kinds: dict[int, str]
    bad_answers: dict[int, Answer]

    @property
    def last_page(self) -> int:
        return expected_last_page(self.total, self.per_page)

    @property
    def ids(self) -> list[str]:
        """The ids of the records of pages 1..last_page of the valid envelopes."""
        return [entry["id"] for page in range(1, self.last_page + 1)
                for entry in envelope(page=page, total=self.total, per_page=self.per_page)["data"]]

    def answer(self, page: int) -> Answer:
        total, per_page = self.total, self.per_page
        kind = self.kinds.get(page, "valid")
        if kind == "bad_answer":
            return self.bad_answers[page]
        document = envelope(page=page, total=total, per_page=per_page)
        meta = document["meta"]
        if kind == "stuck":
            meta["current_page"] = page - 1
        elif kind == "back_to_one":
            document = envelope(page=1, total=total, per_page=per_page)
        elif kind == "jump":
            meta["current_page"] = page + 1
        elif kind == "per_page_changed":
            changed = per_page + 1 if per_page < 3 else per_page - 1
            document = envelope(page=page, total=total, per_page=changed)
        elif kind == "total_fell":
            document = envelope(page=page, total=max(0, total - per_page), per_page=per_page)
        elif kind == "absurd_last_page":
            meta["last_page"] = 10**9
        elif kind == "empty":
            document["data"] = []
        elif kind == "duplicates":
            document["data"] = envelope(page=1, total=total, per_page=per_page)["data"]
        elif kind == "too_many":
            document["data"] = [record(page, index) for index in range(per_page + 1)]
        return json_answer(document)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    total, per_page = draw(sizes(min_pages=2))
    last_page = expected_last_page(total, per_page)
    kinds = {
        page: draw(st.sampled_from(PAGE_KINDS) if draw(st.booleans()) else st.just("valid"))
        for page in range(2, last_page + 2)
    }
    bad = {page: draw(st.one_of(malformed_envelopes(page=page, total=total, per_page=per_page), ANY_BAD_ANSWER))
           for page, kind in kinds.items() if kind == "bad_answer"}
    return Scenario(total, per_page, kinds, bad)


# -- running a call against the emulator ------------------------------------------------------------


@dataclass
class Outcome:
    records: list[dict[str, Any]] | None
    error: ClueError | None
    requests: int


def serve(emulator: ClueEmulator, answer: Callable[[int], Answer]) -> None:
    """Answer every API request with ``answer(page)``, forgetting the previous example's script and log."""
    emulator.clear_faults()
    emulator.clear_requests()
    emulator.respond_with(lambda page: _scripted(answer(page)))


def _scripted(answer: Answer) -> ScriptedResponse:
    status, body, content_type = answer
    return ScriptedResponse(status, body, content_type)


def run(emulator: ClueEmulator, call: Callable[[], Any]) -> Outcome:
    """Call, keeping a ClueError; anything else propagates and fails the test."""
    emulator.clear_requests()
    records = error = None
    try:
        result = call()
        records = result if isinstance(result, list) else [result]
    except ClueError as err:
        error = err
    if currently_in_test_context():  # shown by --hypothesis-show-statistics
        event("outcome", type(error).__name__ if error else f"{len(records or [])} records")
    return Outcome(records, error, len(emulator.requests))


def check(outcome: Outcome, *, most_requests: int, is_pull: bool, total: int | None = None) -> list[Any]:
    """Assert the three properties; for a pull that completed, return its ids (never fewer than ``total``)."""
    assert outcome.requests <= most_requests, f"{outcome.requests} requests, at most {most_requests} justified"
    if outcome.error is not None:
        text = f"{outcome.error} {outcome.error!r} {getattr(outcome.error, 'api_message', '')}"
        assert not [value for value in PII if value in text], text
        return []
    assert outcome.records is not None
    if not is_pull:
        return []
    ids = [entry["id"] for entry in outcome.records]
    assert all(isinstance(i, (str, int)) and not isinstance(i, bool) and i != "" for i in ids)
    assert len(ids) == len(set(ids)), "a record was yielded twice"
    assert total is None or len(ids) >= total, f"a short pull passed as complete: {len(ids)} of {total}"
    return ids


def justified(body: bytes) -> tuple[int, int] | None:
    """``(total, pages)`` when a body's ``meta`` justifies ``pages = max(1, ceil(total / per_page))``, else None."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    meta = document.get("meta") if isinstance(document, dict) else None
    if not isinstance(meta, dict):
        return None
    total, per_page = meta.get("total"), meta.get("per_page")
    if not isinstance(total, int) or not isinstance(per_page, int) or isinstance(total, bool):
        return None
    if isinstance(per_page, bool) or total < 0 or per_page < 1:
        return None
    return total, max(1, math.ceil(total / per_page))


def check_pull(outcome: Outcome, first_body: bytes, retries: int) -> None:
    """Bounded by the first body's ``meta`` (``1 + retries`` if it justifies no page); never short."""
    figures = justified(first_body)
    if figures is None:
        check(outcome, most_requests=1 + retries, is_pull=True)
    else:
        total, pages = figures
        check(outcome, most_requests=(pages + 1) * MAX_PASSES * (1 + retries), is_pull=True, total=total)


def check_scenario(outcome: Outcome, scenario: Scenario) -> None:
    """Bounded by page 1's ``meta``; a pull that completes yields exactly the records of pages 1..last_page."""
    ids = check(outcome, most_requests=(scenario.last_page + 1) * MAX_PASSES, is_pull=True, total=scenario.total)
    if outcome.error is None:
        assert set(ids) == set(scenario.ids)
    if all(kind == "valid" for kind in scenario.kinds.values()):
        assert outcome.error is None, outcome.error


@pytest.fixture
def emulator(make_emulator: Callable[..., ClueEmulator]) -> ClueEmulator:
    return make_emulator(records=0, token=TOKEN)


def hook_for(emulator: ClueEmulator, monkeypatch: pytest.MonkeyPatch, **extra: Any) -> ClueHook:
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", emulator.connection_json(**extra))
    return ClueHook(clue_conn_id=CONN_ID)


@pytest.fixture
def hook(emulator: ClueEmulator, monkeypatch: pytest.MonkeyPatch) -> ClueHook:
    """No retries, so a retryable answer fails at once (the client test below covers retries)."""
    return hook_for(emulator, monkeypatch, max_retries=0, max_retry_wait=0, per_page=5)


@pytest.fixture
def client(emulator: ClueEmulator) -> Iterator[ClueClient]:
    """Retries on, with a fake sleep that returns at once."""
    settings = ClueConnectionSettings.from_values(
        host=emulator.url, token=TOKEN, user_id=emulator.user_id,
        extras={"max_retries": CLIENT_RETRIES, "max_retry_wait": 60, "per_page": 5},
    )
    with ClueClient(settings, sleep=lambda seconds: None) as client:
        yield client


# -- properties ---------------------------------------------------------------------------------------


@EXAMPLES
@given(answer=ANY_BAD_ANSWER)
def test_any_bad_answer_fails_cleanly_through_the_hook(emulator: ClueEmulator, hook: ClueHook, answer: Answer) -> None:
    serve(emulator, lambda page: answer)
    check(run(emulator, lambda: hook.get_customer(page=1)), most_requests=1, is_pull=False)
    check_pull(run(emulator, lambda: list(hook.iter_customers())), answer[1], retries=0)


@EXAMPLES
@given(answer=ANY_BAD_ANSWER)
def test_retries_stay_bounded_and_only_retryable_answers_are_retried(
    emulator: ClueEmulator, client: ClueClient, answer: Answer
) -> None:
    serve(emulator, lambda page: answer)
    query = client.query()
    single = run(emulator, lambda: client.get_page(query, 1))
    check(single, most_requests=1 + CLIENT_RETRIES, is_pull=False)
    if single.error is not None:
        assert single.requests == (1 + CLIENT_RETRIES if getattr(single.error, "retryable", False) else 1)
    pull = Pull(client, query, logger=logging.getLogger("test_malformed"))
    check_pull(run(emulator, lambda: list(pull.records())), answer[1], retries=CLIENT_RETRIES)


@EXAMPLES
@given(scenario=scenarios())
def test_a_valid_first_page_then_bad_pages_stays_bounded(
    emulator: ClueEmulator, hook: ClueHook, scenario: Scenario
) -> None:
    serve(emulator, scenario.answer)
    check_scenario(run(emulator, lambda: list(hook.iter_customers())), scenario)


@pytest.mark.parametrize("max_concurrency", [1, 4])
@settings(EXAMPLES, max_examples=50)
@given(scenario=scenarios())
def test_bounded_at_any_concurrency(
    emulator: ClueEmulator, monkeypatch: pytest.MonkeyPatch, max_concurrency: int, scenario: Scenario
) -> None:
    hook = hook_for(emulator, monkeypatch, max_retries=0, max_retry_wait=0, max_concurrency=max_concurrency)
    serve(emulator, scenario.answer)
    check_scenario(run(emulator, lambda: list(hook.iter_customers())), scenario)


# -- named cases from the issue -----------------------------------------------------------------------


def test_absurd_last_page_with_five_records_is_one_request(emulator: ClueEmulator, hook: ClueHook) -> None:
    serve(emulator, lambda page: json_answer(envelope(page=1, total=5, per_page=15, last_page=10**9)))
    outcome = run(emulator, lambda: list(hook.iter_customers()))
    assert type(outcome.error).__name__ == "CluePagingError" and outcome.requests == 1


def test_current_page_that_does_not_advance_stops_the_walk(emulator: ClueEmulator, hook: ClueHook) -> None:
    serve(emulator, lambda page: json_answer(envelope(page=1, total=30, per_page=5)))
    outcome = run(emulator, lambda: list(hook.iter_customers()))
    assert type(outcome.error).__name__ == "CluePagingError"
    assert outcome.requests <= expected_last_page(30, 5)
    assert "does not advance" in str(outcome.error)


def test_html_page_with_status_200_is_a_malformed_response(emulator: ClueEmulator, hook: ClueHook) -> None:
    serve(emulator, lambda page: (200, html_page(200), "text/html"))
    outcome = run(emulator, lambda: hook.get_customer())
    assert isinstance(outcome.error, ClueMalformedResponseError) and outcome.error.retryable
    assert outcome.requests == 1


# -- bugs these found, fixed: each failed before the fix ------------------------------------------------


@pytest.mark.parametrize("status", [200, 502])
def test_deeply_nested_json_is_a_malformed_response(emulator: ClueEmulator, hook: ClueHook, status: int) -> None:
    serve(emulator, lambda page: (status, b"[" * 100_000, "application/json"))
    outcome = run(emulator, lambda: hook.get_customer())
    assert isinstance(outcome.error, ClueError)


def test_a_code_of_five_thousand_digits_is_a_malformed_response(emulator: ClueEmulator, hook: ClueHook) -> None:
    document = envelope(page=1, total=1, per_page=15)
    document["code"] = "9" * 5000
    serve(emulator, lambda page: json_answer(document))
    outcome = run(emulator, lambda: hook.get_customer())
    assert isinstance(outcome.error, ClueError)


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    document = envelope(page=1, total=1, per_page=15)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


@pytest.mark.parametrize(("path", "value"), [
    (("code",), PHONE),  # digits, but shaped as a phone number: shown redacted, not as a code
    (("status",), EMAIL),
    (("meta", "current_page"), record(1, 0)),
    (("meta", "total"), f"+86{PHONE}"),  # a sign: not a number as the server sends them
], ids=["code-phone", "status-email", "current_page-record", "total-phone"])
def test_personal_data_in_a_mistyped_field_does_not_reach_the_error(
    emulator: ClueEmulator, hook: ClueHook, path: tuple[str, ...], value: Any
) -> None:
    serve(emulator, lambda page: json_answer(_with(path, value)))
    outcome = run(emulator, lambda: hook.get_customer())
    assert outcome.error is not None
    check(outcome, most_requests=1, is_pull=False)


def test_a_long_message_is_handled_quickly(emulator: ClueEmulator, hook: ClueHook) -> None:
    document = envelope(page=1, total=1, per_page=15)
    document["message"] = "a" * 25_000
    serve(emulator, lambda page: json_answer(document))
    started = time.monotonic()
    outcome = run(emulator, lambda: hook.get_customer())
    assert outcome.error is None
    assert time.monotonic() - started < 0.5


def test_a_total_that_grows_with_every_page_does_not_extend_the_walk_without_bound(
    emulator: ClueEmulator, hook: ClueHook
) -> None:
    per_page, stop_growing_at = 5, 60

    def growing(page: int) -> Answer:
        total = page * per_page + (1 if page < stop_growing_at else 0)
        return json_answer(envelope(page=page, total=total, per_page=per_page,
                                    data=[record(page, index) for index in range(per_page)]))

    serve(emulator, growing)
    outcome = run(emulator, lambda: list(hook.iter_customers()))
    first_page_pages = expected_last_page(per_page + 1, per_page)
    assert isinstance(outcome.error, CluePagingError) and "grew from 2" in str(outcome.error)
    assert outcome.requests <= (2 * first_page_pages + 10) * MAX_PASSES


@pytest.mark.parametrize("window", [None, ["2026-10-05 00:00:00", "2026-10-05 23:59:59"]])
def test_an_answer_that_contradicts_itself_is_named_as_such_not_as_records_moving(
    emulator: ClueEmulator, hook: ClueHook, window: list[str] | None
) -> None:
    """``data: []`` with ``meta.total`` 5 on every request: nothing moved, the server contradicts itself."""
    serve(emulator, lambda page: json_answer(envelope(page=page, total=5, per_page=5, data=[])))
    filters = None if window is None else {"created_at": window}
    outcome = run(emulator, lambda: list(hook.iter_customers(filters=filters)))
    message = str(outcome.error)
    assert isinstance(outcome.error, CluePagingError)
    assert "meta.total is 5 on every page, but the pages held only those 0 distinct records" in message
    assert "the server contradicts itself" in message
    assert "moving" not in message and "moved between pages" not in message
    assert outcome.requests == MAX_PASSES
