"""Bad input to ClueHook, the clue connection, ClueSearchOperator and ClueSensor, table-driven.

Every case must be refused before a request is sent (the emulator logs none), with a
``ClueValidationError`` (or ``ClueConfigurationError``; the sensor wraps either in
``AirflowFailException``) whose ``field`` is the offending field and whose message names it, and
without echoing a phone number or e-mail address that the bad input held.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_clue.compat import AirflowFailException
from airflow_provider_clue.exceptions import ClueConfigurationError, ClueValidationError
from airflow_provider_clue.hooks.clue import ClueHook
from airflow_provider_clue.operators.clue import ClueSearchOperator
from airflow_provider_clue.sensors.clue import ClueSensor
from airflow_provider_clue.testing.emulator import DEFAULT_USER_ID
from tests.operator_support import TOKEN, execution_context, point_clue_default_at, sensor_context
from tests.version_gates import ENV_CONNECTION_WITH_ANY_EXTRA, RESCHEDULE_READS_THE_DB

if TYPE_CHECKING:
    from pathlib import Path

    from _pytest.mark.structures import ParameterSet

    from airflow_provider_clue.testing import ClueEmulator

USER = DEFAULT_USER_ID
PHONE = "13800138000"
BAD_PHONE = "1380013800x"
EMAIL = "li.lei@example.com"
PERSONAL = (PHONE, BAD_PHONE, EMAIL)  # never to be echoed by an error message
DAY = ["2026-10-02 00:00:00", "2026-10-03 00:00:00"]
EMPTY_DAY = ["2026-11-10 00:00:00", "2026-11-11 00:00:00"]
ALL_HOOK_METHODS = ("get_customer", "iter_customers", "count_customers")


def check_refusal(error: ClueValidationError, field: str, message: str, given: object, emulator: ClueEmulator) -> None:
    """The error names ``field``, echoes none of the personal data in ``given``, and nothing was sent."""
    assert error.field == field
    assert field in message
    for value in PERSONAL:
        if value in repr(given):
            assert value not in message, f"{value!r} is echoed in {message!r}"
    assert len(emulator.requests) == 0


@pytest.fixture
def emulator(make_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> ClueEmulator:
    emulator = make_emulator(records=20, token=TOKEN)
    point_clue_default_at(emulator, monkeypatch, max_retries=0)
    return emulator


# -- the hook: get_customer, iter_customers, count_customers, ClueHook(max_concurrency=...) ------------


@dataclass(frozen=True)
class HookCall:
    kwargs: dict[str, Any]
    field: str
    methods: tuple[str, ...]


def hook_case(
    case_id: str, field: str, *, methods: tuple[str, ...] = ALL_HOOK_METHODS, **kwargs: Any
) -> ParameterSet:
    return pytest.param(HookCall(kwargs, field, methods), id=case_id)


def filters_case(case_id: str, field: str, filters: Any) -> ParameterSet:
    return hook_case(f"filters-{case_id}", field, filters=filters)


def created_at_case(case_id: str, field: str, created_at: Any) -> ParameterSet:
    return filters_case(f"created_at-{case_id}", field, {"created_at": created_at})


HOOK_CASES = [
    # phone, email, company: non-empty strings of at most 200 characters; personal data never echoed
    filters_case("phone-int", "filters.phone", {"phone": int(PHONE)}),
    filters_case("phone-list", "filters.phone", {"phone": [PHONE]}),
    filters_case("phone-blank", "filters.phone", {"phone": "   "}),
    filters_case("phone-201-chars", "filters.phone", {"phone": PHONE + "1" * 190}),
    filters_case("email-list", "filters.email", {"email": [EMAIL]}),
    filters_case("email-int", "filters.email", {"email": 5}),
    filters_case("email-empty", "filters.email", {"email": ""}),
    filters_case("email-201-chars", "filters.email", {"email": "x" * 183 + EMAIL}),
    filters_case("company-int", "filters.company", {"company": 42}),
    filters_case("company-dict", "filters.company", {"company": {"name": "ACME"}}),
    filters_case("company-201-chars", "filters.company", {"company": "c" * 201}),
    # created_at: the API's inclusive [start, end], two YYYY-MM-DD HH:MM:SS strings or datetimes
    created_at_case("reversed", "filters.created_at", ["2026-10-02 00:00:00", "2026-10-01 00:00:00"]),
    created_at_case(
        "reversed-datetimes", "filters.created_at",
        [datetime(2026, 10, 2, tzinfo=timezone.utc), datetime(2026, 10, 1, tzinfo=timezone.utc)],
    ),
    created_at_case("reversed-rendered", "filters.created_at", "['2026-10-02 00:00:00', '2026-10-01 00:00:00']"),
    created_at_case(
        "no-whole-second", "filters.created_at",
        [datetime(2026, 10, 2, 0, 0, 0, 200_000), datetime(2026, 10, 2, 0, 0, 0, 700_000)],
    ),
    created_at_case("one-bound", "filters.created_at", ["2026-10-01 00:00:00"]),
    created_at_case("three-bounds", "filters.created_at", ["2026-10-01 00:00:00"] * 3),
    created_at_case("empty-list", "filters.created_at", []),
    created_at_case("one-string", "filters.created_at", "2026-10-01 00:00:00"),
    created_at_case("int", "filters.created_at", 20261001),
    created_at_case("dict", "filters.created_at", {"start": "2026-10-01 00:00:00", "end": "2026-10-02 00:00:00"}),
    created_at_case("rendered-unquoted", "filters.created_at", "[2026-10-01, 2026-10-02]"),
    created_at_case("year-1", "filters.created_at (start)", ["0001-01-01 00:00:00", "2026-10-02 00:00:00"]),
    created_at_case(
        "year-9999-aware", "filters.created_at (end)",
        [datetime(2026, 10, 1, tzinfo=timezone.utc), datetime(9999, 12, 31, 23, tzinfo=timezone.utc)],
    ),
    created_at_case(
        "year-1-aware", "filters.created_at (start)",
        [datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=10))), datetime(2026, 10, 1, tzinfo=timezone.utc)],
    ),
    created_at_case("date-only", "filters.created_at (start)", ["2026-10-01", "2026-10-02 00:00:00"]),
    created_at_case("iso-t", "filters.created_at (start)", ["2026-10-01T00:00:00", "2026-10-02 00:00:00"]),
    created_at_case("slashes", "filters.created_at (end)", ["2026-10-01 00:00:00", "2026/10/02 00:00:00"]),
    created_at_case("february-30", "filters.created_at (start)", ["2026-02-30 00:00:00", "2026-10-02 00:00:00"]),
    created_at_case("hour-24", "filters.created_at (end)", ["2026-10-01 00:00:00", "2026-10-01 24:00:00"]),
    created_at_case("nonsense-words", "filters.created_at (start)", ["yesterday", "now"]),
    created_at_case("none-bound", "filters.created_at (start)", [None, "2026-10-02 00:00:00"]),
    created_at_case("date-objects", "filters.created_at (start)", [date(2026, 10, 1), date(2026, 10, 2)]),
    created_at_case("bytes", "filters.created_at (start)", [b"2026-10-01 00:00:00", b"2026-10-02 00:00:00"]),
    created_at_case("int-end", "filters.created_at (end)", [datetime(2026, 10, 1), 5]),
    # operator and sex: lists of codes; is_follow and ai_call: 0 or 1; encryption: a boolean
    filters_case("operator-4", "filters.operator", {"operator": 4}),
    filters_case("operator-0", "filters.operator", {"operator": [0]}),
    filters_case("operator-word", "filters.operator", {"operator": ["China Mobile"]}),
    filters_case("operator-empty", "filters.operator", {"operator": []}),
    filters_case("operator-bool", "filters.operator", {"operator": [True]}),
    filters_case("operator-float", "filters.operator", {"operator": [1.0]}),
    filters_case("sex-3", "filters.sex", {"sex": [3]}),
    filters_case("sex-negative", "filters.sex", {"sex": [-1]}),
    filters_case("sex-word", "filters.sex", {"sex": "male"}),
    filters_case("sex-dict", "filters.sex", {"sex": {"code": 1}}),
    filters_case("is_follow-2", "filters.is_follow", {"is_follow": 2}),
    filters_case("is_follow-bool", "filters.is_follow", {"is_follow": True}),
    filters_case("is_follow-word", "filters.is_follow", {"is_follow": "yes"}),
    filters_case("is_follow-list", "filters.is_follow", {"is_follow": [1]}),
    filters_case("ai_call-negative", "filters.ai_call", {"ai_call": -1}),
    filters_case("ai_call-float", "filters.ai_call", {"ai_call": 1.0}),
    filters_case("ai_call-text", "filters.ai_call", {"ai_call": "1x"}),
    filters_case("encryption-word", "filters.encryption", {"encryption": "yes"}),
    filters_case("encryption-int", "filters.encryption", {"encryption": 1}),
    filters_case("encryption-list", "filters.encryption", {"encryption": [True]}),
    # components: a non-empty list of {"id": non-empty string, "value": string or number}
    filters_case("components-string", "filters.components", {"components": "abc"}),
    filters_case("components-empty", "filters.components", {"components": []}),
    filters_case("components-no-value", "filters.components[0]", {"components": [{"id": "c1"}]}),
    filters_case(
        "components-extra-key", "filters.components[0]", {"components": [{"id": "c1", "value": 1, "op": "="}]}
    ),
    filters_case("components-second-bad", "filters.components[1]", {"components": [{"id": "c1", "value": 1}, "c2"]}),
    filters_case("components-id-int", "filters.components[0].id", {"components": [{"id": 1, "value": "x"}]}),
    filters_case("components-id-blank", "filters.components[0].id", {"components": [{"id": " ", "value": "x"}]}),
    filters_case("components-value-none", "filters.components[0].value", {"components": [{"id": "c1", "value": None}]}),
    filters_case("components-value-bool", "filters.components[0].value", {"components": [{"id": "c1", "value": True}]}),
    filters_case(
        "components-value-phone-list", "filters.components[0].value",
        {"components": [{"id": "mobile", "value": [PHONE]}]}
    ),
    filters_case(
        "components-value-email-dict", "filters.components[0].value",
        {"components": [{"id": "mail", "value": {"to": EMAIL}}]}
    ),
    # unknown filter keys, and filters that are not a mapping
    filters_case("unknown-key", "filters.colour", {"colour": "red"}),
    filters_case("unknown-key-capitalised", "filters.Phone", {"Phone": PHONE}),
    filters_case("unknown-key-created_after", "filters.created_after", {"created_after": "2026-10-01 00:00:00"}),
    filters_case("unknown-key-page", "filters.page", {"page": 2}),
    filters_case("not-a-mapping-list", "filters", ["phone", PHONE]),
    filters_case("not-a-mapping-string", "filters", "ai_call=1"),
    # user_id: a UUID; it becomes a path segment
    hook_case("user_id-not-uuid", "user_id", user_id="not-a-uuid"),
    hook_case("user_id-dotdot", "user_id", user_id="../"),
    hook_case("user_id-encoded-dotdot", "user_id", user_id="%2e%2e"),
    hook_case("user_id-slash", "user_id", user_id="a/b"),
    hook_case("user_id-uuid-then-traversal", "user_id", user_id=USER + "/../x"),
    hook_case("user_id-traversal-to-etc", "user_id", user_id="../../etc/passwd"),
    hook_case("user_id-braced-uuid", "user_id", user_id="{" + USER + "}"),
    hook_case("user_id-int", "user_id", user_id=12345),
    hook_case("user_id-empty", "user_id", user_id=""),
    hook_case("user_id-trailing-newline", "user_id", user_id=USER + "\n"),
    hook_case("user_id-phone", "user_id", user_id=PHONE),
    # stage: a lower-case slug; it becomes a path segment
    hook_case("stage-slash", "stage", stage="clue/x"),
    hook_case("stage-space", "stage", stage="clue x"),
    hook_case("stage-dotdot", "stage", stage="../"),
    hook_case("stage-encoded-dotdot", "stage", stage="%2e%2e"),
    hook_case("stage-empty", "stage", stage=""),
    hook_case("stage-uppercase", "stage", stage="Clue"),
    hook_case("stage-int", "stage", stage=5),
    hook_case("stage-trailing-newline", "stage", stage="clue\n"),
    # page, per_page, max_records, max_concurrency: integers in range, bools refused
    hook_case("page-0", "page", methods=("get_customer",), page=0),
    hook_case("page-negative", "page", methods=("get_customer",), page=-1),
    hook_case("page-float", "page", methods=("get_customer",), page=1.5),
    hook_case("page-string", "page", methods=("get_customer",), page="2"),
    hook_case("page-bool", "page", methods=("get_customer",), page=True),
    hook_case("per_page-0", "per_page", methods=("get_customer", "iter_customers"), per_page=0),
    hook_case("per_page-negative", "per_page", methods=("get_customer", "iter_customers"), per_page=-5),
    hook_case("per_page-1001", "per_page", methods=("get_customer", "iter_customers"), per_page=1001),
    hook_case("per_page-string", "per_page", methods=("get_customer", "iter_customers"), per_page="10"),
    hook_case("per_page-bool", "per_page", methods=("get_customer", "iter_customers"), per_page=True),
    hook_case("max_records-0", "max_records", methods=("iter_customers",), max_records=0),
    hook_case("max_records-negative", "max_records", methods=("iter_customers",), max_records=-1),
    hook_case("max_records-string", "max_records", methods=("iter_customers",), max_records="5"),
    hook_case("max_concurrency-0", "max_concurrency", methods=("ClueHook",), max_concurrency=0),
    hook_case("max_concurrency-33", "max_concurrency", methods=("ClueHook",), max_concurrency=33),
    hook_case("max_concurrency-string", "max_concurrency", methods=("ClueHook",), max_concurrency="4"),
    hook_case("max_concurrency-bool", "max_concurrency", methods=("ClueHook",), max_concurrency=True),
]


def hook_for(emulator: ClueEmulator, monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> ClueHook:
    monkeypatch.setenv("AIRFLOW_CONN_CLUE_TEST", emulator.connection_json(max_retries=0))
    return ClueHook(clue_conn_id="clue_test", **kwargs)


def call_hook(emulator: ClueEmulator, monkeypatch: pytest.MonkeyPatch, method: str, kwargs: dict[str, Any]) -> None:
    if method == "ClueHook":
        hook_for(emulator, monkeypatch, **kwargs)
        return
    result = getattr(hook_for(emulator, monkeypatch), method)(**kwargs)
    if method == "iter_customers":
        next(result, None)  # had the check been lazy, this would send the first request


@pytest.mark.parametrize("call", HOOK_CASES)
def test_hook_refuses_bad_input_before_any_request(emulator, monkeypatch, call):
    for method in call.methods:
        with pytest.raises(ClueValidationError) as err:
            call_hook(emulator, monkeypatch, method, call.kwargs)
        check_refusal(err.value, call.field, str(err.value), call.kwargs, emulator)


# -- the connection: extras, token, base URL, default user ---------------------------------------------


@dataclass(frozen=True)
class ConnectionCase:
    changes: dict[str, Any]  # replaces the emulator connection's fields; None removes one
    field: str
    error: type[ClueValidationError] = ClueConfigurationError


def connection_case(
    case_id: str, field: str, *, error: type[ClueValidationError] = ClueConfigurationError,
    marks: Any = (), **changes: Any,
) -> ParameterSet:
    return pytest.param(ConnectionCase(changes, field, error), id=case_id, marks=marks)


def extra_case(case_id: str, field: str, extra: Any, *, marks: Any = ()) -> ParameterSet:
    return connection_case(f"extra-{case_id}", field, extra=extra, marks=marks)


CONNECTION_CASES = [
    extra_case("unknown-header-like", "extra.X-Api-Key", {"X-Api-Key": "abc"}),
    extra_case("unknown-proxy", "extra.proxy", {"proxy": "http://proxy.invalid:3128"}),
    extra_case("unknown-prefixed", "extra.colour", {"extra__clue__colour": "red"}),
    extra_case("given-twice", "extra.per_page", {"per_page": 10, "extra__clue__per_page": 20}),
    extra_case("timezone-mars", "extra.timezone", {"timezone": "Mars/Base"}),
    extra_case("timezone-int", "extra.timezone", {"timezone": 8}),
    extra_case("timeout-negative", "extra.timeout", {"timeout": -1}),
    extra_case("timeout-nan", "extra.timeout", {"timeout": "nan"}),
    extra_case("timeout-word", "extra.timeout", {"timeout": "soon"}),
    extra_case("max_retries-21", "extra.max_retries", {"max_retries": 21}),
    extra_case("max_retries-fraction", "extra.max_retries", {"max_retries": 1.5}),
    extra_case("max_retry_wait-negative", "extra.max_retry_wait", {"max_retry_wait": -1}),
    extra_case("per_page-0", "extra.per_page", {"per_page": 0}),
    extra_case("per_page-1001", "extra.per_page", {"per_page": 1001}),
    extra_case("filters_in-header", "extra.filters_in", {"filters_in": "header"}),
    extra_case("max_concurrency-0", "extra.max_concurrency", {"max_concurrency": 0}),
    extra_case("max_concurrency-33", "extra.max_concurrency", {"max_concurrency": 33}),
    extra_case("rate_limit-negative", "extra.rate_limit", {"rate_limit": -1}),
    extra_case("verify_ssl-maybe", "extra.verify_ssl", {"verify_ssl": "maybe"}),
    extra_case("allow_http-yes", "extra.allow_http", {"allow_http": "yes"}),
    extra_case("not-json", "extra", "{not json", marks=ENV_CONNECTION_WITH_ANY_EXTRA),
    extra_case("json-array", "extra", "[1, 2]", marks=ENV_CONNECTION_WITH_ANY_EXTRA),
    connection_case("token-missing", "password", password=None),
    connection_case("token-blank", "password", password="   "),
    connection_case("token-with-space", "password", password="abc def-secret"),
    connection_case("token-not-latin-1", "password", password="secret线索token"),
    connection_case("token-latin-1-not-ascii", "password", password="secr\u00e9t-token"),
    connection_case("host-http-not-loopback", "host", host="http://clue.example.invalid"),
    connection_case("host-ftp", "host", host="ftp://clue.example.invalid"),
    connection_case("host-credentials", "host", host="https://user:pw@clue.example.invalid"),
    connection_case("host-query", "host", host="https://clue.example.invalid/?x=1"),
    connection_case("host-bad-port", "host", host="https://clue.example.invalid:99999"),
    connection_case(
        "host-path-traversal", "host", host="EMULATOR/../agent-api"
    ),
    connection_case("login-traversal", "user_id", error=ClueValidationError, login="../admin"),
    connection_case("login-not-uuid", "user_id", error=ClueValidationError, login="not-a-uuid"),
]


def connection_json(emulator: ClueEmulator, changes: dict[str, Any]) -> str:
    fields: dict[str, Any] = {
        "conn_type": "clue", "host": emulator.url, "password": TOKEN, "login": USER, "extra": {"max_retries": 0},
    }
    fields.update(changes)
    fields["host"] = fields["host"].replace("EMULATOR", emulator.url)
    return json.dumps({name: value for name, value in fields.items() if value is not None})


@pytest.mark.parametrize("case", CONNECTION_CASES)
def test_connection_is_refused_before_any_request(emulator, monkeypatch, case):
    monkeypatch.setenv("AIRFLOW_CONN_CLUE_TEST", connection_json(emulator, case.changes))
    with pytest.raises(case.error) as err:
        ClueHook(clue_conn_id="clue_test").count_customers()
    check_refusal(err.value, case.field, str(err.value), case.changes, emulator)
    password = case.changes.get("password")
    if password and password.strip():
        assert password not in str(err.value)


# -- ClueSearchOperator.execute ---------------------------------------------------------------------


@dataclass(frozen=True)
class OperatorCase:
    kwargs: dict[str, Any]
    field: str
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)


def operator_case(
    case_id: str, field: str, *, extra: dict[str, Any] | None = None, **kwargs: Any
) -> ParameterSet:
    return pytest.param(OperatorCase(kwargs, field, extra or {}), id=case_id)


OPERATOR_CASES = [
    # destination ("TMP" is the test's temporary folder): a writable scheme, a JSON Lines name, known placeholders
    operator_case("destination-ftp", "destination", destination="ftp://files.example.invalid/clues.jsonl"),
    operator_case("destination-memory", "destination", destination="memory://bucket/clues.jsonl"),
    operator_case("destination-http", "destination", destination="http://files.example.invalid/clues.jsonl"),
    operator_case("destination-no-scheme", "destination", destination="TMP/clues.jsonl"),
    operator_case("destination-csv", "destination", destination="file://TMP/clues.csv"),
    operator_case("destination-folder", "destination", destination="file://TMP/"),
    operator_case("destination-unknown-placeholder", "destination", destination="file://TMP/{nope}.jsonl"),
    operator_case("destination-positional-placeholder", "destination", destination="file://TMP/{0}.jsonl"),
    operator_case("destination-unclosed-placeholder", "destination", destination="file://TMP/{start_date.jsonl"),
    operator_case("destination-format-spec", "destination", destination="file://TMP/{start:%Y}.jsonl"),
    operator_case("destination-blank", "destination", destination="   "),
    operator_case(
        "destination-dotted-placeholder", "destination", destination="file://TMP/{start.year}.jsonl"
    ),
    operator_case("destination-int", "destination", destination=42),
    operator_case("destination-json", "destination", destination="file://TMP/clues.json"),
    operator_case("destination-json-gz", "destination", destination="file://TMP/clues.json.gz"),
    operator_case("destination-file-host", "destination", destination="file://tmp/clues.jsonl"),
    operator_case("destination-conversion", "destination", destination="file://TMP/{start!r}.jsonl"),
    operator_case("destination-s3-no-bucket", "destination", destination="s3:///clues/{start_date}.jsonl"),
    operator_case("destination-gs-no-bucket", "destination", destination="gs:///clues.jsonl"),
    # found by execute, before the first request: no filesystem for the scheme, a folder that cannot be made
    operator_case("destination-no-filesystem", "destination", destination="gs://clue-bucket/clues.jsonl"),
    operator_case("destination-folder-in-proc", "destination", destination="file:///proc/clues/{start_date}.jsonl"),
    operator_case("destination-proc-itself", "destination", destination="file:///proc/{start_date}.jsonl"),
    operator_case("created_at-year-1", "created_at (start)", created_at=["0001-01-01", DAY[1]]),
    operator_case("lookback-huge", "lookback", lookback=timedelta(days=800_000)),
    operator_case("xcom_max_records-string", "xcom_max_records", xcom_max_records="10"),
    operator_case("xcom_max_records-none", "xcom_max_records", xcom_max_records=None),
    operator_case("xcom_max_records-negative", "xcom_max_records", xcom_max_records=-1),
    operator_case("xcom_max_bytes-string", "xcom_max_bytes", xcom_max_bytes="x"),
    operator_case("xcom_max_bytes-zero", "xcom_max_bytes", xcom_max_bytes=0),
    # created_at: the half-open window [start, end)
    operator_case("created_at-reversed", "created_at", created_at=[DAY[1], DAY[0]]),
    operator_case("created_at-reversed-rendered", "created_at", created_at="['2026-10-03', '2026-10-02']"),
    operator_case("created_at-equal-bounds", "created_at", created_at=[DAY[0], DAY[0]]),
    operator_case(
        "created_at-no-whole-second", "created_at",
        created_at=["2026-10-02T00:00:00.2+08:00", "2026-10-02T00:00:00.7+08:00"],
    ),
    operator_case("created_at-one-element", "created_at", created_at=[DAY[0]]),
    operator_case("created_at-three-elements", "created_at", created_at=[*DAY, DAY[1]]),
    operator_case("created_at-one-string", "created_at", created_at="2026-10-02"),
    operator_case("created_at-unparsable-start", "created_at (start)", created_at=["the second of October", DAY[1]]),
    operator_case("created_at-unparsable-end", "created_at (end)", created_at=[DAY[0], "2026-10-32"]),
    operator_case("created_at-int-bound", "created_at (start)", created_at=[1, 2]),
    operator_case("created_at-none-and-no-schedule", "created_at", created_at=None),
    operator_case("lookback-negative", "lookback", lookback=timedelta(hours=-1)),
    operator_case("lookback-int", "lookback", lookback=3600),
    # filters (the window is the created_at argument, never a filter)
    operator_case("filters-created_at", "filters.created_at", filters={"created_at": DAY}),
    operator_case("filters-sex-9", "filters.sex", filters={"sex": [9]}),
    operator_case("filters-phone-int", "filters.phone", filters={"phone": int(PHONE)}),
    operator_case("filters-email-list", "filters.email", filters={"email": [EMAIL]}),
    operator_case("filters-unknown", "filters.source", filters={"source": "web"}),
    operator_case("filters-not-a-mapping", "filters", filters=[("ai_call", 1)]),
    # route and paging
    operator_case("user_id-traversal", "user_id", user_id="../admin"),
    operator_case("user_id-encoded-traversal", "user_id", user_id="%2e%2e%2fadmin"),
    operator_case("user_id-uuid-then-slash", "user_id", user_id=USER + "/x"),
    operator_case("user_id-empty", "user_id", user_id=""),
    operator_case("user_id-trailing-newline", "user_id", user_id=USER + "\n"),
    operator_case("stage-slash", "stage", stage="clue/../x"),
    operator_case("stage-space", "stage", stage="clue x"),
    operator_case("per_page-0", "per_page", per_page=0),
    operator_case("per_page-1001", "per_page", per_page=1001),
    operator_case("max_records-0", "max_records", max_records=0),
    operator_case("max_records-negative", "max_records", max_records=-1),
    operator_case("max_concurrency-0", "max_concurrency", max_concurrency=0),
    operator_case("max_concurrency-33", "max_concurrency", max_concurrency=33),
    # the connection, read by execute
    operator_case("connection-unknown-extra", "extra.output", extra={"output": "s3://bucket/x.jsonl"}),
    operator_case("connection-timezone", "extra.timezone", extra={"timezone": "Mars/Base"}),
]


@pytest.mark.parametrize("case", OPERATOR_CASES)
def test_operator_refuses_bad_input_before_any_request(emulator, monkeypatch, tmp_path: Path, case):
    point_clue_default_at(emulator, monkeypatch, max_retries=0, **case.extra)
    kwargs = {"created_at": DAY, **case.kwargs}
    if isinstance(kwargs.get("destination"), str):
        kwargs["destination"] = kwargs["destination"].replace("TMP", tmp_path.as_posix())
    with pytest.raises(ClueValidationError) as err:
        ClueSearchOperator(task_id="pull", **kwargs).execute(execution_context())
    check_refusal(err.value, case.field, str(err.value), case.kwargs, emulator)
    assert list(tmp_path.iterdir()) == []


# -- ClueSensor: poke, reschedule and the deferrable path -----------------------------------------------


@dataclass(frozen=True)
class SensorCase:
    kwargs: dict[str, Any]
    field: str
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    entry: str = "poke"  # poke(), or execute() of a sensor built with the given mode / deferrable


def sensor_case(
    case_id: str, field: str, *, entry: str = "poke", extra: dict[str, Any] | None = None,
    **kwargs: Any,
) -> ParameterSet:
    marks = [RESCHEDULE_READS_THE_DB] if kwargs.get("mode") == "reschedule" else []
    return pytest.param(SensorCase(kwargs, field, extra or {}, entry), id=case_id, marks=marks)


SENSOR_CASES = [
    sensor_case("min_count-0", "min_count", min_count=0),
    sensor_case("min_count-negative", "min_count", min_count=-1),
    sensor_case("min_count-string", "min_count", min_count="3"),
    sensor_case("min_count-bool", "min_count", min_count=True),
    sensor_case("min_count-0-deferrable", "min_count", entry="execute", min_count=0, deferrable=True),
    sensor_case("filters-sex-7", "filters.sex", filters={"sex": [7]}),
    sensor_case("filters-created_at", "filters.created_at", filters={"created_at": EMPTY_DAY}),
    sensor_case("filters-unknown", "filters.tag", filters={"tag": "vip"}),
    sensor_case("filters-phone-list", "filters.phone", filters={"phone": [PHONE]}),
    sensor_case("filters-email-int", "filters.email", filters={"email": 7}),
    sensor_case(
        "filters-ai_call-deferrable", "filters.ai_call", entry="execute", filters={"ai_call": 2}, deferrable=True
    ),
    sensor_case("created_at-reversed", "created_at", created_at=[EMPTY_DAY[1], EMPTY_DAY[0]]),
    sensor_case("created_at-one-element", "created_at", created_at=EMPTY_DAY[:1]),
    sensor_case("created_at-unparsable", "created_at (start)", created_at=["soon", EMPTY_DAY[1]]),
    sensor_case(
        "created_at-no-whole-second", "created_at", created_at=["2026-10-01 00:00:00.2", "2026-10-01 00:00:00.7"]
    ),
    sensor_case("created_at-year-1", "created_at (start)", created_at=["0001-01-01", EMPTY_DAY[1]]),
    sensor_case("created_at-none-and-no-schedule", "created_at", created_at=None),
    sensor_case(
        "created_at-reversed-reschedule", "created_at", entry="execute",
        created_at=[EMPTY_DAY[1], EMPTY_DAY[0]], mode="reschedule",
    ),
    sensor_case("user_id-traversal", "user_id", user_id="../"),
    sensor_case("user_id-slash", "user_id", user_id="a/b"),
    sensor_case("user_id-not-uuid-deferrable", "user_id", entry="execute", user_id="nobody", deferrable=True),
    sensor_case("user_id-empty", "user_id", user_id=""),
    sensor_case("stage-space", "stage", stage="clue x"),
    sensor_case("stage-trailing-newline", "stage", stage="clue\n"),
    sensor_case("connection-unknown-extra", "extra.header", extra={"header": "X-Token"}),
    sensor_case("connection-rate_limit", "extra.rate_limit", extra={"rate_limit": -1}),
]


@pytest.mark.parametrize("case", SENSOR_CASES)
def test_sensor_fails_at_once_on_bad_input_without_a_request(emulator, monkeypatch, case):
    point_clue_default_at(emulator, monkeypatch, max_retries=0, **case.extra)
    sensor = ClueSensor(task_id="wait", **{"created_at": EMPTY_DAY, "poke_interval": 0.1, "timeout": 5, **case.kwargs})
    check = sensor.poke if case.entry == "poke" else sensor.execute
    with pytest.raises(AirflowFailException) as err:
        check(sensor_context())
    cause = err.value.__cause__
    assert isinstance(cause, ClueValidationError), f"not a validation error: {cause!r}"
    check_refusal(cause, case.field, str(err.value), case.kwargs, emulator)
