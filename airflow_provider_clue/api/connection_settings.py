"""What a ``clue`` connection holds, read and checked once: base URL, token, user and extras.

:data:`EXTRA_FIELDS` is the one list of connection extras; the UI form in ``get_provider_info()``
is built from it, and :meth:`ClueConnectionSettings.from_connection` parses against it.
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote, urlsplit

from airflow_provider_clue.api.api_time import DEFAULT_TIMEZONE, load_zone
from airflow_provider_clue.exceptions import ClueConfigurationError

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

DEFAULT_BASE_URL = "https://ai.api.longlonglong.cn"
MAX_PER_PAGE = 1000
MAX_CONCURRENCY = 32


@dataclass(frozen=True)
class ExtraField:
    """One connection extra: its JSON-schema type, default, allowed values and description."""

    name: str
    label: str
    type: Literal["string", "integer", "number", "boolean"]
    default: Any
    description: str
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    sensitive: bool = False


EXTRA_FIELDS: tuple[ExtraField, ...] = (
    ExtraField("timezone", "Time zone", "string", DEFAULT_TIMEZONE,
               "IANA zone of the API's created_at strings."),
    ExtraField("timeout", "Timeout (s)", "number", 30.0,
               "Read timeout of one request in seconds; connecting waits at most 10 s of it.",
               minimum=0.1, maximum=600),
    ExtraField("max_retries", "Max retries", "integer", 5,
               "Retries of one request after a 429, 5xx, dropped connection or non-JSON body.",
               minimum=0, maximum=20),
    ExtraField("max_retry_wait", "Max retry wait (s)", "number", 120.0,
               "Total seconds one request may spend waiting between retries.",
               minimum=0, maximum=3600),
    ExtraField("per_page", "Page size", "integer", 100,
               "Records asked for per page; the server may clamp it, and meta is what counts.",
               minimum=1, maximum=MAX_PER_PAGE),
    ExtraField("max_concurrency", "Max concurrency", "integer", 4,
               "Requests in flight at once for one hook (all its pulls together).",
               minimum=1, maximum=MAX_CONCURRENCY),
    ExtraField("rate_limit", "Rate limit (req/s)", "number", 0.0,
               "Requests per second for one hook (all its pulls together); 0 means no client-side limit.",
               minimum=0, maximum=1000),
    ExtraField("verify_ssl", "Verify TLS", "boolean", True,
               "Verify the server's TLS certificate (keep on outside tests)."),
    ExtraField("ca_bundle", "CA bundle path", "string", "",
               "Path of a CA bundle to verify the server with; empty means the system's."),
    ExtraField("filters_in", "Send filters in", "string", "body",
               "'body': a JSON body on the GET (the vendor's way); 'query': Laravel query arrays.",
               enum=("body", "query")),
    ExtraField("allow_http", "Allow plain HTTP", "boolean", False,
               "Allow http:// to a host other than loopback (the token then travels unencrypted)."),
    ExtraField("phone_hash_secret", "Phone hash secret", "string", "",
               "Key of phone_output='hash' (HMAC-SHA256); keep it stable to join hashed phones across runs.",
               sensitive=True),
)
# How the form shows the standard fields, in the keys of a hook's get_ui_field_behaviour
FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden_fields": ["schema", "port"],
    "relabeling": {"host": "Base URL", "password": "API token", "login": "User ID"},
    "placeholders": {
        "host": DEFAULT_BASE_URL,
        "login": "40863af8-db4a-41c6-a269-eb5bc386d97f",
        "password": "the API token (sent as a Bearer token)",
    },
}
_EXTRAS_BY_NAME = {extra.name: extra for extra in EXTRA_FIELDS}
_UI_PREFIX = "extra__clue__"


@dataclass(frozen=True)
class ClueConnectionSettings:
    """Everything a client needs from a ``clue`` connection, validated.

    The token is kept out of ``repr`` so the settings can be logged safely.
    """

    base_url: str
    token: str = field(repr=False)
    user_id: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    timeout: float = 30.0
    max_retries: int = 5
    max_retry_wait: float = 120.0
    per_page: int = 100
    max_concurrency: int = 4
    rate_limit: float = 0.0
    verify_ssl: bool = True
    ca_bundle: str = ""
    filters_in: Literal["body", "query"] = "body"
    allow_http: bool = False
    phone_hash_secret: str = field(default="", repr=False)

    @property
    def zone(self) -> ZoneInfo:
        return load_zone(self.timezone)

    @property
    def tls_verify(self) -> bool | str:
        """The value for ``requests``' ``verify``: a CA bundle path, or whether to verify."""
        return self.ca_bundle if self.verify_ssl and self.ca_bundle else self.verify_ssl

    @classmethod
    def from_connection(cls, conn: Any) -> ClueConnectionSettings:
        """Read an Airflow ``Connection`` (or anything with its attributes)."""
        extras = _extras_of(conn)
        return cls.from_values(
            host=getattr(conn, "host", None),
            port=getattr(conn, "port", None),
            token=getattr(conn, "password", None),
            user_id=getattr(conn, "login", None),
            extras=extras,
        )

    @classmethod
    def from_values(
        cls,
        *,
        host: str | None,
        token: str | None,
        user_id: str | None = None,
        port: int | None = None,
        extras: Mapping[str, Any] | None = None,
    ) -> ClueConnectionSettings:
        """Build settings from the connection's parts; raise :class:`ClueConfigurationError`."""
        values = _parse_extras(extras or {})
        token = (token or "").strip()
        if not token:
            raise ClueConfigurationError("password", "the API token is empty; set it as the connection's password")
        if not all("!" <= character <= "~" for character in token):  # an HTTP header value: ASCII, no spaces
            raise ClueConfigurationError(
                "password", "the API token must be printable ASCII without spaces (it is sent in an HTTP header)"
            )
        _check_zone(values["timezone"])
        base_url = normalise_base_url(host, port, allow_http=values["allow_http"])
        return cls(base_url=base_url, token=token, user_id=(user_id or "").strip() or None, **values)


def _check_zone(name: str) -> None:
    try:
        load_zone(name)
    except ValueError as err:
        raise ClueConfigurationError("extra.timezone", str(err)) from None


def normalise_base_url(host: str | None, port: int | None, *, allow_http: bool) -> str:
    """The base URL from the connection's host (and port); ``https://`` when no scheme is given.

    Plain ``http://`` is refused unless the host is loopback or ``allow_http`` is set.
    """
    text = (host or "").strip()
    if not text.strip("/"):
        text = DEFAULT_BASE_URL
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ClueConfigurationError("host", f"expected an http(s) base URL, got {text!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ClueConfigurationError("host", "the base URL must not carry credentials, a query or a fragment")
    if any(segment in ("..", ".") for segment in unquote(parts.path).split("/")):
        raise ClueConfigurationError("host", "the base URL's path must not hold '.' or '..' segments")
    try:
        url_port = parts.port
    except ValueError:
        raise ClueConfigurationError("host", f"the port in {text!r} is not a number from 0 to 65535") from None
    netloc = parts.netloc
    if port and url_port is None:
        netloc = f"{netloc}:{port}"
    if parts.scheme == "http" and not allow_http and not _is_loopback(parts.hostname):
        raise ClueConfigurationError(
            "host",
            f"plain http:// to {parts.hostname!r} would send the token unencrypted; use https:// "
            "or set the extra allow_http to true",
        )
    return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def _is_loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def _extras_of(conn: Any) -> Mapping[str, Any]:
    """The connection's extras, parsed here: Airflow's ``extra_dejson`` turns bad JSON into ``{}``."""
    raw = getattr(conn, "extra", None)
    if isinstance(raw, Mapping):
        return raw
    try:
        extra = json.loads(raw) if raw else {}
    except ValueError:
        raise ClueConfigurationError("extra", "the connection's extra is not valid JSON") from None
    if not isinstance(extra, Mapping):
        raise ClueConfigurationError("extra", "the connection's extra must be a JSON object")
    return extra


def _parse_extras(extras: Mapping[str, Any]) -> dict[str, Any]:
    """Check and coerce the extras; keys may carry the UI's old ``extra__clue__`` prefix."""
    extras_by_name: dict[str, Any] = {}
    for key, value in extras.items():
        name = str(key).removeprefix(_UI_PREFIX)
        if name in extras_by_name:
            raise ClueConfigurationError(f"extra.{name}", f"given twice (as {name!r} and {_UI_PREFIX + name!r})")
        extras_by_name[name] = value
    extras = extras_by_name
    unknown = sorted(str(key) for key in extras if key not in _EXTRAS_BY_NAME)
    if unknown:
        raise ClueConfigurationError(
            f"extra.{unknown[0]}", f"unknown connection extra; allowed: {', '.join(_EXTRAS_BY_NAME)}"
        )
    values = {}
    for spec in EXTRA_FIELDS:
        raw = extras.get(spec.name)
        values[spec.name] = spec.default if raw is None or raw == "" else _coerce(spec, raw)
    return values


def _coerce(spec: ExtraField, raw: Any) -> Any:
    """Coerce one extra to its type; UI forms and env URIs deliver strings."""
    field_name = f"extra.{spec.name}"
    if spec.type == "boolean":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
            return raw.strip().lower() == "true"
        raise ClueConfigurationError(field_name, f"expected true or false, got {raw!r}")
    if spec.type == "string":
        if not isinstance(raw, str):
            shown = f"a {type(raw).__name__}" if spec.sensitive else repr(raw)
            raise ClueConfigurationError(field_name, f"expected a string, got {shown}")
        if spec.enum and raw not in spec.enum:
            raise ClueConfigurationError(field_name, f"got {raw!r}; allowed: {', '.join(spec.enum)}")
        return raw
    number: float | int
    try:
        if isinstance(raw, bool):
            raise ValueError
        number = int(raw) if spec.type == "integer" else float(raw)
        if spec.type == "integer" and float(raw) != number:
            raise ValueError
    except (TypeError, ValueError):
        expected = "an integer" if spec.type == "integer" else "a number"
        raise ClueConfigurationError(field_name, f"expected {expected}, got {raw!r}") from None
    if not math.isfinite(number):
        raise ClueConfigurationError(field_name, f"expected a finite number, got {raw!r}")
    if (spec.minimum is not None and number < spec.minimum) or (spec.maximum is not None and number > spec.maximum):
        raise ClueConfigurationError(field_name, f"got {number}; allowed: {spec.minimum} to {spec.maximum}")
    return number
