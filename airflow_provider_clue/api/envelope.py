"""Turn one HTTP response into a checked page, or into the right :class:`ClueAPIError`."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from airflow_provider_clue.api.redaction import redact_personal_data, redacted_repr
from airflow_provider_clue.exceptions import (
    ClueAPIError,
    ClueAuthError,
    ClueBadRequestError,
    ClueBusinessError,
    ClueMalformedResponseError,
    ClueRateLimitError,
    ClueServerError,
)

Record = dict[str, Any]
Answer = TypeVar("Answer")


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


MAX_DIGITS = 18  # a 64-bit integer's digits: a longer "number" is not one the server keeps


def wire_int(value: object) -> int | None:
    """``value`` as the server may send a number: a JSON integer, or a string of ASCII decimal digits
    (older Laravel echoes ``per_page`` and ``current_page`` as the query gave them; PHP may quote a
    ``code``). Anything else (a boolean, a float, a sign, spaces, an exponent, more digits than a
    64-bit integer holds) is ``None``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS:
        return int(value)
    return None


def is_http_like(code: int) -> bool:
    """Whether an envelope's ``code`` reads as an HTTP error status (400 to 599) rather than one of the API's own."""
    return 400 <= code <= 599


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
    return _checked(status, body, context, RateLimitWait(retry_after, budget_spent), _page_of)


def parse_template_response(
    status: int, body: bytes, context: RequestContext, *, retry_after: float | None = None, budget_spent: bool = False
) -> list[Record]:
    """The components of a pool-template answer (``GET .../customer/create``), checked as
    :func:`parse_response` checks a page: each an object with a non-empty string ``id`` and ``name``
    (every other key kept as sent).

    :raises ClueAPIError: whose message repeats none of ``context.secrets``.
    """
    return _checked(status, body, context, RateLimitWait(retry_after, budget_spent), _components)


def _checked(
    status: int,
    body: bytes,
    context: RequestContext,
    wait: RateLimitWait,
    read: Callable[[dict[str, Any], dict[str, Any]], Answer],
) -> Answer:
    """``read`` of a successful answer's document, or the error it stands for, without ``context.secrets``."""
    try:
        return read(*_success_envelope(status, _without_secrets(body, context.secrets), context, wait))
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


def _success_envelope(
    status: int, body: bytes, context: RequestContext, wait: RateLimitWait
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON document of a successful answer and where it came from, or the error it stands for."""
    where: dict[str, Any] = {"path": context.path, "page": context.page, "http_status": status}
    document = _decode(body)
    api_code = _code_of(document)
    api_message = _message_of(document)
    if status != 200:
        _raise_for(status, "", document, where, api_code, api_message, wait)
    if document is _NOT_JSON:
        raise ClueMalformedResponseError("response body is not JSON", retryable=True, **where)
    if not isinstance(document, dict):
        raise ClueMalformedResponseError("response body is not a JSON object", **where)
    if api_code != 200 or document.get("status") != "success":
        _raise_for_envelope(document, api_code, api_message, where, wait)
    return {**document, "code": api_code}, where


def _page_of(document: dict[str, Any], where: dict[str, Any]) -> CluePage:
    meta = _meta(document, where)
    numbers = {"current_page": meta.current_page, "last_page": meta.last_page, "per_page": meta.per_page,
               "total": meta.total}
    envelope = {**document, "meta": {**document["meta"], **numbers}}  # numbers as numbers
    return CluePage(meta=meta, records=_records(document, where), envelope=envelope)


def _raise_for_envelope(
    document: Mapping[str, Any], api_code: object, api_message: str | None, where: dict[str, Any], wait: RateLimitWait
) -> None:
    """Raise the error an HTTP 200 envelope that is not a success stands for.

    A ``code`` of 400 to 599 is read as that HTTP status; any other number but 200, or a ``status``
    of ``"error"``, is the API's own refusal (:class:`ClueBusinessError`); an envelope with neither is
    not the documented shape."""
    if isinstance(api_code, int) and is_http_like(api_code):
        _raise_for(api_code, " (API code inside HTTP 200)", document, where, api_code, api_message, wait)
    if (isinstance(api_code, int) and api_code != 200) or document.get("status") == "error":
        raise ClueBusinessError(
            f"the API refused the request with its own code {api_code if api_code is not None else '(none)'} "
            "inside HTTP 200 (not retried: asking again gives the same answer)",
            api_code=api_code, api_message=api_message, field_errors=_field_errors_of(document), **where,
        )
    raise ClueMalformedResponseError(
        f"envelope has code {_shown(api_code) if api_code is not None else None} and status "
        f"{_shown(document.get('status'))}, expected code 200 and status 'success'",
        api_code=api_code, api_message=api_message, **where,
    )


def _raise_for(
    status: int,
    suffix: str,
    document: Any,
    where: dict[str, Any],
    api_code: object,
    api_message: str | None,
    wait: RateLimitWait,
) -> None:
    error_class, meaning = error_class_for(status)
    context = {**where, "api_code": api_code, "api_message": api_message, "field_errors": _field_errors_of(document)}
    if error_class is ClueRateLimitError:
        raise ClueRateLimitError(
            meaning + suffix, retry_after=wait.retry_after, budget_spent=wait.budget_spent, **context
        )
    raise error_class(meaning + suffix, **context)


_NOT_JSON = object()
MAX_FIELD_ERRORS = 20  # a validation answer's fields kept on the error


def _code_of(document: Any) -> int | str | None:
    """The envelope's ``code``: an int when it is a number as :func:`wire_int` reads them (and does not
    look like a phone number), ``None`` when absent, else a short redacted text of what was sent."""
    code = document.get("code") if isinstance(document, Mapping) else None
    if code is None:
        return None
    shown = redact_personal_data(str(code))[:60]
    number = wire_int(code)
    return number if number is not None and shown == str(code) else shown


def _field_errors_of(document: Any) -> dict[str, tuple[str, ...]]:
    """A Laravel validation answer's ``errors`` map (field to its reasons), redacted; empty when absent.
    A bare list of reasons is kept under the name ``errors``."""
    errors = document.get("errors") if isinstance(document, Mapping) else None
    if isinstance(errors, list) and errors:
        errors = {"errors": errors}
    if not isinstance(errors, Mapping):
        return {}
    field_errors = {}
    for name, reasons in list(errors.items())[:MAX_FIELD_ERRORS]:
        listed = reasons if isinstance(reasons, list) else [reasons]
        field_errors[redact_personal_data(str(name))[:80]] = tuple(
            redact_personal_data(str(reason))[:200] for reason in listed[:5]
        )
    return field_errors


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
        value = wire_int(meta.get(name))
        if value is None or value < minimum:
            raise ClueMalformedResponseError(
                f"meta.{name} is {_shown(meta.get(name))}, expected an integer >= {minimum} "
                "(a JSON number or a string of decimal digits)", **where
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


def _components(document: Mapping[str, Any], where: dict[str, Any]) -> list[Record]:
    data = document.get("data")
    if not isinstance(data, list):
        raise ClueMalformedResponseError("the template's envelope has no 'data' list", **where)
    for index, component in enumerate(data):
        if not isinstance(component, dict):
            raise ClueMalformedResponseError(f"data[{index}] is not an object", **where)
        for key in ("id", "name"):
            if not isinstance(component.get(key), str) or not component[key].strip():
                raise ClueMalformedResponseError(f"data[{index}] has no usable {key!r}", **where)
    return data
