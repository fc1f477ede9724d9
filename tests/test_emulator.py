"""The clue API emulator, exercised over real HTTP with ``requests``.

Checks the emulator against ``NOTES.md``: realistic deterministic records, newest-first Laravel
paging, inclusive ``created_at`` windows in Asia/Shanghai, filters from a JSON body or Laravel query
arrays, auth and business errors, fault injection, run-time inserts and deletes, the control API, the
command line and the pytest fixture.
"""

from __future__ import annotations

import json
import math
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from airflow_provider_clue.testing import DEFAULT_TOKEN, DEFAULT_USER_ID, FAULT_KINDS, ClueEmulator, FaultRates
from airflow_provider_clue.testing.components import ComponentTemplate

EmulatorFactory = Callable[..., ClueEmulator]
TIMEOUT = 10
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
CHINESE_NAME_RE = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
# Mainland mobile prefixes by carrier, with the API's operator codes (1 Telecom, 2 Unicom, 3 Mobile).
CARRIER_PREFIXES = {
    1: {133, 149, 153, 162, 173, 174, 177, 180, 181, 189, 190, 191, 193, 199},
    2: {130, 131, 132, 145, 155, 156, 166, 167, 171, 175, 176, 185, 186, 196},
    3: {134, 135, 136, 137, 138, 139, 147, 148, 150, 151, 152, 157, 158, 159, 172, 178, 182, 183, 184,
        187, 188, 195, 197, 198},
}
OTHER_USER = "0b1c2d3e-4f50-4617-8a9b-acbdcedf0011"


# -- helpers ------------------------------------------------------------------------------------------


def api_url(emulator: ClueEmulator, user_id: str | None = None, stage: str = "clue") -> str:
    return f"{emulator.url}/agent-api/user/{user_id or emulator.user_id}/type/{stage}/get_customer"


def auth(token: str = DEFAULT_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def get(
    emulator: ClueEmulator,
    params: Any = None,
    body: Any = None,
    *,
    token: str | None = None,
    user_id: str | None = None,
    stage: str = "clue",
    headers: dict[str, str] | None = None,
) -> requests.Response:
    """One GET of the API route; filters go in ``body`` (JSON on the GET) and/or ``params``."""
    return requests.get(
        api_url(emulator, user_id, stage),
        params=params,
        json=body,
        headers=headers if headers is not None else auth(token or emulator.token),
        timeout=TIMEOUT,
    )


def page_of(emulator: ClueEmulator, params: Any = None, body: Any = None, **kwargs: Any) -> dict[str, Any]:
    response = get(emulator, params, body, **kwargs)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["code"] == 200 and payload["status"] == "success", payload
    return payload


def fetch_all(
    emulator: ClueEmulator, body: Any = None, params: dict[str, Any] | None = None, per_page: int = 100
) -> list[dict[str, Any]]:
    """Every record of a query, walking the pages."""
    records: list[dict[str, Any]] = []
    page = 1
    while True:
        payload = page_of(emulator, {**(params or {}), "page": page, "per_page": per_page}, body)
        records += payload["data"]
        if page >= payload["meta"]["last_page"]:
            return records
        page += 1


def fetch_all_for(emulator: ClueEmulator, user_id: str) -> list[dict[str, Any]]:
    return page_of(emulator, {"per_page": 100}, user_id=user_id)["data"]


def ids_of(records: list[dict[str, Any]]) -> list[str]:
    return [record["id"] for record in records]


def control(emulator: ClueEmulator, method: str, path: str, body: Any = None, raw: bytes | None = None
            ) -> requests.Response:
    return requests.request(
        method, f"{emulator.url}/_emulator/{path}", json=body if raw is None else None, data=raw, timeout=TIMEOUT
    )


def wait_for_log(emulator: ClueEmulator, count: int) -> list[Any]:
    """The request log once it has ``count`` entries (a fault's entry may land just after its answer)."""
    deadline = time.monotonic() + 2
    while len(emulator.requests) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return emulator.requests


# -- a shared, read-only emulator ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared() -> Iterator[ClueEmulator]:
    """1,000 records of seed 0 over October 2026 (Asia/Shanghai); tests must not change it.

    Ties keep one order: these tests compare the order of separate requests.
    """
    with ClueEmulator(records=1000, seed=0, shuffle_ties=False) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def everything(shared: ClueEmulator) -> list[dict[str, Any]]:
    """All records of ``shared``, fetched over HTTP, newest first."""
    return fetch_all(shared)


# -- records ------------------------------------------------------------------------------------------


def test_records_are_deterministic_for_a_seed(make_emulator: EmulatorFactory) -> None:
    first = fetch_all(make_emulator(records=200, seed=11))
    again = fetch_all(make_emulator(records=200, seed=11))
    other = fetch_all(make_emulator(records=200, seed=12))
    assert ids_of(first) == ids_of(again)
    assert first == again
    assert len(set(ids_of(first))) == 200
    assert set(ids_of(first)).isdisjoint(ids_of(other))


def test_records_have_realistic_fields(shared: ClueEmulator, everything: list[dict[str, Any]]) -> None:
    assert len(everything) == 1000
    seen_operators = set()
    for record in everything:
        for key in ("id", "user_id", "created_user_id", "phone", "company", "email", "name",
                    "created_at", "updated_at", "operator"):
            assert key in record, (key, record)
        uuid.UUID(record["id"])
        uuid.UUID(record["created_user_id"])
        assert record["user_id"] == shared.user_id
        phone = record["phone"]
        assert isinstance(phone, str) and re.fullmatch(r"1\d{10}", phone), phone
        prefix = int(phone[:3])
        carriers = [code for code, prefixes in CARRIER_PREFIXES.items() if prefix in prefixes]
        assert carriers == [record["operator"]], (phone, record["operator"])
        seen_operators.add(record["operator"])
        assert record["company"] is None or (isinstance(record["company"], str) and record["company"])
        assert record["email"] is None or EMAIL_RE.match(record["email"]), record["email"]
        assert CHINESE_NAME_RE.match(record["name"]), record["name"]
        assert TIME_RE.match(record["created_at"]) and TIME_RE.match(record["updated_at"])
        assert record["updated_at"] >= record["created_at"]
        assert record["sex"] in (0, 1, 2)
        assert record["is_follow"] in (0, 1) and record["ai_call"] in (0, 1)
    assert seen_operators == {1, 2, 3}
    # Realistic: most, but not all, records carry an email and a company.
    assert 0 < sum(record["email"] is None for record in everything) < 500
    assert 0 < sum(record["company"] is None for record in everything) < 500


def test_created_at_within_start_and_end_with_midnight_edges(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=500, seed=3, start="2026-03-01 00:00:00", end="2026-03-08 00:00:00")
    records = fetch_all(emulator)
    assert len(records) == 500
    stamps = {record["created_at"] for record in records}
    assert all("2026-03-01 00:00:00" <= stamp < "2026-03-08 00:00:00" for stamp in stamps)
    for day in range(2, 8):
        assert f"2026-03-{day:02d} 00:00:00" in stamps
        assert f"2026-03-{day - 1:02d} 23:59:59" in stamps


def test_midnight_records_exist_in_the_default_pool(everything: list[dict[str, Any]]) -> None:
    stamps = {record["created_at"] for record in everything}
    assert "2026-10-15 00:00:00" in stamps
    assert "2026-10-14 23:59:59" in stamps
    assert all("2026-10-01 00:00:00" <= stamp < "2026-11-01 00:00:00" for stamp in stamps)


def test_default_arrivals_follow_the_working_day(make_emulator: EmulatorFactory) -> None:
    records = make_emulator(records=20_000).records()
    by_hour = Counter(int(record["created_at"][11:13]) for record in records)
    office = sum(by_hour[hour] for hour in (9, 10, 11, 14, 15, 16)) / 6
    night = sum(by_hour[hour] for hour in range(1, 6)) / 5
    assert office > 10 * night > 0
    by_day = Counter(record["created_at"][:10] for record in records)
    assert by_day["2026-10-07"] > 2 * by_day["2026-10-10"]  # a Wednesday and a Saturday


def test_default_data_has_bulk_imports_of_hundreds_in_one_second(make_emulator: EmulatorFactory) -> None:
    small = Counter(record["created_at"] for record in make_emulator(records=1000).records())
    assert max(small.values()) >= 100
    large = Counter(record["created_at"] for record in make_emulator(records=20_000).records())
    bulk = [count for count in large.values() if count >= 100]
    assert len(bulk) >= 5 and max(bulk) < 520  # an import, and maybe a clue arriving in the same second
    assert sum(bulk) < 0.3 * 20_000  # most clues still arrive one by one
    again = Counter(record["created_at"] for record in make_emulator(records=20_000).records())
    other = Counter(record["created_at"] for record in make_emulator(records=20_000, seed=1).records())
    assert again == large != other


def test_small_pools_have_no_bulk_imports(make_emulator: EmulatorFactory) -> None:
    per_second = Counter(record["created_at"] for record in make_emulator(records=400).records())
    assert max(per_second.values()) < 10


def test_each_user_has_its_own_pool(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=50, user_ids=(DEFAULT_USER_ID, OTHER_USER), stages=("clue", "customer"))
    first = fetch_all(emulator)
    second = fetch_all_for(emulator, OTHER_USER)
    customer = page_of(emulator, {"per_page": 100}, stage="customer")["data"]
    assert {record["user_id"] for record in second} == {OTHER_USER}
    assert set(ids_of(first)).isdisjoint(ids_of(second))
    assert set(ids_of(first)).isdisjoint(ids_of(customer))



# -- order and paging ----------------------------------------------------------------------------------


def test_newest_first_across_pages(everything: list[dict[str, Any]]) -> None:
    stamps = [record["created_at"] for record in everything]
    assert stamps == sorted(stamps, reverse=True)
    assert len(set(ids_of(everything))) == len(everything)


@pytest.mark.parametrize(("per_page", "page"), [(1, 1), (7, 1), (7, 143), (15, 2), (33, 31), (100, 10)])
def test_paging_meta_like_laravel(shared: ClueEmulator, everything: list[dict[str, Any]],
                                  per_page: int, page: int) -> None:
    payload = page_of(shared, {"page": page, "per_page": per_page})
    meta = payload["meta"]
    last_page = max(1, math.ceil(1000 / per_page))
    assert meta == {
        "total": 1000,
        "last_page": last_page,
        "current_page": page,
        "per_page": per_page,
        "has_pages": page != 1 or page < last_page,
    }
    assert meta["has_pages"] is True
    expected = everything[(page - 1) * per_page : page * per_page]
    assert payload["data"] == expected


def test_paging_meta_for_one_and_zero_results(shared: ClueEmulator, everything: list[dict[str, Any]]) -> None:
    one = page_of(shared, {"per_page": 10}, {"phone": everything[5]["phone"]})
    assert one["meta"] == {"has_pages": False, "total": 1, "last_page": 1, "current_page": 1, "per_page": 10}
    none = page_of(shared, {"per_page": 10}, {"phone": "19999999999x"})
    assert none["meta"] == {"has_pages": False, "total": 0, "last_page": 1, "current_page": 1, "per_page": 10}
    assert none["data"] == []


def test_paging_meta_with_a_filter(shared: ClueEmulator, everything: list[dict[str, Any]]) -> None:
    expected = [record for record in everything if record["operator"] == 1]
    payload = page_of(shared, {"per_page": 20, "page": 2}, {"operator": [1]})
    assert payload["meta"]["total"] == len(expected)
    assert payload["meta"]["last_page"] == max(1, math.ceil(len(expected) / 20))
    assert payload["data"] == expected[20:40]


def test_default_per_page_is_15(shared: ClueEmulator, everything: list[dict[str, Any]]) -> None:
    payload = page_of(shared)
    assert payload["meta"]["per_page"] == 15 and payload["meta"]["current_page"] == 1
    assert payload["data"] == everything[:15]


def test_per_page_clamped_silently(shared: ClueEmulator, everything: list[dict[str, Any]],
                                   make_emulator: EmulatorFactory) -> None:
    payload = page_of(shared, {"per_page": 500})
    assert payload["meta"]["per_page"] == 100
    assert payload["meta"]["last_page"] == 10
    assert payload["data"] == everything[:100]
    small = make_emulator(records=45, max_per_page=20)
    meta = page_of(small, {"per_page": 50, "page": 3})["meta"]
    assert meta == {"has_pages": True, "total": 45, "last_page": 3, "current_page": 3, "per_page": 20}


@pytest.mark.parametrize("bad", ["abc", "0", "-3", "1.5", "", "true"])
def test_bad_page_and_per_page_fall_back(shared: ClueEmulator, everything: list[dict[str, Any]], bad: str
                                         ) -> None:
    payload = page_of(shared, {"page": bad, "per_page": bad})
    assert payload["meta"]["current_page"] == 1
    assert payload["meta"]["per_page"] == 15
    assert payload["data"] == everything[:15]


def test_bad_paging_in_a_json_body_falls_back(shared: ClueEmulator) -> None:
    meta = page_of(shared, body={"page": None, "per_page": [3]})["meta"]
    assert (meta["current_page"], meta["per_page"]) == (1, 15)
    meta = page_of(shared, body={"page": 2, "per_page": 4})["meta"]
    assert (meta["current_page"], meta["per_page"]) == (2, 4)


def test_page_past_the_end_is_empty(shared: ClueEmulator) -> None:
    payload = page_of(shared, {"page": 999, "per_page": 100})
    assert payload["data"] == []
    assert payload["meta"] == {"has_pages": True, "total": 1000, "last_page": 10, "current_page": 999,
                               "per_page": 100}
    filtered = page_of(shared, {"page": 50, "per_page": 100}, {"operator": [2]})
    assert filtered["data"] == [] and filtered["meta"]["current_page"] == 50


# -- created_at ---------------------------------------------------------------------------------------


def test_created_at_single_second_window_returns_the_midnight_record(shared: ClueEmulator) -> None:
    payload = page_of(shared, body={"created_at": ["2026-10-15 00:00:00", "2026-10-15 00:00:00"]})
    assert [record["created_at"] for record in payload["data"]] == ["2026-10-15 00:00:00"]
    assert payload["meta"]["total"] == 1


def test_created_at_inclusive_at_both_ends(shared: ClueEmulator, everything: list[dict[str, Any]]) -> None:
    low, high = everything[600]["created_at"], everything[400]["created_at"]
    expected = [record for record in everything if low <= record["created_at"] <= high]
    records = fetch_all(shared, {"created_at": [low, high]})
    assert records == expected
    assert records[0]["created_at"] == high and records[-1]["created_at"] == low
    # One second narrower at each end drops the edge records.
    narrower = [
        (datetime.strptime(low, "%Y-%m-%d %H:%M:%S") + timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S"),
        (datetime.strptime(high, "%Y-%m-%d %H:%M:%S") - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S"),
    ]
    inner = fetch_all(shared, {"created_at": narrower})
    assert inner == [record for record in expected if record["created_at"] not in (low, high)]


def test_created_at_day_window_across_midnight(shared: ClueEmulator) -> None:
    records = fetch_all(shared, {"created_at": ["2026-10-14 23:59:59", "2026-10-15 00:00:00"]})
    assert [record["created_at"] for record in records] == ["2026-10-15 00:00:00", "2026-10-14 23:59:59"]
    day = fetch_all(shared, {"created_at": ["2026-10-14 00:00:00", "2026-10-14 23:59:59"]})
    assert day[0]["created_at"] == "2026-10-14 23:59:59"
    assert day[-1]["created_at"] == "2026-10-14 00:00:00"
    assert all(record["created_at"].startswith("2026-10-14 ") for record in day)


def test_created_at_is_asia_shanghai_local_time(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=20)
    # 16:00 UTC is midnight of the next day in Shanghai (UTC+8, no daylight saving).
    inserted = emulator.insert(created_at=datetime(2026, 11, 5, 16, 0, 0, tzinfo=timezone.utc))[0]
    assert inserted["created_at"] == "2026-11-06 00:00:00"
    window = page_of(emulator, body={"created_at": ["2026-11-06 00:00:00", "2026-11-06 00:00:00"]})
    assert ids_of(window["data"]) == [inserted["id"]]


@pytest.fixture
def process_in_utc() -> Iterator[None]:
    """Run with the process's local time zone set to UTC (the emulator's zone stays Asia/Shanghai)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


@pytest.mark.usefixtures("process_in_utc")
def test_insert_reads_a_naive_datetime_in_the_emulator_zone(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=20)
    inserted = emulator.insert(created_at=datetime(2026, 11, 6, 0, 0, 0))[0]
    assert inserted["created_at"] == "2026-11-06 00:00:00"


def test_created_at_reversed_window_is_empty_data(shared: ClueEmulator) -> None:
    payload = page_of(shared, body={"created_at": ["2026-10-10 00:00:00", "2026-10-05 00:00:00"]})
    assert payload["data"] == []


def test_created_at_reversed_window_has_total_zero(shared: ClueEmulator) -> None:
    payload = page_of(shared, body={"created_at": ["2026-10-10 00:00:00", "2026-10-05 00:00:00"]})
    assert payload["meta"]["total"] == 0
    assert payload["meta"]["last_page"] == 1


# -- filters -----------------------------------------------------------------------------------------

SHARED_TEMPLATE = ComponentTemplate(seed=0, user_id=DEFAULT_USER_ID)  # the shared emulator's
COMPONENT_ID = SHARED_TEMPLATE.find("意向产品").id
SOURCE_ID = SHARED_TEMPLATE.find("客户来源").id
BUDGET_ID = SHARED_TEMPLATE.find("预算").id
VISIT_ID = SHARED_TEMPLATE.find("到访日期").id


def component_value(record: dict[str, Any], component_id: str) -> Any:
    return next((c["value"] for c in record.get("components") or () if c["id"] == component_id), None)


FILTER_CASES: list[tuple[str, dict[str, Any], dict[str, Any], Callable[[dict[str, Any]], bool]]] = [
    (
        "created_at",
        {"created_at": ["2026-10-10 00:00:00", "2026-10-12 12:00:00"]},
        {"created_at[]": ["2026-10-10 00:00:00", "2026-10-12 12:00:00"]},
        lambda r: "2026-10-10 00:00:00" <= r["created_at"] <= "2026-10-12 12:00:00",
    ),
    ("operator", {"operator": [1]}, {"operator[]": [1]}, lambda r: r["operator"] == 1),
    ("operators", {"operator": [1, 2]}, {"operator[]": [1, 2]}, lambda r: r["operator"] in (1, 2)),
    ("sex", {"sex": [2]}, {"sex[]": [2]}, lambda r: r["sex"] == 2),
    ("sexes", {"sex": [0, 1]}, {"sex[]": [0, 1]}, lambda r: r["sex"] in (0, 1)),
    ("is_follow", {"is_follow": 1}, {"is_follow": 1}, lambda r: r["is_follow"] == 1),
    ("not_followed", {"is_follow": 0}, {"is_follow": 0}, lambda r: r["is_follow"] == 0),
    ("ai_call", {"ai_call": 1}, {"ai_call": 1}, lambda r: r["ai_call"] == 1),
    ("no_ai_call", {"ai_call": 0}, {"ai_call": 0}, lambda r: r["ai_call"] == 0),
    ("company", {"company": "科技"}, {"company": "科技"}, lambda r: "科技" in (r["company"] or "")),
    (
        "components",
        {"components": [{"id": COMPONENT_ID, "value": "AI外呼"}]},
        {"components[0][id]": COMPONENT_ID, "components[0][value]": "AI外呼"},
        lambda r: component_value(r, COMPONENT_ID) == "AI外呼",
    ),
    (
        "two_components",
        {"components": [{"id": COMPONENT_ID, "value": "智能客服"}, {"id": SOURCE_ID, "value": "抖音"}]},
        {"components[0][id]": COMPONENT_ID, "components[0][value]": "智能客服",
         "components[1][id]": SOURCE_ID, "components[1][value]": "抖音"},
        lambda r: component_value(r, COMPONENT_ID) == "智能客服" and component_value(r, SOURCE_ID) == "抖音",
    ),
    (
        "text_component_contains",
        {"components": [{"id": COMPONENT_ID, "value": "外呼"}]},
        {"components[0][id]": COMPONENT_ID, "components[0][value]": "外呼"},
        lambda r: "外呼" in (component_value(r, COMPONENT_ID) or ""),
    ),
    (
        "number_component",
        {"components": [{"id": BUDGET_ID, "value": 5000}]},
        {"components[0][id]": BUDGET_ID, "components[0][value]": "5000"},
        lambda r: component_value(r, BUDGET_ID) == "5000",
    ),
    (
        "date_component",
        {"components": [{"id": VISIT_ID, "value": "2026-10-20"}]},
        {"components[0][id]": VISIT_ID, "components[0][value]": "2026-10-20"},
        lambda r: component_value(r, VISIT_ID) == "2026-10-20",
    ),
    (
        "combined",
        {"created_at": ["2026-10-05 00:00:00", "2026-10-25 23:59:59"], "operator": [3], "sex": [1, 2],
         "is_follow": 0, "ai_call": 1},
        {"created_at[]": ["2026-10-05 00:00:00", "2026-10-25 23:59:59"], "operator[]": [3], "sex[]": [1, 2],
         "is_follow": 0, "ai_call": 1},
        lambda r: "2026-10-05 00:00:00" <= r["created_at"] <= "2026-10-25 23:59:59" and r["operator"] == 3
        and r["sex"] in (1, 2) and r["is_follow"] == 0 and r["ai_call"] == 1,
    ),
]


@pytest.mark.parametrize(("body", "params", "predicate"), [case[1:] for case in FILTER_CASES],
                         ids=[case[0] for case in FILTER_CASES])
def test_filter_json_body_and_query_arrays_agree(
    shared: ClueEmulator,
    everything: list[dict[str, Any]],
    body: dict[str, Any],
    params: dict[str, Any],
    predicate: Callable[[dict[str, Any]], bool],
) -> None:
    expected = [record for record in everything if predicate(record)]
    assert 0 < len(expected) < len(everything)
    from_body = fetch_all(shared, body)
    from_query = fetch_all(shared, params=params)
    assert from_body == expected
    assert from_query == expected


def test_json_body_wins_over_the_query_string(shared: ClueEmulator, everything: list[dict[str, Any]]) -> None:
    records = fetch_all(shared, {"operator": [2]}, params={"operator[]": [1]})
    assert records == [record for record in everything if record["operator"] == 2]


def test_phone_filter_is_exact(shared: ClueEmulator, everything: list[dict[str, Any]]) -> None:
    target = everything[123]
    matches = [record for record in everything if record["phone"] == target["phone"]]
    assert page_of(shared, body={"phone": target["phone"]})["data"] == matches
    assert page_of(shared, {"phone": target["phone"]})["data"] == matches
    assert page_of(shared, body={"phone": target["phone"][:7]})["data"] == []


def test_email_filter_is_exact(shared: ClueEmulator, everything: list[dict[str, Any]]) -> None:
    target = next(record for record in everything[200:] if record["email"])
    matches = [record for record in everything if record["email"] == target["email"]]
    assert page_of(shared, body={"email": target["email"]})["data"] == matches
    assert page_of(shared, {"email": target["email"]})["data"] == matches
    assert page_of(shared, body={"email": target["email"].split("@")[0]})["data"] == []


def test_company_filter_is_a_substring(shared: ClueEmulator, everything: list[dict[str, Any]]) -> None:
    target = next(record for record in everything[300:] if record["company"])
    whole = fetch_all(shared, {"company": target["company"]})
    assert target["id"] in ids_of(whole)
    assert all(record["company"] == target["company"] for record in whole)
    part = target["company"][:2]
    assert fetch_all(shared, {"company": part}) == [r for r in everything if part in (r["company"] or "")]


def test_encryption_replaces_phones_and_phone_filter_matches_encrypted(
    shared: ClueEmulator, everything: list[dict[str, Any]]
) -> None:
    plain = everything[:20]
    encrypted = page_of(shared, {"per_page": 20}, {"encryption": True})["data"]
    assert ids_of(encrypted) == ids_of(plain)
    for before, after in zip(plain, encrypted, strict=True):
        assert after["phone"] != before["phone"]
        assert not re.fullmatch(r"\d{11}", after["phone"])
        assert {**after, "phone": before["phone"]} == before
    again = page_of(shared, {"per_page": 20, "encryption": "1"})["data"]
    assert again == encrypted
    unencrypted = page_of(shared, {"per_page": 20}, {"encryption": False})["data"]
    assert unencrypted == plain
    target = encrypted[7]
    found = page_of(shared, body={"encryption": True, "phone": target["phone"]})["data"]
    assert ids_of(found) == [target["id"]]
    assert found[0]["phone"] == target["phone"]


INVALID_FILTERS: list[tuple[dict[str, Any], str]] = [
    ({"created_at": ["2026-10-01 00:00:00"]}, "created_at"),
    ({"created_at": ["2026-10-01", "2026-10-02"]}, "created_at"),
    ({"created_at": "2026-10-01 00:00:00"}, "created_at"),
    ({"created_at": ["2026-10-01 00:00:00", "2026-10-02 00:00:00", "2026-10-03 00:00:00"]}, "created_at"),
    ({"operator": [4]}, "operator"),
    ({"operator": 1}, "operator"),
    ({"operator": ["x"]}, "operator"),
    ({"sex": [3]}, "sex"),
    ({"is_follow": 2}, "is_follow"),
    ({"ai_call": "x"}, "ai_call"),
    ({"encryption": "maybe"}, "encryption"),
    ({"phone": 13800138000}, "phone"),
    ({"email": ["a@b.cn"]}, "email"),
    ({"company": 5}, "company"),
    ({"components": "腾讯"}, "components"),
    ({"components": [{"value": "腾讯"}]}, "components"),
    ({"components": [{"id": COMPONENT_ID}]}, "components"),
]


@pytest.mark.parametrize(("body", "field"), INVALID_FILTERS, ids=[f"{f}-{i}" for i, (_, f) in
                                                                 enumerate(INVALID_FILTERS)])
def test_invalid_filter_gives_422(shared: ClueEmulator, body: dict[str, Any], field: str) -> None:
    response = get(shared, body=body)
    assert response.status_code == 422
    payload = response.json()
    assert isinstance(payload["message"], str) and payload["message"]
    assert list(payload["errors"]) == [field]
    assert payload["errors"][field] and all(isinstance(m, str) and m for m in payload["errors"][field])


def test_invalid_filters_in_query_arrays_and_several_at_once(shared: ClueEmulator) -> None:
    response = get(shared, {"operator[]": [9], "sex[]": [1], "created_at[]": ["yesterday", "today"]})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"operator", "created_at"}
    response = get(shared, body={"is_follow": 5, "ai_call": 7, "sex": [9]})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"is_follow", "ai_call", "sex"}


def test_a_body_that_is_not_json_is_ignored_like_laravel(shared: ClueEmulator) -> None:
    response = requests.get(api_url(shared), data=b"{not json", timeout=TIMEOUT,
                            headers={**auth(), "Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.json()["meta"]["total"] == page_of(shared)["meta"]["total"]


def test_a_json_body_without_a_json_content_type_is_ignored(shared: ClueEmulator) -> None:
    response = requests.get(api_url(shared), data=json.dumps({"sex": [1]}).encode(), timeout=TIMEOUT,
                            headers={**auth(), "Content-Type": "text/plain"})
    assert response.json()["meta"]["total"] == page_of(shared)["meta"]["total"]


def test_null_filters_are_ignored(shared: ClueEmulator, everything: list[dict[str, Any]]) -> None:
    body = {"phone": None, "email": None, "company": None, "created_at": None, "operator": None, "sex": None,
            "is_follow": None, "ai_call": None, "encryption": None, "components": None}
    assert page_of(shared, body=body)["data"] == everything[:15]


# -- auth and business errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": DEFAULT_TOKEN},
     {"Authorization": f"Basic {DEFAULT_TOKEN}"}],
    ids=["missing", "wrong", "no-scheme", "basic"],
)
def test_missing_or_wrong_bearer_gives_401(shared: ClueEmulator, headers: dict[str, str]) -> None:
    response = get(shared, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


def test_custom_token(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=5, token="s3cret")
    assert get(emulator, token=DEFAULT_TOKEN).status_code == 401
    assert page_of(emulator, token="s3cret")["meta"]["total"] == 5


def test_unknown_user_gives_code_403(shared: ClueEmulator) -> None:
    response = get(shared, user_id=OTHER_USER)
    assert response.status_code == 200
    payload = response.json()
    assert payload["code"] == 403 and payload["status"] == "error"
    assert payload["message"]


def test_unknown_stage_gives_code_422(shared: ClueEmulator) -> None:
    response = get(shared, stage="customer")
    assert response.status_code == 200
    payload = response.json()
    assert payload["code"] == 422 and payload["status"] == "error"
    assert payload["message"]


@pytest.mark.parametrize(
    "path",
    ["/", "/agent-api/user/x/type/clue/get_customers", f"/agent-api/user/{DEFAULT_USER_ID}/type/clue",
     f"/agent-api/user/{DEFAULT_USER_ID}/type/clue/get_customer/extra", "/api/get_customer"],
)
def test_unknown_route_gives_404(shared: ClueEmulator, path: str) -> None:
    response = requests.get(f"{shared.url}{path}", headers=auth(), timeout=TIMEOUT)
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_other_methods_on_the_route_give_405(shared: ClueEmulator, method: str) -> None:
    response = requests.request(method, api_url(shared), headers=auth(), json={}, timeout=TIMEOUT)
    assert response.status_code == 405
    assert "message" in response.json()


# -- faults -------------------------------------------------------------------------------------------


def test_fail_next_rate_limit(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=10)
    emulator.fail_next("rate_limit")
    response = get(emulator)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert get(emulator).status_code == 200


def test_fail_next_rate_limit_with_custom_retry_after(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=10, faults=FaultRates(retry_after="7"))
    emulator.fail_next("rate_limit", times=2)
    assert [get(emulator).headers.get("Retry-After") for _ in range(2)] == ["7", "7"]
    assert get(emulator).status_code == 200


def test_fail_next_server_error(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=10)
    emulator.fail_next("server_error")
    response = get(emulator)
    assert response.status_code == 500
    assert get(emulator).status_code == 200


def test_fail_next_drop(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=10)
    emulator.fail_next("drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        get(emulator)
    assert get(emulator).status_code == 200


def test_fail_next_truncate(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=10)
    emulator.fail_next("truncate")
    response = get(emulator)
    assert response.status_code == 200
    assert response.content
    with pytest.raises(ValueError):
        json.loads(response.content)
    assert get(emulator).json()["meta"]["total"] == 10


def test_fail_next_business_error(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=10)
    emulator.fail_next("business_error")
    response = get(emulator)
    assert response.status_code == 200
    payload = response.json()
    assert payload["code"] == 500 and payload["status"] == "error"
    assert page_of(emulator)["meta"]["total"] == 10


def test_fail_next_html_error(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=10)
    emulator.fail_next("html_error")
    response = get(emulator)
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html" in response.text.lower()
    assert get(emulator).status_code == 200


def test_fail_next_queues_in_order_and_rejects_unknown_kinds(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=10)
    emulator.fail_next("server_error")
    emulator.fail_next("rate_limit", times=2)
    emulator.fail_next("html_error")
    assert [get(emulator).status_code for _ in range(5)] == [500, 429, 429, 502, 200]
    with pytest.raises(ValueError):
        emulator.fail_next("meteor")  # type: ignore[arg-type]


def test_fault_kinds_are_the_documented_ones() -> None:
    assert set(FAULT_KINDS) == {
        "rate_limit", "server_error", "drop", "truncate", "business_error", "html_error", "redirect"
    }


def test_redirect_fault_points_elsewhere(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=5)
    emulator.fail_next("redirect")
    response = requests.get(
        api_url(emulator), headers=auth(), allow_redirects=False, timeout=TIMEOUT
    )
    assert response.status_code == 301
    assert response.headers["Location"].startswith("https://api-moved.invalid/agent-api/")


def test_shuffled_ties_change_order_within_a_second_only(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=0, shuffle_ties=True)
    for _ in range(30):
        emulator.insert(created_at="2026-10-05 12:00:00")
    emulator.insert(created_at="2026-10-05 12:00:01")
    orders = [[r["id"] for r in page_of(emulator, {"per_page": 31})["data"]] for _ in range(5)]
    assert len({tuple(order) for order in orders}) > 1
    assert all(set(order) == set(orders[0]) for order in orders)
    newest = emulator.records()[0]["id"]
    assert all(order[0] == newest for order in orders)


@pytest.mark.parametrize(("setting", "shuffled"), [("1", True), ("0", False), ("", False)])
def test_an_environment_variable_sets_the_default_of_shuffle_ties(
    make_emulator: EmulatorFactory, monkeypatch: pytest.MonkeyPatch, setting: str, shuffled: bool
) -> None:
    monkeypatch.setenv("CLUE_EMULATOR_SHUFFLE_TIES", setting)

    def orders(**kwargs: Any) -> int:
        emulator = make_emulator(records=0, **kwargs)
        emulator.insert(30, created_at="2026-10-05 12:00:00")
        return len({tuple(ids_of(page_of(emulator, {"per_page": 30})["data"])) for _ in range(5)})

    assert (orders() > 1) is shuffled
    assert orders(shuffle_ties=True) > 1 and orders(shuffle_ties=False) == 1


def test_an_unknown_shuffle_ties_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLUE_EMULATOR_SHUFFLE_TIES", "sometimes")
    with pytest.raises(ValueError, match="CLUE_EMULATOR_SHUFFLE_TIES must be 1 or 0, got 'sometimes'"):
        ClueEmulator()


def test_laravel_dates_are_sent_in_utc_and_filters_stay_local(make_emulator: EmulatorFactory) -> None:
    plain = make_emulator(records=300)
    laravel = make_emulator(records=300, laravel_dates=True)
    window = {"created_at": ["2026-10-15 00:00:00", "2026-10-15 00:00:00"]}
    assert [r["created_at"] for r in page_of(laravel, body=window)["data"]] == ["2026-10-14T16:00:00.000000Z"]
    for local, utc in zip(fetch_all(plain), fetch_all(laravel), strict=True):
        assert utc["id"] == local["id"]
        for name in ("created_at", "updated_at"):
            moment = datetime.strptime(local[name], "%Y-%m-%d %H:%M:%S") - timedelta(hours=8)
            assert utc[name] == moment.strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def test_dropped_request_bodies_lose_the_filters(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=50, drop_request_bodies=True)
    assert page_of(emulator, body={"sex": [1]})["meta"]["total"] == 50


@pytest.mark.parametrize(
    ("kind", "status"),
    [("rate_limit", 429), ("server_error", 500), ("business_error", 200), ("html_error", 502)],
)
def test_random_rate_one_always_faults(make_emulator: EmulatorFactory, kind: str, status: int) -> None:
    emulator = make_emulator(records=10, faults=FaultRates(**{kind: 1.0}))
    responses = [get(emulator) for _ in range(5)]
    assert [response.status_code for response in responses] == [status] * 5
    assert [entry.fault for entry in wait_for_log(emulator, 5)] == [kind] * 5


def test_random_rate_one_drop_and_truncate(make_emulator: EmulatorFactory) -> None:
    dropping = make_emulator(records=10, faults=FaultRates(drop=1.0))
    for _ in range(3):
        with pytest.raises(requests.exceptions.ConnectionError):
            get(dropping)
    truncating = make_emulator(records=10, faults=FaultRates(truncate=1.0))
    for _ in range(3):
        with pytest.raises(ValueError):
            json.loads(get(truncating).content)


def test_random_rate_zero_never_faults(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=10, faults=FaultRates())
    assert all(get(emulator).status_code == 200 for _ in range(30))
    assert all(entry.fault is None for entry in emulator.requests)


def test_random_faults_are_reproducible_for_a_seed(make_emulator: EmulatorFactory) -> None:
    def statuses(seed: int) -> list[int]:
        emulator = make_emulator(records=10, seed=seed, faults=FaultRates(server_error=0.3, rate_limit=0.2))
        return [get(emulator).status_code for _ in range(40)]

    first, again, other = statuses(5), statuses(5), statuses(6)
    assert first == again
    assert {200, 429, 500} <= set(first)
    assert first != other


def test_set_faults_at_run_time(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=10)
    emulator.set_faults(rate_limit=1.0, retry_after="9")
    response = get(emulator)
    assert response.status_code == 429 and response.headers["Retry-After"] == "9"
    emulator.set_faults()
    assert get(emulator).status_code == 200
    with pytest.raises(ValueError):
        emulator.set_faults(meteor=0.5)
    with pytest.raises(ValueError):
        FaultRates(rate_limit=1.5)


def test_request_log_records_status_and_fault(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=30)
    emulator.fail_next("server_error")
    get(emulator)
    emulator.fail_next("drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        get(emulator)
    emulator.fail_next("truncate")
    get(emulator, {"page": 2, "per_page": 10})
    get(emulator, {"page": 3, "per_page": 10}, {"operator": [1]})
    get(emulator, token="wrong")
    log = wait_for_log(emulator, 5)
    assert [(entry.status, entry.fault) for entry in log] == [
        (500, "server_error"), (None, "drop"), (200, "truncate"), (200, None), (401, None)
    ]
    assert (log[2].page, log[2].per_page) == (2, 10)
    assert (log[3].page, log[3].per_page, log[3].query) == (3, 10, "page=3&per_page=10")
    assert json.loads(log[3].body) == {"operator": [1]}
    assert [entry.authorized for entry in log] == [True, True, True, True, False]
    assert all(entry.method == "GET" and entry.path.endswith("/get_customer") for entry in log)
    emulator.clear_requests()
    assert emulator.requests == []


def test_latency_delays_each_request(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=10, latency=0.3)
    started = time.monotonic()
    assert get(emulator).status_code == 200
    assert time.monotonic() - started >= 0.3
    emulator.latency = 0.0
    started = time.monotonic()
    get(emulator)
    assert time.monotonic() - started < 0.3


def test_constructor_rejects_bad_settings() -> None:
    with pytest.raises(ValueError):
        ClueEmulator(records=1, start="2026-10-02 00:00:00", end="2026-10-01 00:00:00")
    with pytest.raises(ValueError):
        ClueEmulator(records=1, max_per_page=0)
    with pytest.raises(ValueError):
        ClueEmulator(records=1, timezone="Mars/Olympus")
    with pytest.raises(ValueError):
        ClueEmulator(records=1, user_ids=())


# -- insert and delete at run time --------------------------------------------------------------------


PAST = {"start": "2020-01-01 00:00:00", "end": "2020-02-01 00:00:00"}


def test_inserted_record_appears_first_and_delete_removes_it(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=100, **PAST)
    before = page_of(emulator)
    inserted = emulator.insert(company="插入测试有限公司")[0]
    after = page_of(emulator)
    assert after["meta"]["total"] == before["meta"]["total"] + 1 == 101
    assert after["data"][0] == inserted
    assert after["data"][1:] == before["data"][:14]
    assert inserted["company"] == "插入测试有限公司"
    assert TIME_RE.match(inserted["created_at"])
    assert emulator.delete([inserted["id"]]) == 1
    assert page_of(emulator) == before
    assert emulator.delete([inserted["id"]]) == 0


def test_insert_several_at_one_time_newest_last_inserted_first(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=50, shuffle_ties=False, **PAST)
    inserted = emulator.insert(3, created_at="2020-03-01 08:00:00")
    assert len({record["id"] for record in inserted}) == 3
    data = page_of(emulator)["data"]
    assert ids_of(data[:3]) == ids_of(inserted)[::-1]
    assert all(record["created_at"] == "2020-03-01 08:00:00" for record in data[:3])


def test_insert_in_the_middle_and_delete_a_generated_record(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=100, **PAST)
    everything = fetch_all(emulator)
    inserted = emulator.insert(created_at="2020-01-15 12:00:00")[0]
    window = ["2020-01-15 12:00:00", "2020-01-15 12:00:00"]
    assert inserted["id"] in ids_of(fetch_all(emulator, {"created_at": window}))
    assert [r["created_at"] for r in fetch_all(emulator)] == sorted(
        [r["created_at"] for r in everything] + ["2020-01-15 12:00:00"], reverse=True)
    victim = everything[40]
    assert emulator.delete([victim["id"], "no-such-id"]) == 1
    remaining = fetch_all(emulator)
    assert len(remaining) == 100
    assert victim["id"] not in ids_of(remaining)
    assert emulator.ids() == set(ids_of(remaining))


def test_on_page_listener_is_called_after_each_page(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=40, **PAST)
    calls: list[tuple[str, str, int]] = []
    emulator.on_page(lambda user_id, stage, page: calls.append((user_id, stage, page)))
    page_of(emulator, {"page": 1, "per_page": 10})
    page_of(emulator, {"page": 2, "per_page": 10})
    get(emulator, token="wrong")
    get(emulator, body={"operator": [7]})
    assert calls == [(emulator.user_id, "clue", 1), (emulator.user_id, "clue", 2)]


def test_insert_between_pages_shifts_the_pages(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=40, **PAST)
    emulator.on_page(lambda user_id, stage, page: emulator.insert() if page == 1 else None)
    first = page_of(emulator, {"page": 1, "per_page": 10})
    second = page_of(emulator, {"page": 2, "per_page": 10})
    assert (first["meta"]["total"], second["meta"]["total"]) == (40, 41)
    assert second["data"][0] == first["data"][-1]


# -- the control API ----------------------------------------------------------------------------------


def test_control_health(shared: ClueEmulator) -> None:
    response = control(shared, "GET", "health")
    assert response.status_code == 200 and response.json() == {"ok": True}


def test_control_records_insert_query_delete(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=60, **PAST)
    response = control(emulator, "POST", "records",
                       {"count": 2, "created_at": "2020-02-10 09:30:00", "fields": {"company": "控制插入有限公司"}})
    assert response.status_code == 200
    inserted = response.json()["records"]
    assert len(inserted) == 2
    assert all(r["created_at"] == "2020-02-10 09:30:00" and r["company"] == "控制插入有限公司" for r in inserted)
    payload = page_of(emulator)
    assert payload["meta"]["total"] == 62
    assert ids_of(payload["data"][:2]) == ids_of(inserted)[::-1]

    window = ["2020-01-10 00:00:00", "2020-01-12 23:59:59"]
    queried = control(emulator, "POST", "records/query", {"created_at": window}).json()
    over_http = ids_of(fetch_all(emulator, {"created_at": window}))
    assert queried == {"count": len(over_http), "ids": sorted(over_http)}
    assert control(emulator, "POST", "records/query", {}).json()["count"] == 62

    deleted = control(emulator, "POST", "records/delete", {"ids": [*ids_of(inserted), "no-such-id"]})
    assert deleted.status_code == 200 and deleted.json() == {"deleted": 2}
    assert page_of(emulator)["meta"]["total"] == 60


def test_control_records_for_another_user(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=5, user_ids=(DEFAULT_USER_ID, OTHER_USER))
    response = control(emulator, "POST", "records", {"user_id": OTHER_USER, "created_at": "2030-01-01 00:00:00"})
    assert response.status_code == 200
    assert page_of(emulator, user_id=OTHER_USER)["meta"]["total"] == 6
    assert page_of(emulator)["meta"]["total"] == 5
    unknown = control(emulator, "POST", "records", {"user_id": "nobody"})
    assert unknown.status_code == 404


def test_control_faults(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=10)
    response = control(emulator, "PUT", "faults", {"fail_next": {"server_error": 2, "html_error": 1}})
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert [get(emulator).status_code for _ in range(4)] == [500, 500, 502, 200]
    control(emulator, "PUT", "faults", {"rates": {"rate_limit": 1.0, "retry_after": "3"}})
    limited = get(emulator)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
    assert control(emulator, "PUT", "faults", {}).status_code == 200
    assert get(emulator).status_code == 200


def test_control_latency(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=10)
    assert control(emulator, "PUT", "latency", {"seconds": 0.25}).json() == {"ok": True}
    started = time.monotonic()
    get(emulator)
    assert time.monotonic() - started >= 0.25
    control(emulator, "PUT", "latency", {"seconds": 0})
    assert emulator.latency == 0


def test_control_requests_log(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=10)
    emulator.fail_next("rate_limit")
    get(emulator)
    get(emulator, {"page": 1, "per_page": 5})
    wait_for_log(emulator, 2)
    control(emulator, "GET", "health")
    log = control(emulator, "GET", "requests").json()
    assert [(entry["status"], entry["fault"]) for entry in log] == [(429, "rate_limit"), (200, None)]
    assert log[1]["per_page"] == 5 and log[1]["method"] == "GET" and log[1]["authorized"] is True
    assert control(emulator, "DELETE", "requests").json() == {"ok": True}
    assert control(emulator, "GET", "requests").json() == []


@pytest.mark.parametrize(("method", "path"), [("GET", "nope"), ("GET", "faults"), ("POST", "health"),
                                              ("DELETE", "records"), ("GET", "")])
def test_control_unknown_endpoint_gives_404(shared: ClueEmulator, method: str, path: str) -> None:
    response = control(shared, method, path)
    assert response.status_code == 404
    assert "message" in response.json()


@pytest.mark.parametrize(
    ("method", "path", "raw"),
    [
        ("POST", "records", b"not json"),
        ("POST", "records", b"[1, 2]"),
        ("POST", "records", b'{"count": "many"}'),
        ("POST", "records", b'{"created_at": "yesterday"}'),
        ("POST", "records/query", b'{"created_at": ["2026-10-01"]}'),
        ("PUT", "faults", b'{"fail_next": {"meteor": 1}}'),
        ("PUT", "faults", b'{"rates": {"rate_limit": 2}}'),
        ("PUT", "faults", b'{"rates": {"meteor": 0.5}}'),
        ("PUT", "latency", b'{"seconds": "slow"}'),
        ("PUT", "latency", b'{"seconds": -1}'),
        ("POST", "records/query", b'{"created_at": ["2026-10-01 00:00:00", "2026-10-02 00:00:00"], "filters": {}}'),
        ("POST", "records", b'{"count": 1, "phone": "13800138000"}'),
        ("PUT", "latency", b'{"seconds": 1, "jitter": 0.1}'),
    ],
)
def test_control_bad_body_gives_400(make_emulator: EmulatorFactory, method: str, path: str, raw: bytes) -> None:
    emulator = make_emulator(records=5)
    response = control(emulator, method, path, raw=raw)
    assert response.status_code == 400
    assert response.json()["message"]


def test_control_names_a_field_it_does_not_take_and_the_ones_it_does(shared: ClueEmulator) -> None:
    response = control(shared, "POST", "records/query", {"filters": {"ai_call": 1}})
    assert response.status_code == 400
    assert response.json()["message"] == (
        "POST /_emulator/records/query: unknown field(s) filters; allowed: created_at, user_id, stage"
    )


def test_control_latency_without_seconds_gives_400(shared: ClueEmulator) -> None:
    assert control(shared, "PUT", "latency", {}).status_code == 400


# -- the command line ---------------------------------------------------------------------------------


def test_command_line_serves_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_clue.testing", "--port", "0", "--records", "50", "--token", "T"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        lines: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
        first, data, export = (lines.get(timeout=15) for _ in range(3))
        match = re.search(r"http://[\w.\-\[\]:]+", first)
        assert match, first
        assert "50 records per pool created from 2026-10-01 00:00:00 to 2026-11-01 00:00:00" in data
        assert "token 'T'" in data
        # the line to paste into a shell, for Airflow: the connection that reaches this emulator
        name, value = export.removeprefix("export ").rstrip("\n").split("=", 1)
        connection = json.loads(value.strip("'"))
        assert name == "AIRFLOW_CONN_CLUE_DEFAULT" and connection["host"] == match.group(0).rstrip("/")
        response = requests.get(
            f"{connection['host']}/agent-api/user/{connection['login']}/type/clue/get_customer",
            params={"per_page": 10}, headers={"Authorization": f"Bearer {connection['password']}"}, timeout=TIMEOUT,
        )
        assert response.status_code == 200
        payload = response.json()
        assert payload["meta"]["total"] == 50 and len(payload["data"]) == 10
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_command_line_switches_for_ties_and_dates() -> None:
    from airflow_provider_clue.testing.__main__ import build_parser

    assert build_parser().parse_args([]).shuffle_ties is None  # the environment's default
    switched = build_parser().parse_args(["--shuffle-ties", "--laravel-dates"])
    assert switched.shuffle_ties is True and switched.laravel_dates is True
    assert build_parser().parse_args(["--no-shuffle-ties"]).shuffle_ties is False


def test_command_line_rejects_bad_settings() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "airflow_provider_clue.testing", "--port", "0",
         "--start", "2026-10-02 00:00:00", "--end", "2026-10-01 00:00:00"],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2
    assert "error" in result.stderr


# -- the pytest fixture -------------------------------------------------------------------------------


def test_clue_emulator_fixture_sets_the_default_connection(clue_emulator: ClueEmulator) -> None:
    connection = json.loads(os.environ["AIRFLOW_CONN_CLUE_DEFAULT"])
    assert connection["conn_type"] == "clue"
    assert connection["host"] == clue_emulator.url
    assert connection["password"] == clue_emulator.token
    assert connection["login"] == clue_emulator.user_id
    response = requests.get(
        f"{connection['host']}/agent-api/user/{connection['login']}/type/clue/get_customer",
        headers={"Authorization": f"Bearer {connection['password']}"}, timeout=TIMEOUT,
    )
    assert response.status_code == 200
    assert response.json()["meta"]["total"] == 1000


def test_airflow_env_with_another_conn_id_and_extra(shared: ClueEmulator) -> None:
    env = shared.airflow_env("clue_other", timezone="Asia/Shanghai")
    assert list(env) == ["AIRFLOW_CONN_CLUE_OTHER"]
    assert json.loads(env["AIRFLOW_CONN_CLUE_OTHER"])["extra"] == {"timezone": "Asia/Shanghai"}


# -- scale --------------------------------------------------------------------------------------------


def test_a_million_records(make_emulator: EmulatorFactory) -> None:
    started = time.monotonic()
    emulator = make_emulator(records=1_000_000)
    built = time.monotonic() - started
    first = page_of(emulator, {"page": 1, "per_page": 100})
    last = page_of(emulator, {"page": 10_000, "per_page": 100})
    elapsed = time.monotonic() - started
    assert first["meta"]["total"] == last["meta"]["total"] == 1_000_000
    assert last["meta"]["last_page"] == 10_000
    assert len(first["data"]) == len(last["data"]) == 100
    assert first["data"][0]["created_at"] >= last["data"][-1]["created_at"]
    assert last["data"][-1]["created_at"] >= "2026-10-01 00:00:00"
    assert built < 10, built
    assert elapsed < 15, elapsed


# -- details a real Laravel server has -----------------------------------------------------------------


def test_empty_query_values_are_ignored_like_laravel_nulls(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=30)
    assert page_of(emulator, {"phone": "", "company": "", "per_page": 50})["meta"]["total"] == 30


def test_fault_is_logged_before_it_is_answered(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=5)
    emulator.fail_next("server_error")
    assert get(emulator).status_code == 500
    [entry] = emulator.requests
    assert (entry.status, entry.fault) == (500, "server_error")


def test_setting_rates_keeps_the_retry_after(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=5, faults=FaultRates(retry_after="7"))
    control(emulator, "PUT", "faults", {"rates": {"rate_limit": 1.0}})
    assert get(emulator).headers["Retry-After"] == "7"


def test_chunked_request_body_is_read_and_the_connection_stays_usable(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=40)
    body = json.dumps({"sex": [1]}).encode()
    expected = page_of(emulator, body={"sex": [1]})["meta"]["total"]
    with requests.Session() as session:
        for _ in range(2):
            response = session.get(
                api_url(emulator), params={"page": 1}, headers={**auth(), "Content-Type": "application/json"},
                data=iter([body[:5], body[5:]]), timeout=TIMEOUT,
            )
            assert response.json()["meta"]["total"] == expected
    assert len({entry.client_port for entry in emulator.requests[-2:]}) == 1


# -- scripted raw responses ---------------------------------------------------------------------------


def test_respond_next_sends_the_raw_answer_in_turn_with_faults(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=10)
    html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    emulator.fail_next("server_error")
    emulator.respond_next(502, html, content_type="text/html", times=2)
    emulator.respond_next(200, b'{"code": 200', headers={"X-Scripted": "yes"})
    responses = [get(emulator) for _ in range(5)]
    assert [response.status_code for response in responses] == [500, 502, 502, 200, 200]
    assert responses[1].text == html and responses[1].headers["Content-Type"] == "text/html"
    assert responses[3].content == b'{"code": 200' and responses[3].headers["X-Scripted"] == "yes"
    assert responses[4].json()["meta"]["total"] == 10
    log = wait_for_log(emulator, 5)
    assert [(entry.status, entry.fault) for entry in log] == [
        (500, "server_error"), (502, "scripted"), (502, "scripted"), (200, "scripted"), (200, None)
    ]


def test_respond_with_answers_by_page_and_falls_through_on_none(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=10)
    asked: list[int] = []

    def responder(page: int) -> tuple[int, str] | None:
        asked.append(page)
        return None if page == 1 else (200, json.dumps({"page": page}))

    emulator.respond_with(responder)
    assert get(emulator, {"page": 3}).json() == {"page": 3}
    assert get(emulator, body={"page": 4}).json() == {"page": 4}  # Laravel reads page from a JSON body too
    assert page_of(emulator, {"page": 1, "per_page": 5})["meta"]["current_page"] == 1
    assert get(emulator, {"page": "x"}).json()["meta"]["current_page"] == 1  # a bad page falls back to 1
    assert asked == [3, 4, 1, 1]
    assert [(entry.page, entry.fault) for entry in wait_for_log(emulator, 4)] == [
        (3, "scripted"), (4, "scripted"), (1, None), (1, None)
    ]
    emulator.respond_with(None)
    assert page_of(emulator, {"page": 2, "per_page": 5})["meta"]["current_page"] == 2
    assert asked == [3, 4, 1, 1]


def test_clear_faults_forgets_scripted_responses_and_bad_ones_are_refused(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(records=10)
    emulator.respond_next(500, "{}", times=3)
    emulator.respond_with(lambda page: (503, "{}"))
    emulator.set_faults(server_error=1.0)
    emulator.clear_faults()
    assert [get(emulator).status_code for _ in range(3)] == [200, 200, 200]
    for status in (99, 600, True):
        with pytest.raises(ValueError):
            emulator.respond_next(status, "{}")
    with pytest.raises(TypeError):
        emulator.respond_next(200, {"code": 200})  # type: ignore[arg-type]
    assert get(emulator).status_code == 200


# -- the pool template, string numbers, the API's own errors -------------------------------------


def template_of(emulator: ClueEmulator, user_id: str | None = None, token: str | None = None) -> requests.Response:
    url = f"{emulator.url}/agent-api/user/{user_id or emulator.user_id}/customer/create"
    return requests.get(url, headers=auth(token or emulator.token), timeout=TIMEOUT)


def test_the_template_lists_components_as_the_vendor_documents_them(shared: ClueEmulator) -> None:
    payload = template_of(shared).json()
    assert payload["code"] == 200 and payload["status"] == "success"
    components = payload["data"]
    assert [c["sort"] for c in components] == list(range(len(components)))
    assert {c["type"] for c in components} == {"text", "number", "date"}
    for component in components:
        assert set(component) == {"id", "name", "type", "sort", "validate"}
        assert isinstance(component["validate"], list)
    assert template_of(shared).json() == payload  # deterministic per seed
    assert template_of(shared, token="wrong").status_code == 401
    unknown = template_of(shared, user_id="00000000-0000-4000-8000-000000000000").json()
    assert unknown["code"] == 403 and unknown["status"] == "error"


def test_records_carry_component_values_in_the_vendors_shape(everything: list[dict[str, Any]]) -> None:
    types = {c.id: c.type for c in (SHARED_TEMPLATE.find(name) for name in ("意向产品", "预算", "到访日期"))}
    seen = set()
    for record in everything:
        for item in record["components"]:
            assert set(item) == {"id", "name", "type", "value"} and isinstance(item["value"], str)
            if item["id"] in types:
                seen.add(item["type"])
                assert item["type"] == types[item["id"]]
    assert seen == {"text", "number", "date"}
    assert any(len(record["components"]) < 5 for record in everything)  # a value is optional


def test_custom_components_and_seeds_give_their_own_templates() -> None:
    with ClueEmulator(records=10, seed=3, components={"微信": "text", "人数": "number"}) as emulator:
        components = template_of(emulator).json()["data"]
        assert [(c["name"], c["type"]) for c in components] == [("微信", "text"), ("人数", "number")]
        assert components[0]["id"] != ComponentTemplate(seed=4, user_id=emulator.user_id).find("意向产品").id
    with pytest.raises(ValueError, match="type must be one of"):
        ClueEmulator(components={"x": "select"})


def test_a_renamed_component_shows_its_new_name_and_a_deleted_one_is_gone() -> None:
    with ClueEmulator(records=200, seed=1) as emulator:
        industry, budget = emulator.component_id("行业"), emulator.component_id("预算")
        matched = page_of(emulator, body={"components": [{"id": industry, "value": "教育"}]})["meta"]["total"]
        assert matched > 0
        control(emulator, "POST", "components/rename", {"component": "行业", "name": "所属行业"})
        names = {c["id"]: c["name"] for c in template_of(emulator).json()["data"]}
        assert names[industry] == "所属行业"
        records = page_of(emulator, params={"per_page": 100})["data"]
        assert {item["name"] for r in records for item in r["components"] if item["id"] == industry} == {"所属行业"}
        assert page_of(emulator, body={"components": [{"id": industry, "value": "教育"}]})["meta"]["total"] == matched
        emulator.delete_component("预算")
        assert budget not in {c["id"] for c in template_of(emulator).json()["data"]}
        assert not [item for r in page_of(emulator)["data"] for item in r["components"] if item["id"] == budget]
        assert page_of(emulator, body={"components": [{"id": budget, "value": 5000}]})["meta"]["total"] == 0
        with pytest.raises(KeyError):
            emulator.rename_component("预算", "x")


def test_string_meta_sends_metas_numbers_as_strings() -> None:
    with ClueEmulator(records=40, string_meta=True) as emulator:
        meta = page_of(emulator, params={"per_page": 15})["meta"]
    assert meta == {"has_pages": True, "total": "40", "last_page": "3", "current_page": "1", "per_page": "15"}


def test_the_business_error_responder_answers_as_the_vendor_documents(shared: ClueEmulator) -> None:
    control(shared, "POST", "business_error", {"times": 1})
    first, second = get(shared), get(shared)
    assert first.status_code == 200
    assert first.json() == {"code": 6007, "status": "error", "message": "2.0任务启动中,请先停止任务", "data": []}
    assert second.json()["code"] == 200
