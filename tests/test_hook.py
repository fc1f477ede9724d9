"""ClueHook and ClueClient against the emulator over real HTTP."""

from __future__ import annotations

import json
import logging
import math
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import pytest

from airflow_provider_clue.api.client import ClueClient
from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
from airflow_provider_clue.api.pull import Pull
from airflow_provider_clue.exceptions import (
    ClueAuthError,
    ClueBadRequestError,
    ClueConfigurationError,
    ClueConnectionError,
    ClueMalformedResponseError,
    CluePagingError,
    ClueRateLimitError,
    ClueServerError,
    ClueValidationError,
)
from airflow_provider_clue.hooks.clue import ClueHook

if TYPE_CHECKING:
    from airflow_provider_clue.testing import ClueEmulator

TOKEN = "tok-5f3a9c1e7d2b"


@pytest.fixture
def emulator(make_emulator: Any) -> ClueEmulator:
    return make_emulator(records=300, token=TOKEN, max_per_page=40)


def hook_for(emulator: ClueEmulator, monkeypatch: pytest.MonkeyPatch, **extra: Any) -> ClueHook:
    monkeypatch.setenv("AIRFLOW_CONN_CLUE_TEST", emulator.connection_json(**extra))
    return ClueHook(clue_conn_id="clue_test")


def client_for(emulator: ClueEmulator, sleeps: list[float], **extra: Any) -> ClueClient:
    settings = ClueConnectionSettings.from_values(
        host=emulator.url, token=emulator.token, user_id=emulator.user_id, extras=extra
    )
    return ClueClient(settings, sleep=sleeps.append)


# -- paging -------------------------------------------------------------------------------------


def test_pages_by_meta_when_the_server_clamps_per_page(emulator, monkeypatch):
    hook = hook_for(emulator, monkeypatch, per_page=100)
    records = list(hook.iter_customers())
    assert [r["id"] for r in records] == [r["id"] for r in emulator.records()]
    requests = emulator.requests
    assert len(requests) == math.ceil(300 / 40)
    assert {dict(parse_qsl(r.query))["per_page"] for r in requests} == {"100"}
    assert [r.per_page for r in requests] == [40] * len(requests)
    assert sorted(r.page for r in requests) == list(range(1, len(requests) + 1))


@pytest.mark.parametrize("max_concurrency", [1, 4])
def test_connections_are_reused_up_to_the_concurrency(emulator, monkeypatch, max_concurrency):
    hook = hook_for(emulator, monkeypatch, per_page=10, max_concurrency=max_concurrency)
    list(hook.iter_customers())
    assert len(emulator.requests) == 30
    assert 1 <= len({r.client_port for r in emulator.requests}) <= max_concurrency


@pytest.mark.parametrize(("max_concurrency", "most_requests"), [(1, 3), (4, 3 + 4)])
def test_max_records_stops_early(emulator, monkeypatch, max_concurrency, most_requests):
    hook = hook_for(emulator, monkeypatch, per_page=10, max_concurrency=max_concurrency)
    records = list(hook.iter_customers(max_records=25))
    assert [r["id"] for r in records] == [r["id"] for r in emulator.records()][:25]
    assert 3 <= len(emulator.requests) <= most_requests


def test_record_inserted_mid_pull_does_not_duplicate(emulator, monkeypatch):
    hook = hook_for(emulator, monkeypatch, per_page=40)
    before = [r["id"] for r in emulator.records()]

    def insert_after_first_page(user_id: str, stage: str, page: int) -> None:
        if page == 1:
            emulator.insert(created_at="2026-11-01 00:00:00")

    emulator.on_page(insert_after_first_page)
    ids = [r["id"] for r in hook.iter_customers()]
    assert len(ids) == len(set(ids))
    assert set(before) <= set(ids)


def logged_text(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> str:
    """What was logged, through the standard logging or Airflow's structlog (which writes to stdout)."""
    captured = capsys.readouterr()
    return caplog.text + captured.out + captured.err


def test_total_change_is_logged(emulator, monkeypatch, caplog, capsys):
    hook = hook_for(emulator, monkeypatch, per_page=40)
    emulator.on_page(lambda user_id, stage, page: page == 1 and emulator.insert())
    with caplog.at_level(logging.WARNING):
        list(hook.iter_customers())
    text = logged_text(caplog, capsys)
    assert "changed while it was read (300 -> 301" in text


def test_get_customer_returns_the_envelope(emulator, monkeypatch):
    envelope = hook_for(emulator, monkeypatch).get_customer(page=2, per_page=5)
    assert envelope["code"] == 200 and envelope["status"] == "success"
    assert envelope["meta"] == {"has_pages": True, "total": 300, "last_page": 60, "current_page": 2, "per_page": 5}
    assert [r["id"] for r in envelope["data"]] == [r["id"] for r in emulator.records()][5:10]


def test_count_is_one_cheap_request(emulator, monkeypatch):
    hook = hook_for(emulator, monkeypatch)
    expected = sum(r["sex"] == 1 for r in emulator.records())
    assert hook.count_customers(filters={"sex": [1]}) == expected
    _count, probe = emulator.requests  # the hook's first count with filters is proven to have reached the API
    assert json.loads(probe.body)["created_at"] == ["1970-01-01 00:00:00", "1970-01-01 00:00:00"]
    emulator.clear_requests()
    assert hook.count_customers(filters={"sex": [1]}) == expected
    [request] = emulator.requests
    assert dict(parse_qsl(request.query))["per_page"] == "1"


# -- filters ------------------------------------------------------------------------------------


def _filter_cases(emulator: ClueEmulator) -> list[tuple[dict[str, Any], Any]]:
    sample = next(r for r in emulator.records() if r["email"] and r["company"])
    component_id, component_value = sample["components"][1]["id"], sample["components"][1]["value"]
    return [
        ({"phone": sample["phone"]}, lambda r: r["phone"] == sample["phone"]),
        ({"email": sample["email"]}, lambda r: r["email"] == sample["email"]),
        ({"company": "深圳"}, lambda r: "深圳" in (r["company"] or "")),
        ({"operator": [1, 2]}, lambda r: r["operator"] in (1, 2)),
        ({"sex": [0]}, lambda r: r["sex"] == 0),
        ({"is_follow": 1}, lambda r: r["is_follow"] == 1),
        ({"ai_call": 0}, lambda r: r["ai_call"] == 0),
        (
            {"components": [{"id": component_id, "value": component_value}]},
            lambda r: any(  # the emulator's assumption: text contains the value, numbers and dates equal it
                c["id"] == component_id
                and (component_value in c["value"] if c["type"] == "text" else c["value"] == component_value)
                for c in r["components"]
            ),
        ),
        (
            {"created_at": ["2026-10-05 00:00:00", "2026-10-06 23:59:59"]},
            lambda r: "2026-10-05" <= r["created_at"][:10] <= "2026-10-06",
        ),
        (
            {"created_at": ["2026-10-05 00:00:00", "2026-10-20 00:00:00"], "sex": [1, 2], "ai_call": 1},
            lambda r: "2026-10-05 00:00:00" <= r["created_at"] <= "2026-10-20 00:00:00"
            and r["sex"] in (1, 2) and r["ai_call"] == 1,
        ),
    ]


@pytest.mark.parametrize("filters_in", ["body", "query"])
@pytest.mark.parametrize("case", range(10))
def test_every_filter_in_both_wire_formats(emulator, monkeypatch, filters_in, case):
    filters, predicate = _filter_cases(emulator)[case]
    expected = [r["id"] for r in emulator.records() if predicate(r)]
    assert expected, "the case must select something"
    hook = hook_for(emulator, monkeypatch, filters_in=filters_in, per_page=25)
    assert [r["id"] for r in hook.iter_customers(filters=filters)] == expected
    first = next(r for r in emulator.requests if r.path.endswith("/get_customer"))  # after a template read
    if filters_in == "body":
        assert json.loads(first.body) == filters
        assert set(dict(parse_qsl(first.query))) == {"page", "per_page"}
    else:
        assert first.body == ""
        sent = [key for key, _ in parse_qsl(first.query) if key not in ("page", "per_page")]
        assert sent and all(key.startswith(tuple(filters)) for key in sent)


def test_encryption_returns_encrypted_phones(emulator, monkeypatch):
    hook = hook_for(emulator, monkeypatch)
    plain = hook.get_customer(per_page=3)["data"]
    encrypted = hook.get_customer(per_page=3, filters={"encryption": True})["data"]
    assert [r["id"] for r in plain] == [r["id"] for r in encrypted]
    assert all(p["phone"] != e["phone"] and len(e["phone"]) == 32 for p, e in zip(plain, encrypted, strict=False))


def test_a_day_window_includes_its_midnight_and_excludes_the_previous_second(emulator, monkeypatch):
    hook = hook_for(emulator, monkeypatch)
    records = list(hook.iter_customers(filters={"created_at": ["2026-10-02 00:00:00", "2026-10-02 23:59:59"]}))
    stamps = {r["created_at"] for r in records}
    assert "2026-10-02 00:00:00" in stamps
    assert "2026-10-02 23:59:59" in stamps
    assert all(s.startswith("2026-10-02") for s in stamps)
    assert len(records) == sum(r["created_at"].startswith("2026-10-02") for r in emulator.records())


def test_aware_datetimes_are_converted_to_the_connection_zone(emulator, monkeypatch):
    hook = hook_for(emulator, monkeypatch)
    utc_day = [datetime(2026, 10, 1, 16, tzinfo=timezone.utc), datetime(2026, 10, 2, 15, 59, 59, tzinfo=timezone.utc)]
    shanghai_day = ["2026-10-02 00:00:00", "2026-10-02 23:59:59"]
    by_datetime = [r["id"] for r in hook.iter_customers(filters={"created_at": utc_day})]
    by_string = [r["id"] for r in hook.iter_customers(filters={"created_at": shanghai_day})]
    assert by_datetime == by_string and by_datetime


def test_other_stage_and_user_route_is_quoted(make_emulator, monkeypatch):
    other_user = "0b7e7f58-59a4-4d3e-9c59-0a9a4e3c2f11"
    emulator = make_emulator(records=20, user_ids=["40863af8-db4a-41c6-a269-eb5bc386d97f", other_user],
                             stages=["clue", "customer"])
    hook = hook_for(emulator, monkeypatch)
    ids = [r["id"] for r in hook.iter_customers(user_id=other_user, stage="customer")]
    assert ids == [r["id"] for r in emulator.records(user_id=other_user, stage="customer")]
    assert emulator.requests[0].path == f"/agent-api/user/{other_user}/type/customer/get_customer"


# -- bad input: refused before any request ------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"user_id": "../../admin"}, "user_id"),
        ({"user_id": "%2e%2e"}, "user_id"),
        ({"user_id": "40863af8-db4a-41c6-a269-eb5bc386d97f/x"}, "user_id"),
        ({"stage": "clue/../x"}, "stage"),
        ({"stage": "Clue Stage"}, "stage"),
        ({"per_page": 0}, "per_page"),
        ({"per_page": -5}, "per_page"),
        ({"filters": {"colour": "red"}}, "filters.colour"),
        ({"filters": {"operator": [4]}}, "filters.operator"),
        ({"filters": {"created_at": ["2026-10-02 00:00:00", "2026-10-01 00:00:00"]}}, "filters.created_at"),
        ({"filters": {"created_at": ["2026-10-02", "2026-10-03"]}}, "filters.created_at (start)"),
        ({"filters": {"is_follow": True}}, "filters.is_follow"),
    ],
)
def test_bad_input_is_refused_before_any_request(emulator, monkeypatch, kwargs, field):
    hook = hook_for(emulator, monkeypatch)
    with pytest.raises(ClueValidationError) as err:
        hook.iter_customers(**kwargs)
    assert err.value.field == field
    with pytest.raises(ClueValidationError):
        hook.count_customers(**{k: v for k, v in kwargs.items() if k != "per_page"} or {"user_id": "x"})
    assert emulator.requests == []


@pytest.mark.parametrize(("page", "field"), [(0, "page"), (-1, "page"), (True, "page")])
def test_bad_page_is_refused(emulator, monkeypatch, page, field):
    with pytest.raises(ClueValidationError) as err:
        hook_for(emulator, monkeypatch).get_customer(page=page)
    assert err.value.field == field
    assert emulator.requests == []


def test_unknown_extra_is_an_error_not_a_header(emulator, monkeypatch):
    hook = hook_for(emulator, monkeypatch, **{"X-Api-Key": "abc"})
    with pytest.raises(ClueConfigurationError, match=r"extra\.X-Api-Key: unknown connection extra"):
        hook.count_customers()
    assert emulator.requests == []


# -- errors -------------------------------------------------------------------------------------


def test_wrong_token_is_an_auth_error_without_retry(emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_CLUE_TEST", emulator.connection_json().replace(TOKEN, "wrong-token-123"))
    with pytest.raises(ClueAuthError) as err:
        ClueHook(clue_conn_id="clue_test").count_customers()
    message = str(err.value)
    assert "HTTP status 401" in message and "Unauthenticated." in message and "page 1" in message
    assert "/get_customer" in message and "wrong-token-123" not in message
    assert len(emulator.requests) == 1


def test_unknown_user_is_an_auth_error_from_inside_http_200(emulator, monkeypatch):
    with pytest.raises(ClueAuthError) as err:
        hook_for(emulator, monkeypatch).count_customers(user_id="0b7e7f58-59a4-4d3e-9c59-0a9a4e3c2f11")
    assert "code 403" in str(err.value) and "HTTP status 200" in str(err.value)
    assert len(emulator.requests) == 1


def test_unknown_stage_is_a_bad_request(emulator, monkeypatch):
    with pytest.raises(ClueBadRequestError, match="code 422"):
        hook_for(emulator, monkeypatch).count_customers(stage="customer")
    assert len(emulator.requests) == 1


def test_wrong_route_is_a_bad_request(emulator, monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_CLUE_TEST",
        json.dumps({"conn_type": "clue", "host": emulator.url + "/v2", "password": TOKEN, "login": emulator.user_id}),
    )
    with pytest.raises(ClueBadRequestError, match="HTTP status 404"):
        ClueHook(clue_conn_id="clue_test").count_customers()
    assert len(emulator.requests) == 1


@pytest.mark.parametrize(
    ("fault", "error_class"),
    [
        ("rate_limit", ClueRateLimitError),
        ("server_error", ClueServerError),
        ("drop", ClueConnectionError),
        ("truncate", ClueMalformedResponseError),
        ("business_error", ClueServerError),
        ("html_error", ClueServerError),
    ],
)
def test_transient_faults_are_retried(emulator, fault, error_class):
    sleeps: list[float] = []
    client = client_for(emulator, sleeps, max_retries=3)
    emulator.fail_next(fault, times=2)
    records = list(Pull(client, client.query(per_page=100), logger=logging.getLogger("test")).records())
    assert len(records) == 300
    assert len(emulator.requests) == 2 + math.ceil(300 / 40)
    assert client.counts.retries == 2
    assert client.counts.retried_errors == {error_class.__name__: 2}
    assert len(sleeps) == 2


def test_retries_are_bounded_by_max_retries(emulator):
    sleeps: list[float] = []
    client = client_for(emulator, sleeps, max_retries=2)
    emulator.fail_next("server_error", times=10)
    with pytest.raises(ClueServerError, match="HTTP status 500"):
        client.get_page(client.query(), 1)
    assert len(emulator.requests) == 3


def test_retries_are_bounded_by_total_wait(emulator):
    sleeps: list[float] = []
    client = client_for(emulator, sleeps, max_retries=10, max_retry_wait=5)
    emulator.set_faults(rate_limit=1.0, retry_after="2")
    with pytest.raises(ClueRateLimitError):
        client.get_page(client.query(), 1)
    assert len(emulator.requests) == 3
    assert sum(sleeps) <= 5


@pytest.mark.parametrize("status_fault", ["rate_limit"])
def test_no_retry_on_auth_error(emulator, status_fault):
    sleeps: list[float] = []
    settings = ClueConnectionSettings.from_values(host=emulator.url, token="bad-token", user_id=emulator.user_id)
    client = ClueClient(settings, sleep=sleeps.append)
    with pytest.raises(ClueAuthError):
        client.get_page(client.query(), 1)
    assert len(emulator.requests) == 1 and sleeps == []


def test_retry_after_seconds_is_honoured_in_real_time(emulator, monkeypatch):
    emulator.set_faults(retry_after="1")
    emulator.fail_next("rate_limit")
    started = time.monotonic()
    assert hook_for(emulator, monkeypatch).count_customers() == 300
    assert time.monotonic() - started >= 1.0
    assert [r.status for r in emulator.requests] == [429, 200]


def test_retry_after_http_date_is_honoured(emulator):
    sleeps: list[float] = []
    client = client_for(emulator, sleeps)
    emulator.set_faults(retry_after=format_datetime(datetime.now(timezone.utc) + timedelta(seconds=3), usegmt=True))
    emulator.fail_next("rate_limit")
    client.get_page(client.query(), 1)
    assert len(sleeps) == 1 and 1.5 <= sleeps[0] <= 3.2


def test_retry_logs_do_not_leak_the_token_or_personal_data(emulator, monkeypatch, caplog, capsys):
    hook = hook_for(emulator, monkeypatch)
    emulator.fail_next("server_error")
    phone = emulator.records()[0]["phone"]
    with caplog.at_level(logging.DEBUG):
        hook.count_customers(filters={"phone": phone})
    text = logged_text(caplog, capsys)
    assert "Retry 1 of 5" in text
    assert TOKEN not in text and phone not in text


# -- test_connection ----------------------------------------------------------------------------


def test_test_connection_reports_success(emulator, monkeypatch):
    ok, message = hook_for(emulator, monkeypatch).test_connection()
    assert ok and "300 records" in message


def test_test_connection_reports_a_bad_token_without_it(emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_CLUE_TEST", emulator.connection_json().replace(TOKEN, "bad-token-987"))
    ok, message = ClueHook(clue_conn_id="clue_test").test_connection()
    assert not ok and "HTTP status 401" in message and "bad-token-987" not in message


def test_test_connection_needs_a_user_id(emulator, monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_CLUE_TEST", json.dumps({"conn_type": "clue", "host": emulator.url, "password": TOKEN})
    )
    ok, message = ClueHook(clue_conn_id="clue_test").test_connection()
    assert not ok and "User ID" in message
    assert emulator.requests == []


# -- records moving while a pull pages through them ----------------------------------------------


def test_records_deleted_mid_pull_are_not_lost(emulator, monkeypatch):
    hook = hook_for(emulator, monkeypatch, per_page=40)
    first_page = [r["id"] for r in emulator.records()[:40]]

    def delete_after_first_page(user_id: str, stage: str, page: int) -> None:
        if page == 1 and len(emulator.records()) == 300:
            emulator.delete(first_page[:5])

    emulator.on_page(delete_after_first_page)
    ids = [r["id"] for r in hook.iter_customers()]
    assert len(ids) == len(set(ids))
    assert emulator.ids() <= set(ids)
    assert len(ids) == 300


def test_unstable_order_within_a_second_is_read_exactly_or_fails_loudly(make_emulator, monkeypatch):
    emulator = make_emulator(records=0, token=TOKEN, shuffle_ties=True)
    for second in range(3):
        emulator.insert(20, created_at=f"2026-10-05 12:00:0{second}")
    hook = hook_for(emulator, monkeypatch, per_page=7)
    try:
        ids = [r["id"] for r in hook.iter_customers()]
    except CluePagingError as err:
        assert "incomplete pull" in str(err)
    else:
        assert sorted(ids) == sorted(emulator.ids())


def test_a_second_too_crowded_to_page_fails_loudly(make_emulator, monkeypatch):
    emulator = make_emulator(records=0, token=TOKEN, shuffle_ties=True)
    emulator.insert(500, created_at="2026-10-05 12:00:00")
    hook = hook_for(emulator, monkeypatch, per_page=50)
    with pytest.raises(CluePagingError, match=r"incomplete pull: .* in 3 passes"):
        list(hook.iter_customers())


def test_a_redirect_is_refused_and_named(emulator, monkeypatch):
    emulator.fail_next("redirect")
    with pytest.raises(ClueBadRequestError, match=r"redirected the request to api-moved\.invalid"):
        hook_for(emulator, monkeypatch).count_customers()
    assert len(emulator.requests) == 1


def test_filters_lost_on_the_way_are_detected(make_emulator, monkeypatch):
    emulator = make_emulator(records=300, token=TOKEN, drop_request_bodies=True)
    window = {"created_at": ["2026-10-05 00:00:00", "2026-10-05 23:59:59"]}
    with pytest.raises(ClueBadRequestError, match="set the connection extra filters_in to 'query'"):
        list(hook_for(emulator, monkeypatch).iter_customers(filters=window))
    by_query = hook_for(emulator, monkeypatch, filters_in="query").iter_customers(filters=window)
    assert {r["id"] for r in by_query} == emulator.ids(created_at=tuple(window["created_at"]))


def test_records_dated_as_laravel_serialises_them_are_checked_as_instants(make_emulator, monkeypatch):
    emulator = make_emulator(records=3000, token=TOKEN, laravel_dates=True)
    window = ("2026-10-05 00:00:00", "2026-10-05 23:59:59")
    emulator.insert(created_at="2026-10-05 00:00:00")
    records = list(hook_for(emulator, monkeypatch).iter_customers(filters={"created_at": list(window)}))
    assert len(records) == len({r["id"] for r in records}) and {r["id"] for r in records} == emulator.ids(
        created_at=window
    )
    assert min(r["created_at"] for r in records) == "2026-10-04T16:00:00.000000Z"  # local midnight, in UTC


@pytest.mark.parametrize(
    ("created_at", "shown"),
    [
        ("2026-10-05T12:00:00", "'2026-10-05T12:00:00'"),  # ISO 8601 without an offset: which zone?
        ("13800138000", "'[redacted]'"),
        (None, "None"),
        ("x" * 500, "'xxxx"),
    ],
)
def test_a_created_at_that_is_not_a_time_is_reported_as_such(make_emulator, monkeypatch, created_at, shown):
    emulator = make_emulator(records=0, token=TOKEN)
    record = {"id": "4d2e14b2-0001", "phone": "13800138000", "created_at": created_at}
    meta = {"has_pages": False, "total": 1, "last_page": 1, "current_page": 1, "per_page": 100}
    emulator.respond_next(200, json.dumps({"code": 200, "status": "success", "message": "ok", "meta": meta,
                                           "data": [record]}), times=5)
    window = {"created_at": ["2026-10-05 00:00:00", "2026-10-05 23:59:59"]}
    with pytest.raises(ClueMalformedResponseError, match=r"created_at of a record is not a time") as raised:
        list(hook_for(emulator, monkeypatch).iter_customers(filters=window))
    message = str(raised.value)
    assert shown in message and "13800138000" not in message and len(message) < 400
    assert "proxy" not in message and len(emulator.requests) == 1


def test_a_token_with_a_trailing_newline_is_trimmed(emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_CLUE_TEST", emulator.connection_json().replace(TOKEN, TOKEN + "\\n"))
    assert ClueHook(clue_conn_id="clue_test").count_customers() == 300


def test_a_token_with_inner_whitespace_is_refused_without_showing_it(emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_CLUE_TEST", emulator.connection_json().replace(TOKEN, "abc def-secret"))
    with pytest.raises(ClueConfigurationError) as err:
        ClueHook(clue_conn_id="clue_test").count_customers()
    assert "def-secret" not in str(err.value) and err.value.field == "password"
    assert emulator.requests == []


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, {"message": f"boom token={TOKEN}"}, ClueServerError),
        (401, {"message": f"Invalid token {TOKEN}"}, ClueAuthError),
        (200, {"code": 422, "status": "error", "message": f"bad request from {TOKEN}"}, ClueBadRequestError),
        (200, {"code": TOKEN, "status": TOKEN, "message": "?"}, ClueMalformedResponseError),
    ],
    ids=["500", "401", "422-in-200", "code-and-status"],
)
def test_a_token_the_server_echoes_is_in_no_error_message(emulator, monkeypatch, status, body, error):
    emulator.respond_next(status, json.dumps(body))
    with pytest.raises(error) as err:
        hook_for(emulator, monkeypatch, max_retries=0).count_customers()
    assert TOKEN not in str(err.value) and TOKEN not in repr(err.value.args)
    assert "***" in str(err.value)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("sk_live_Abc9Qz7Yx5Wv3", "x" * 280 + " token=sk_live_Abc9Qz7Yx5Wv3"),  # past the length messages are cut at
        ("5|Abc12345678XyzQwertyUiop", "bad token 5|Abc12345678XyzQwertyUiop"),  # digits a phone pattern would take
        ("a/b+c=d", "bad token a\\/b+c=d"),  # as Laravel's JSON escapes a slash
    ],
    ids=["cut", "digits", "json-escaped"],
)
def test_no_part_of_an_echoed_token_survives_redaction_or_cutting(make_emulator, monkeypatch, token, message):
    emulator = make_emulator(records=10, token=token)
    monkeypatch.setenv("AIRFLOW_CONN_CLUE_TEST", emulator.connection_json(max_retries=0))
    emulator.respond_next(401, '{"message": "' + message + '"}')
    with pytest.raises(ClueAuthError) as err:
        ClueHook(clue_conn_id="clue_test").count_customers()
    shown = str(err.value)
    assert not any(token[start : start + 6] in shown for start in range(len(token) - 5)), shown


def test_a_pull_without_a_window_that_an_unstable_order_defeats_says_to_pass_one(make_emulator, monkeypatch):
    emulator = make_emulator(records=1000, token=TOKEN, shuffle_ties=True, max_per_page=40)
    emulator.insert(300, created_at="2026-10-09 10:00:00")  # a bulk import: ties across many pages
    with pytest.raises(CluePagingError, match="pass a created_at window"):
        list(hook_for(emulator, monkeypatch, per_page=40).iter_customers())
