"""Turn one HTTP response into a checked page, or into the right :class:`ClueAPIError`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from airflow_provider_clue.api.redaction import redact_personal_data, redacted_repr
from airflow_provider_clue.exceptions import (
    ClueAPIError,
    ClueAuthError,
    ClueBadRequestError,
    ClueMalformedResponseError,
    ClueRateLimitError,
    ClueServerError,
)

Record = dict[str, Any]


@dataclass(frozen=True)
class PageMeta:
    """The paginator block of a response, as the server reports it."""

    current_page: int
    last_page: int
    per_page: int
    total: int
    has_pages: bool


@dataclass(frozen=True)
class CluePage:
    """One validated response: its ``meta``, its records, and the whole envelope."""

    meta: PageMeta
    records: list[Record]
    envelope: dict[str, Any]


@dataclass(frozen=True)
class RequestContext:
    """Where a response came from, for error messages: the URL path and the page asked for, and the
    secrets the request carried (the token), which no message may repeat even if the server echoes them."""

    path: str
    page: int | None
    secrets: tuple[str, ...] = field(default=(), repr=False)


def error_class_for(status: int) -> tuple[type[ClueAPIError], str]:
    """The error class of an HTTP status or an API ``code``, and a few words that say what it means."""
    if status in (401, 403):
        return ClueAuthError, "the API refused the token or the user"
    if status == 408:
        return ClueServerError, "the server timed out waiting for the request"
    if status == 429:
        return ClueRateLimitError, "rate limited"
    if status >= 500:
        return ClueServerError, "server error"
    return ClueBadRequestError, "the API rejected the request"


class RateLimitWait(NamedTuple):
    """What a 429's headers told: seconds to wait, and whether the token's budget is spent."""

    retry_after: float | None
    budget_spent: bool


def parse_response(
    status: int, body: bytes, context: RequestContext, *, retry_after: float | None = None, budget_spent: bool = False
) -> CluePage:
    """Check HTTP status, then ``code``/``status``, then ``meta`` and ``data``; return the page.

    ``retry_after`` and ``budget_spent`` are what the headers told of a 429 (see :class:`ClueRateLimitError`).

    :raises ClueAPIError: whose message repeats none of ``context.secrets``.
    """
    wait = RateLimitWait(retry_after, budget_spent)
    try:
        return _parse_response(status, _without_secrets(body, context.secrets), context, wait)
    except ClueAPIError as err:
        raise err.without(context.secrets) from None


def _without_secrets(body: bytes, secrets: tuple[str, ...]) -> bytes:
    """``body`` with each secret, as written and as JSON escapes it, replaced by ``***`` before any
    part of it is read (a message is redacted and cut later, which could leave part of a secret)."""
    for secret in filter(None, secrets):
        escaped = json.dumps(secret)[1:-1]
        for form in {secret, escaped, escaped.replace("/", "\\/")}:
            body = body.replace(form.encode(), b"***")
    return body


def _parse_response(status: int, body: bytes, context: RequestContext, wait: RateLimitWait) -> CluePage:
    where: dict[str, Any] = {"path": context.path, "page": context.page, "http_status": status}
    document = _decode(body)
    api_code = _code_of(document)
    api_message = _message_of(document)
    if status != 200:
        _raise_for(status, "", where, api_code, api_message, wait)
    if document is _NOT_JSON:
        raise ClueMalformedResponseError("response body is not JSON", retryable=True, **where)
    if not isinstance(document, dict):
        raise ClueMalformedResponseError("response body is not a JSON object", **where)
    if api_code != 200 or document.get("status") != "success":
        code_status = api_code if isinstance(api_code, int) and not isinstance(api_code, bool) else 0
        if code_status >= 400:
            _raise_for(code_status, " (API code inside HTTP 200)", where, api_code, api_message, wait)
        raise ClueMalformedResponseError(
            f"envelope has code {api_code} and status {_shown(document.get('status'))}, "
            "expected code 200 and status 'success'",
            api_code=api_code, api_message=api_message, **where,
        )
    return CluePage(meta=_meta(document, where), records=_records(document, where), envelope=document)


def _raise_for(
    status: int,
    suffix: str,
    where: dict[str, Any],
    api_code: object,
    api_message: str | None,
    wait: RateLimitWait,
) -> None:
    error_class, meaning = error_class_for(status)
    context = {**where, "api_code": api_code, "api_message": api_message}
    if error_class is ClueRateLimitError:
        raise ClueRateLimitError(
            meaning + suffix, retry_after=wait.retry_after, budget_spent=wait.budget_spent, **context
        )
    raise error_class(meaning + suffix, **context)


_NOT_JSON = object()


def _code_of(document: Any) -> object:
    """The envelope's ``code``: an int from 0 to 999 (a numeric string such as ``"200"``, as PHP may
    send, or a whole float counts as its number), ``None``, or anything else as a short redacted text."""
    code = document.get("code") if isinstance(document, Mapping) else None
    numeric_text = isinstance(code, str) and code.isascii() and code.isdigit() and len(code.lstrip("0")) <= 3
    whole_float = isinstance(code, float) and code.is_integer() and 0 <= code <= 999
    if numeric_text or whole_float:
        code = int(code)  # type: ignore[arg-type]
    if code is None or (isinstance(code, int) and not isinstance(code, bool) and 0 <= code <= 999):
        return code
    return _shown(code)


def _shown(value: object) -> str:
    """A value from a response as it may appear in a message."""
    return redacted_repr(value, limit=60)


def _decode(body: bytes) -> Any:
    """The JSON document in ``body``, or ``_NOT_JSON``."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: absurdly nested JSON
        return _NOT_JSON


def _message_of(document: Any) -> str | None:
    if not isinstance(document, Mapping):
        return None
    message = document.get("message")
    if message is None:
        return None
    return redact_personal_data(str(message))


def _meta(document: Mapping[str, Any], where: dict[str, Any]) -> PageMeta:
    meta = document.get("meta")
    if not isinstance(meta, Mapping):
        raise ClueMalformedResponseError("envelope has no 'meta' object", **where)
    numbers = {}
    for name, minimum in (("current_page", 1), ("last_page", 0), ("per_page", 1), ("total", 0)):
        value = meta.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ClueMalformedResponseError(
                f"meta.{name} is {_shown(value)}, expected an integer >= {minimum}", **where
            )
        numbers[name] = value
    return PageMeta(has_pages=bool(meta.get("has_pages")), **numbers)


def _records(document: Mapping[str, Any], where: dict[str, Any]) -> list[Record]:
    data = document.get("data")
    if not isinstance(data, list):
        raise ClueMalformedResponseError("envelope has no 'data' list", **where)
    for index, record in enumerate(data):
        if not isinstance(record, dict):
            raise ClueMalformedResponseError(f"data[{index}] is not an object", **where)
        record_id = record.get("id")
        if isinstance(record_id, bool) or not isinstance(record_id, (str, int)) or record_id == "":
            raise ClueMalformedResponseError(f"data[{index}] has no usable 'id'", **where)
    return data
