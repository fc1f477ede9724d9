"""ClueConnectionSettings: reading and checking a ``clue`` connection."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest

from airflow_provider_clue.api.connection_settings import (
    DEFAULT_BASE_URL,
    EXTRA_FIELDS,
    ClueConnectionSettings,
)
from airflow_provider_clue.exceptions import ClueConfigurationError, ClueValidationError
from tests.version_gates import CONNECTION_FROM_JSON, Connection

TOKEN = "s3cr3t-token-abcdef-0123456789"
USER_ID = "40863af8-db4a-41c6-a269-eb5bc386d97f"


def settings(host="https://api.example.com", *, token=TOKEN, port=None, user_id=None, **extras):
    return ClueConnectionSettings.from_values(host=host, token=token, port=port, user_id=user_id, extras=extras)


def config_error(**kwargs) -> ClueConfigurationError:
    with pytest.raises(ClueConfigurationError) as info:
        settings(**kwargs)
    return info.value


def make_connection(extra=None, **kwargs):
    fields = {"conn_id": "clue_test", "conn_type": "clue", "host": "api.example.com", "password": TOKEN}
    fields.update(kwargs)
    if extra is not None:
        fields["extra"] = json.dumps(extra)
    return Connection(**fields)


# --- defaults ---------------------------------------------------------------------------------


def test_defaults():
    result = settings()
    assert result.base_url == "https://api.example.com"
    assert result.token == TOKEN
    assert result.user_id is None
    assert result.timezone == "Asia/Shanghai"
    assert result.zone == ZoneInfo("Asia/Shanghai")
    assert result.timeout == 30.0
    assert result.max_retries == 5
    assert result.max_retry_wait == 120.0
    assert result.per_page == 100
    assert result.max_concurrency == 4
    assert result.rate_limit == 0.0
    assert result.verify_ssl is True
    assert result.ca_bundle == ""
    assert result.filters_in == "body"
    assert result.allow_http is False
    assert result.tls_verify is True


def test_dataclass_defaults_match_extra_fields():
    result = settings()
    for spec in EXTRA_FIELDS:
        assert getattr(result, spec.name) == spec.default, spec.name


@pytest.mark.parametrize("empty", [None, {}])
def test_no_extras(empty):
    result = ClueConnectionSettings.from_values(host=None, token=TOKEN, extras=empty)
    assert result.per_page == 100


@pytest.mark.parametrize("name", [spec.name for spec in EXTRA_FIELDS])
@pytest.mark.parametrize("blank", [None, ""])
def test_blank_extra_means_default(name, blank):
    spec = next(s for s in EXTRA_FIELDS if s.name == name)
    assert getattr(settings(**{name: blank}), name) == spec.default


def test_user_id_kept_and_empty_user_id_is_none():
    assert settings(user_id=USER_ID).user_id == USER_ID
    assert settings(user_id="").user_id is None


# --- base URL ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        (None, None, DEFAULT_BASE_URL),
        ("", None, DEFAULT_BASE_URL),
        ("   ", None, DEFAULT_BASE_URL),
        ("/", None, DEFAULT_BASE_URL),
        (None, 8443, f"{DEFAULT_BASE_URL}:8443"),
        ("api.example.com", None, "https://api.example.com"),
        ("api.example.com/", None, "https://api.example.com"),
        (" api.example.com ", None, "https://api.example.com"),
        ("api.example.com", 8443, "https://api.example.com:8443"),
        ("https://api.example.com", None, "https://api.example.com"),
        ("https://api.example.com/", None, "https://api.example.com"),
        ("https://api.example.com/prefix/", None, "https://api.example.com/prefix"),
        ("https://api.example.com", 8443, "https://api.example.com:8443"),
        ("https://api.example.com/prefix", 8443, "https://api.example.com:8443/prefix"),
        # a port in the host wins over the connection's port
        ("https://api.example.com:9443", 8443, "https://api.example.com:9443"),
        ("10.0.0.5", None, "https://10.0.0.5"),
    ],
)
def test_base_url_normalised(host, port, expected):
    assert settings(host, port=port).base_url == expected


def test_default_base_url_is_https():
    assert DEFAULT_BASE_URL.startswith("https://")


@pytest.mark.parametrize(
    "host",
    [
        "http://api.example.com",
        "http://10.0.0.5:8080",
        "http://127.0.0.1.example.com",
        "http://localhost.example.com",
        "http://[2001:db8::1]:8080",
    ],
)
def test_plain_http_to_remote_host_refused(host):
    err = config_error(host=host)
    assert err.field == "host"
    assert "allow_http" in err.problem


@pytest.mark.parametrize("allow", [True, "true", "True"])
def test_plain_http_allowed_with_allow_http(allow):
    result = settings("http://api.example.com", allow_http=allow)
    assert result.base_url == "http://api.example.com"
    assert result.allow_http is True


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("http://127.0.0.1", None, "http://127.0.0.1"),
        ("http://127.0.0.1:8080", None, "http://127.0.0.1:8080"),
        ("http://127.0.0.1", 8080, "http://127.0.0.1:8080"),
        ("http://127.1.2.3:8080", None, "http://127.1.2.3:8080"),
        ("http://localhost:8080/", None, "http://localhost:8080"),
        ("http://LOCALHOST:8080", None, "http://LOCALHOST:8080"),
        ("http://[::1]:8080", None, "http://[::1]:8080"),
        ("http://[::1]", 8080, "http://[::1]:8080"),
    ],
)
def test_plain_http_to_loopback_allowed(host, port, expected):
    assert settings(host, port=port).base_url == expected


@pytest.mark.parametrize(
    "host",
    [
        "ftp://api.example.com",
        "file:///etc/passwd",
        "https://api.example.com?x=1",
        "https://api.example.com/#frag",
        "https://user:pw@api.example.com",
        "https://user@api.example.com",
    ],
)
def test_bad_base_url_refused(host):
    assert config_error(host=host).field == "host"


@pytest.mark.parametrize("host", ["https://", "http://"])
def test_scheme_only_host_refused(host):
    assert config_error(host=host).field == "host"


def test_credentials_in_host_not_echoed():
    err = config_error(host="https://user:hunter2@api.example.com")
    assert "hunter2" not in str(err)


@pytest.mark.parametrize(
    ("host", "port"),
    [("https://api.example.com:abc", None), ("https://api.example.com:99999", None),
     ("https://api.example.com:abc", 8443)],
)
def test_invalid_port_in_host_refused(host, port):
    assert config_error(host=host, port=port).field == "host"


# --- token ------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, ""])
def test_empty_token_refused(token):
    err = config_error(token=token)
    assert err.field == "password"


@pytest.mark.parametrize(
    "token", ["secret线索token", "caf\u00e9-token", "tab\there", "new\nline", "nbsp\u00a0token", "del\x7ftoken"]
)
def test_token_outside_printable_ascii_refused(token):
    err = config_error(token=token)
    assert err.field == "password" and "printable ASCII" in str(err)
    assert token not in str(err) and token not in repr(err)


def test_token_not_in_repr_or_str():
    result = settings()
    assert TOKEN not in repr(result)
    assert TOKEN not in str(result)
    assert "base_url='https://api.example.com'" in repr(result)


def test_errors_are_validation_errors():
    assert isinstance(config_error(token=""), ClueValidationError)
    assert isinstance(config_error(token=""), ValueError)


# --- extras -----------------------------------------------------------------------------------


def test_unknown_extra_refused_and_allowed_names_listed():
    err = config_error(headers='{"X": "1"}')
    assert err.field == "extra.headers"
    for spec in EXTRA_FIELDS:
        assert spec.name in err.problem


def test_first_unknown_extra_in_sorted_order_is_named():
    assert config_error(zzz=1, aaa=2).field == "extra.aaa"


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("timeout", "30", 30.0),
        ("timeout", "2.5", 2.5),
        ("timeout", 0.1, 0.1),
        ("timeout", 600, 600.0),
        ("max_retries", "0", 0),
        ("max_retries", "20", 20),
        ("max_retries", 3, 3),
        ("max_retries", 3.0, 3),
        ("max_retries", " 7 ", 7),
        ("max_retry_wait", "0", 0.0),
        ("max_retry_wait", 3600, 3600.0),
        ("per_page", "15", 15),
        ("per_page", 1, 1),
        ("per_page", 1000, 1000),
        ("max_concurrency", "32", 32),
        ("max_concurrency", 1, 1),
        ("rate_limit", "0.5", 0.5),
        ("rate_limit", 1000, 1000.0),
        ("verify_ssl", "false", False),
        ("verify_ssl", "FALSE", False),
        ("verify_ssl", " true ", True),
        ("verify_ssl", False, False),
        ("allow_http", "true", True),
        ("allow_http", False, False),
        ("filters_in", "query", "query"),
        ("filters_in", "body", "body"),
        ("timezone", "UTC", "UTC"),
        ("timezone", "America/New_York", "America/New_York"),
        ("ca_bundle", "/etc/ssl/ca.pem", "/etc/ssl/ca.pem"),
    ],
)
def test_extra_coerced(name, raw, expected):
    value = getattr(settings(**{name: raw}), name)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        # out of range
        ("timeout", 0),
        ("timeout", "0.05"),
        ("timeout", 601),
        ("timeout", -1),
        ("timeout", "inf"),
        ("max_retries", -1),
        ("max_retries", 21),
        ("max_retry_wait", -0.5),
        ("max_retry_wait", 3601),
        ("per_page", 0),
        ("per_page", "1001"),
        ("max_concurrency", 0),
        ("max_concurrency", 33),
        ("rate_limit", -1),
        ("rate_limit", 1001),
        # wrong type
        ("timeout", "thirty"),
        ("timeout", True),
        ("timeout", [30]),
        ("timeout", {"s": 30}),
        ("max_retries", "3.5"),
        ("max_retries", "5.0"),
        ("max_retries", 3.5),
        ("max_retries", True),
        ("max_retries", "many"),
        ("per_page", False),
        ("per_page", "1e2"),
        ("verify_ssl", 1),
        ("verify_ssl", 0),
        ("verify_ssl", "yes"),
        ("verify_ssl", "1"),
        ("allow_http", "on"),
        ("allow_http", 1),
        ("filters_in", "json"),
        ("filters_in", "BODY"),
        ("filters_in", 1),
        ("timezone", 8),
        ("ca_bundle", True),
    ],
)
def test_bad_extra_refused_naming_field(name, raw):
    err = config_error(**{name: raw})
    assert err.field == f"extra.{name}"
    assert str(err).startswith(f"extra.{name}: ")


@pytest.mark.parametrize("name", ["timeout", "max_retry_wait", "rate_limit"])
def test_nan_extra_refused(name):
    assert config_error(**{name: "nan"}).field == f"extra.{name}"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Asia/Shang hai", "../../etc/passwd", "/etc/localtime"])
def test_bad_timezone_refused(zone):
    err = config_error(timezone=zone)
    assert err.field == "extra.timezone"


def test_zone_property():
    assert settings(timezone="Europe/Berlin").zone == ZoneInfo("Europe/Berlin")


# --- TLS --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extras", "expected"),
    [
        ({}, True),
        ({"verify_ssl": False}, False),
        ({"ca_bundle": "/etc/ssl/ca.pem"}, "/etc/ssl/ca.pem"),
        ({"verify_ssl": True, "ca_bundle": "/etc/ssl/ca.pem"}, "/etc/ssl/ca.pem"),
        ({"verify_ssl": "true", "ca_bundle": "/etc/ssl/ca.pem"}, "/etc/ssl/ca.pem"),
        # verification off wins over a bundle
        ({"verify_ssl": False, "ca_bundle": "/etc/ssl/ca.pem"}, False),
        ({"verify_ssl": "false", "ca_bundle": "/etc/ssl/ca.pem"}, False),
    ],
)
def test_tls_verify(extras, expected):
    assert settings(**extras).tls_verify == expected


# --- from_connection --------------------------------------------------------------------------


def test_from_connection_reads_all_parts():
    conn = make_connection(
        host="https://api.example.com/",
        login=USER_ID,
        port=8443,
        extra={"timeout": "15", "per_page": "50", "verify_ssl": "false", "filters_in": "query"},
    )
    result = ClueConnectionSettings.from_connection(conn)
    assert result.base_url == "https://api.example.com:8443"
    assert result.token == TOKEN
    assert result.user_id == USER_ID
    assert result.timeout == 15.0
    assert result.per_page == 50
    assert result.verify_ssl is False
    assert result.filters_in == "query"


def test_from_connection_defaults():
    conn = Connection(conn_id="clue_default", conn_type="clue", password=TOKEN)
    result = ClueConnectionSettings.from_connection(conn)
    assert result == ClueConnectionSettings(base_url=DEFAULT_BASE_URL, token=TOKEN)


def test_from_connection_string_extras_from_ui():
    conn = make_connection(extra={"timeout": "30", "allow_http": "true", "max_retries": "3"},
                           host="http://api.example.com")
    result = ClueConnectionSettings.from_connection(conn)
    assert result.timeout == 30.0
    assert result.allow_http is True
    assert result.max_retries == 3
    assert result.base_url == "http://api.example.com"


def test_from_connection_unknown_extra():
    conn = make_connection(extra={"timeout": 10, "proxy": "http://proxy:3128"})
    with pytest.raises(ClueConfigurationError) as info:
        ClueConnectionSettings.from_connection(conn)
    assert info.value.field == "extra.proxy"


def test_from_connection_without_password():
    conn = make_connection(password=None)
    with pytest.raises(ClueConfigurationError) as info:
        ClueConnectionSettings.from_connection(conn)
    assert info.value.field == "password"


def test_from_connection_bad_extra_value():
    conn = make_connection(extra={"per_page": 5000})
    with pytest.raises(ClueConfigurationError) as info:
        ClueConnectionSettings.from_connection(conn)
    assert info.value.field == "extra.per_page"


def test_from_connection_token_not_in_repr():
    result = ClueConnectionSettings.from_connection(make_connection(extra={}))
    assert TOKEN not in repr(result)


@CONNECTION_FROM_JSON
def test_from_connection_json():
    conn = Connection.from_json(
        json.dumps(
            {
                "conn_type": "clue",
                "host": "localhost",
                "port": 8080,
                "login": USER_ID,
                "password": TOKEN,
                "extra": {"timezone": "UTC", "rate_limit": "2", "max_concurrency": "8"},
            }
        ),
        conn_id="clue_json",
    )
    result = ClueConnectionSettings.from_connection(conn)
    assert result.base_url == "https://localhost:8080"
    assert result.user_id == USER_ID
    assert result.timezone == "UTC"
    assert result.rate_limit == 2.0
    assert result.max_concurrency == 8


@CONNECTION_FROM_JSON
def test_from_connection_json_http_loopback():
    conn = Connection.from_json(
        json.dumps({"conn_type": "clue", "host": "http://127.0.0.1:5000", "password": TOKEN}),
        conn_id="clue_local",
    )
    assert ClueConnectionSettings.from_connection(conn).base_url == "http://127.0.0.1:5000"


class _PlainConnection:
    """Something with a Connection's attributes but no extra_dejson."""

    def __init__(self, extra):
        self.host = "api.example.com"
        self.port = None
        self.password = TOKEN
        self.login = None
        self.extra = extra


def test_from_connection_like_object_with_json_extra():
    result = ClueConnectionSettings.from_connection(_PlainConnection('{"per_page": "20"}'))
    assert result.per_page == 20


@pytest.mark.parametrize("extra", [None, ""])
def test_from_connection_like_object_without_extra(extra):
    assert ClueConnectionSettings.from_connection(_PlainConnection(extra)).per_page == 100


@pytest.mark.parametrize("extra", ["{not json", "[1, 2]", '"text"'])
def test_from_connection_like_object_bad_extra(extra):
    with pytest.raises(ClueConfigurationError) as info:
        ClueConnectionSettings.from_connection(_PlainConnection(extra))
    assert info.value.field == "extra"


# --- the UI's old extra__clue__ prefix ---------------------------------------------------------


def test_prefixed_extras_accepted():
    result = settings(extra__clue__timeout="15", extra__clue__verify_ssl="false", per_page="20")
    assert result.timeout == 15.0
    assert result.verify_ssl is False
    assert result.per_page == 20


def test_prefixed_extras_from_connection():
    conn = make_connection(extra={"extra__clue__filters_in": "query", "extra__clue__timezone": "UTC"})
    result = ClueConnectionSettings.from_connection(conn)
    assert result.filters_in == "query"
    assert result.timezone == "UTC"


def test_prefixed_extra_is_still_checked():
    assert config_error(extra__clue__per_page="0").field == "extra.per_page"


def test_unknown_prefixed_extra_refused():
    assert config_error(extra__clue__headers="x").field == "extra.headers"


def test_other_provider_prefix_refused():
    assert config_error(extra__http__timeout="5").field == "extra.extra__http__timeout"
