"""parse_response: one HTTP response into a checked page or the right ClueAPIError."""

from __future__ import annotations

import json

import pytest

from airflow_provider_clue.api.envelope import CluePage, PageMeta, RequestContext, error_class_for, parse_response
from airflow_provider_clue.exceptions import (
    ClueAPIError,
    ClueAuthError,
    ClueBadRequestError,
    ClueBusinessError,
    ClueMalformedResponseError,
    ClueRateLimitError,
    ClueServerError,
)

PATH = "/agent-api/user/40863af8-db4a-41c6-a269-eb5bc386d97f/type/clue/get_customer"
CONTEXT = RequestContext(path=PATH, page=3)
PHONE = "13912345678"
EMAIL = "zhang.wei@example.cn"

META = {"has_pages": True, "total": 31, "last_page": 3, "current_page": 3, "per_page": 15}
RECORD = {
    "id": "4d2e14b2-0000-4000-8000-000000000001",
    "phone": "9999999",
    "email": "123456@qq.com",
    "name": "金山上",
    "company": None,
    "created_at": "2023-03-23 14:18:01",
}


def envelope(**changes):
    document = {"code": 200, "status": "success", "message": "筛选客户公海列表成功", "meta": dict(META),
                "data": [dict(RECORD)]}
    document.update(changes)
    return document


def body(document):
    return json.dumps(document, ensure_ascii=False).encode()


def parse(document, status=200, **kwargs):
    raw = document if isinstance(document, bytes) else body(document)
    return parse_response(status, raw, CONTEXT, **kwargs)


def error_of(document, status=200, expected=ClueAPIError, **kwargs):
    with pytest.raises(expected) as info:
        parse(document, status, **kwargs)
    return info.value


# --- success ----------------------------------------------------------------------------------


def test_success_page():
    page = parse(envelope())
    assert isinstance(page, CluePage)
    assert page.meta == PageMeta(current_page=3, last_page=3, per_page=15, total=31, has_pages=True)
    assert page.records == [RECORD]
    assert page.envelope == envelope()


def test_success_keeps_every_record_field():
    record = {**RECORD, "user_id": "u", "is_back": 0, "grade_id": None, "custom": {"a": [1, 2]}}
    assert parse(envelope(data=[record])).records == [record]


def test_success_empty_page():
    meta = {"has_pages": False, "total": 0, "last_page": 1, "current_page": 1, "per_page": 15}
    page = parse(envelope(meta=meta, data=[]))
    assert page.records == []
    assert page.meta.total == 0
    assert page.meta.has_pages is False


@pytest.mark.parametrize("record_id", ["abc", 1, 0, 123456789])
def test_success_record_ids(record_id):
    assert parse(envelope(data=[{"id": record_id}])).records == [{"id": record_id}]


def test_has_pages_missing_is_false():
    meta = {key: value for key, value in META.items() if key != "has_pages"}
    assert parse(envelope(meta=meta)).meta.has_pages is False


def test_extra_meta_fields_are_ignored():
    meta = {**META, "from": 31, "to": 31, "path": "x", "links": []}
    assert parse(envelope(meta=meta)).meta.total == 31


def test_success_with_retry_after_argument_is_still_a_page():
    assert parse(envelope(), retry_after=5.0).records == [RECORD]


# --- HTTP status errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected", "retryable"),
    [
        (401, ClueAuthError, False),
        (403, ClueAuthError, False),
        (400, ClueBadRequestError, False),
        (404, ClueBadRequestError, False),
        (405, ClueBadRequestError, False),
        (422, ClueBadRequestError, False),
        (429, ClueRateLimitError, True),
        (500, ClueServerError, True),
        (502, ClueServerError, True),
        (503, ClueServerError, True),
        (504, ClueServerError, True),
    ],
)
@pytest.mark.parametrize(
    "raw",
    [b'{"message": "Unauthenticated."}', b"<html><body>Bad Gateway</body></html>", b"", b"[]"],
    ids=["json", "html", "empty", "list"],
)
def test_http_status_errors(status, expected, retryable, raw):
    err = error_of(raw, status)
    assert type(err) is expected
    assert err.http_status == status
    assert err.retryable is retryable
    assert err.path == PATH
    assert err.page == 3


@pytest.mark.parametrize("status", [401, 429, 500])
def test_http_error_wins_over_a_success_body(status):
    err = error_of(envelope(), status)
    assert err.http_status == status
    assert not isinstance(err, ClueMalformedResponseError)


def test_http_401_keeps_api_message():
    err = error_of(b'{"message": "Unauthenticated."}', 401, ClueAuthError)
    assert err.api_message == "Unauthenticated."
    assert err.api_code is None
    assert "Unauthenticated." in str(err)


def test_http_429_carries_retry_after():
    err = error_of(b"Too Many Requests", 429, ClueRateLimitError, retry_after=12.5)
    assert err.retry_after == 12.5


def test_http_429_without_retry_after():
    assert error_of(b"", 429, ClueRateLimitError).retry_after is None


# --- API code inside HTTP 200 -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (401, ClueAuthError),
        (403, ClueAuthError),
        (400, ClueBadRequestError),
        (404, ClueBadRequestError),
        (422, ClueBadRequestError),
        (429, ClueRateLimitError),
        (500, ClueServerError),
        (503, ClueServerError),
    ],
)
@pytest.mark.parametrize("status_text", ["error", "fail", None])
def test_api_code_inside_http_200(code, expected, status_text):
    document = {"code": code, "status": status_text, "message": "出错了"}
    err = error_of(document, 200)
    assert type(err) is expected
    assert err.http_status == 200
    assert err.api_code == code
    assert err.api_message == "出错了"
    assert "API code inside HTTP 200" in err.summary


def test_api_code_429_inside_http_200_carries_retry_after():
    err = error_of({"code": 429, "status": "error"}, 200, ClueRateLimitError, retry_after=3.0)
    assert err.retry_after == 3.0
    assert err.retryable is True


@pytest.mark.parametrize(
    "document",
    [
        envelope(status="fail"),
        envelope(status=None),
        {k: v for k, v in envelope().items() if k != "status"},
        envelope(code=None),
        envelope(code=True),
        envelope(code=200.0),
        envelope(code=" 200"),
        {k: v for k, v in envelope().items() if k != "code"},
        envelope(status="SUCCESS"),
    ],
)
def test_envelope_not_success_is_malformed(document):
    err = error_of(document, 200, ClueMalformedResponseError)
    assert err.retryable is False
    assert "expected code 200 and status 'success'" in err.summary


@pytest.mark.parametrize(
    ("code", "status_text", "api_code"),
    [
        (6007, "error", 6007),
        ("6007", "error", 6007),
        (6007, None, 6007),
        (201, "success", 201),
        (302, "success", 302),
        (0, "success", 0),
        (200, "error", 200),
        (None, "error", None),
        ("E42", "error", "E42"),
    ],
)
def test_the_apis_own_errors_are_business_errors_not_retried(code, status_text, api_code):
    document = {"code": code, "status": status_text, "message": "2.0任务启动中,请先停止任务", "data": []}
    err = error_of(document, 200, ClueBusinessError)
    assert err.retryable is False
    assert err.api_code == api_code
    assert type(err.api_code) is type(api_code)
    assert err.api_message == "2.0任务启动中,请先停止任务"
    assert f"code {api_code!r}" in str(err) if api_code is not None else True
    assert "2.0任务启动中,请先停止任务" in str(err)


def test_the_vendors_documented_error_reads_as_its_code_and_message():
    err = error_of(rb'{"code": 6007, "status": "error", "message": "2.0\u4efb\u52a1\u542f\u52a8\u4e2d,'
                   rb'\u8bf7\u5148\u505c\u6b62\u4efb\u52a1", "data": []}', 200, ClueBusinessError)
    assert err.api_code == 6007
    assert "code 6007;" in str(err)
    assert "message '2.0任务启动中,请先停止任务'" in str(err)


def test_a_validation_answer_keeps_each_refused_field_and_its_reasons():
    document = {"message": "The given data was invalid.", "errors": {
        "created_at.0": ["The created_at.0 does not match the format Y-m-d H:i:s.", "second reason"],
        "phone": [f"The phone {PHONE} is invalid."],
        "sex": "The selected sex is invalid.",
    }}
    err = error_of(document, 422, ClueBadRequestError)
    assert err.field_errors == {
        "created_at.0": ("The created_at.0 does not match the format Y-m-d H:i:s.", "second reason"),
        "phone": ("The phone [redacted] is invalid.",),
        "sex": ("The selected sex is invalid.",),
    }
    message = str(err)
    assert "created_at.0 ('The created_at.0 does not match the format Y-m-d H:i:s.')" in message
    assert "second reason" not in message
    assert "sex ('The selected sex is invalid.')" in message
    assert PHONE not in message


def test_a_validation_answer_with_a_bare_list_of_reasons_keeps_them():
    err = error_of({"message": "bad", "errors": ["page must be an integer"]}, 422, ClueBadRequestError)
    assert err.field_errors == {"errors": ("page must be an integer",)}
    assert error_of({"message": "bad", "errors": "x"}, 422, ClueBadRequestError).field_errors == {}


def test_a_validation_answer_inside_http_200_keeps_its_fields_too():
    err = error_of({"code": 422, "status": "error", "errors": {"per_page": ["too big"]}}, 200, ClueBadRequestError)
    assert err.field_errors == {"per_page": ("too big",)}


def test_field_errors_never_repeat_the_token():
    token = "secret-token-123"
    raw = body({"message": "bad", "errors": {"token": [f"{token} is not valid"]}})
    with pytest.raises(ClueBadRequestError) as info:
        parse_response(422, raw, RequestContext(path=PATH, page=1, secrets=(token,)))
    assert token not in str(info.value)
    assert info.value.field_errors == {"token": ("*** is not valid",)}


# --- malformed bodies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b"", b"<html>502 Bad Gateway</html>", b'{"code": 200, "status": "succ', b"\xff\xfe\xfa", b"not json"],
    ids=["empty", "html", "truncated", "binary", "text"],
)
def test_non_json_body_is_malformed_and_retryable(raw):
    err = error_of(raw, 200, ClueMalformedResponseError)
    assert err.retryable is True
    assert err.http_status == 200
    assert "not JSON" in err.summary


@pytest.mark.parametrize("raw", [b"[]", b"[1, 2]", b'"success"', b"42", b"true"])
def test_json_non_object_is_malformed_not_retryable(raw):
    err = error_of(raw, 200, ClueMalformedResponseError)
    assert err.retryable is False


def test_json_null_is_malformed_not_retryable():
    err = error_of(b"null", 200, ClueMalformedResponseError)
    assert err.retryable is False


def _without(mapping, key):
    return {k: v for k, v in mapping.items() if k != key}


@pytest.mark.parametrize(
    ("document", "mentions"),
    [
        (_without(envelope(), "meta"), "meta"),
        (envelope(meta=None), "meta"),
        (envelope(meta=[1, 2]), "meta"),
        (envelope(meta="page 1"), "meta"),
        (envelope(meta=_without(META, "current_page")), "meta.current_page"),
        (envelope(meta=_without(META, "last_page")), "meta.last_page"),
        (envelope(meta=_without(META, "per_page")), "meta.per_page"),
        (envelope(meta=_without(META, "total")), "meta.total"),
        (envelope(meta={**META, "current_page": " 3"}), "meta.current_page"),
        (envelope(meta={**META, "current_page": "+3"}), "meta.current_page"),
        (envelope(meta={**META, "current_page": 3.0}), "meta.current_page"),
        (envelope(meta={**META, "current_page": True}), "meta.current_page"),
        (envelope(meta={**META, "current_page": 0}), "meta.current_page"),
        (envelope(meta={**META, "last_page": -1}), "meta.last_page"),
        (envelope(meta={**META, "last_page": None}), "meta.last_page"),
        (envelope(meta={**META, "per_page": 0}), "meta.per_page"),
        (envelope(meta={**META, "per_page": "15.0"}), "meta.per_page"),
        (envelope(meta={**META, "per_page": "1e1"}), "meta.per_page"),
        (envelope(meta={**META, "per_page": "０"}), "meta.per_page"),
        (envelope(meta={**META, "per_page": "0"}), "meta.per_page"),
        (envelope(meta={**META, "total": "-1"}), "meta.total"),
        (envelope(meta={**META, "total": ""}), "meta.total"),
        (envelope(meta={**META, "last_page": "3 "}), "meta.last_page"),
        (envelope(meta={**META, "total": -1}), "meta.total"),
        (envelope(meta={**META, "total": 31.5}), "meta.total"),
        (envelope(meta={**META, "total": False}), "meta.total"),
        (_without(envelope(), "data"), "data"),
        (envelope(data=None), "data"),
        (envelope(data={"id": "a"}), "data"),
        (envelope(data="[]"), "data"),
        (envelope(data=["a"]), "data[0]"),
        (envelope(data=[RECORD, [1, 2]]), "data[1]"),
        (envelope(data=[RECORD, None]), "data[1]"),
        (envelope(data=[{"name": "x"}]), "data[0]"),
        (envelope(data=[RECORD, {"id": None}]), "data[1]"),
        (envelope(data=[{"id": ""}]), "data[0]"),
        (envelope(data=[{"id": True}]), "data[0]"),
        (envelope(data=[{"id": 1.5}]), "data[0]"),
        (envelope(data=[{"id": ["a"]}]), "data[0]"),
        (envelope(data=[{"id": {"a": 1}}]), "data[0]"),
    ],
)
def test_wrong_shape_is_malformed_not_retryable(document, mentions):
    err = error_of(document, 200, ClueMalformedResponseError)
    assert err.retryable is False
    assert mentions in err.summary


# --- error messages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b'{"message": "Unauthenticated."}', 401),
        (b"", 429),
        (b"oops", 502),
        (body({"code": 422, "status": "error"}), 200),
        (b"<html>", 200),
        (body(envelope(meta=None)), 200),
        (body(envelope(status="error")), 200),
    ],
)
def test_message_names_path_page_and_status(raw, status):
    text = str(error_of(raw, status))
    assert f"GET {PATH} page 3" in text
    assert f"HTTP status {status}" in text


def test_message_without_page():
    with pytest.raises(ClueServerError) as info:
        parse_response(500, b"", RequestContext(path=PATH, page=None))
    text = str(info.value)
    assert text.endswith(f"(GET {PATH})")
    assert info.value.page is None


def test_message_includes_api_code():
    text = str(error_of({"code": 422, "status": "error", "message": "参数错误"}, 200))
    assert "code 422" in text
    assert "参数错误" in text


@pytest.mark.parametrize(
    ("status", "document"),
    [
        (422, {"message": f"手机号 {PHONE} 格式错误"}),
        (200, {"code": 422, "status": "error", "message": f"phone {PHONE} exists; email {EMAIL} taken"}),
        (200, {"code": 500, "status": "error", "message": f"duplicate {EMAIL}"}),
        (200, envelope(status="error", message=f"call +86 139-1234-5678 or {EMAIL}")),
        (401, {"message": {"phone": PHONE, "email": EMAIL}}),
    ],
)
def test_personal_data_in_api_message_is_redacted(status, document):
    err = error_of(document, status)
    text = str(err)
    assert PHONE not in text
    assert EMAIL not in text
    assert "1234-5678" not in text
    assert "[redacted]" in err.api_message
    assert PHONE not in err.api_message


def test_long_api_message_is_capped():
    err = error_of({"message": "错" * 5000}, 500, ClueServerError)
    assert len(err.api_message) <= 303
    assert len(str(err)) < 1000


def test_api_message_not_a_string_is_stringified():
    err = error_of({"message": 42}, 400, ClueBadRequestError)
    assert err.api_message == "42"


# --- error_class_for --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, ClueAuthError),
        (403, ClueAuthError),
        (429, ClueRateLimitError),
        (500, ClueServerError),
        (599, ClueServerError),
        (400, ClueBadRequestError),
        (404, ClueBadRequestError),
        (422, ClueBadRequestError),
    ],
)
def test_error_class_for(status, expected):
    error_class, meaning = error_class_for(status)
    assert error_class is expected
    assert meaning


def test_meta_numbers_sent_as_strings_of_digits_are_read_as_numbers():
    meta = {"has_pages": "1", "total": "31", "last_page": "3", "current_page": "3", "per_page": "15"}
    page = parse(envelope(meta=meta))
    assert page.meta == PageMeta(current_page=3, last_page=3, per_page=15, total=31, has_pages=True)


def test_numeric_string_code_counts_as_its_number():
    page = parse_response(200, json.dumps(envelope(code="200")).encode(), CONTEXT)
    assert page.meta.total == envelope()["meta"]["total"]


@pytest.mark.parametrize("code", [200, "200", "0200"])
def test_a_code_200_in_any_harmless_form_is_success(code):
    body = json.dumps({"code": code, "status": "success", "data": [], "meta": {
        "current_page": 1, "last_page": 1, "per_page": 15, "total": 0}}).encode()
    assert parse_response(200, body, RequestContext(path="/p", page=1)).meta.total == 0
