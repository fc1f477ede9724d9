"""ClueFilters.from_mapping: validation of every filter, and its two encodings."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from airflow_provider_clue.api.filters import ClueFilters, Component
from airflow_provider_clue.exceptions import ClueValidationError

SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE = "13912345678"
EMAIL = "zhang.wei@example.cn"


def parse(filters):
    return ClueFilters.from_mapping(filters, zone=SHANGHAI)


def rejected(filters) -> ClueValidationError:
    with pytest.raises(ClueValidationError) as info:
        parse(filters)
    return info.value


# --- accepted forms --------------------------------------------------------------------------


def test_none_and_empty_mapping_give_empty_filters():
    assert parse(None) == ClueFilters()
    assert parse({}) == ClueFilters()


def test_filters_object_is_returned_as_is():
    filters = ClueFilters(operator=(1,))
    assert parse(filters) is filters


def test_none_values_are_ignored():
    assert parse({"phone": None, "operator": None, "created_at": None, "components": None}) == ClueFilters()


@pytest.mark.parametrize(
    ("name", "value"),
    [("phone", PHONE), ("email", EMAIL), ("company", "腾讯科技有限公司"), ("company", "x" * 200)],
)
def test_text_filters_accepted(name, value):
    assert getattr(parse({name: value}), name) == value


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("operator", [1, 2, 3], (1, 2, 3)),
        ("operator", (3,), (3,)),
        ("operator", 2, (2,)),
        ("operator", "2", (2,)),
        ("operator", ["1", 3], (1, 3)),
        ("operator", [1, 1, 2], (1, 2)),
        ("sex", [0, 1, 2], (0, 1, 2)),
        ("sex", 0, (0,)),
        ("sex", "1", (1,)),
        ("sex", ["2"], (2,)),
    ],
)
def test_code_list_filters_accepted(name, value, expected):
    assert getattr(parse({name: value}), name) == expected


@pytest.mark.parametrize("name", ["is_follow", "ai_call"])
@pytest.mark.parametrize(("value", "expected"), [(0, 0), (1, 1), ("0", 0), ("1", 1), (" 1 ", 1)])
def test_flag_filters_accepted(name, value, expected):
    assert getattr(parse({name: value}), name) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("true", True), ("false", False), (" True ", True), ("FALSE", False)],
)
def test_encryption_accepted(value, expected):
    assert parse({"encryption": value}).encryption is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([{"id": "c-1", "value": "腾讯"}], (Component("c-1", "腾讯"),)),
        ([{"id": "c-1", "value": 7}], (Component("c-1", 7),)),
        ([{"id": "c-1", "value": 1.5}], (Component("c-1", 1.5),)),
        (({"id": "a", "value": "x"}, {"id": "b", "value": "y"}), (Component("a", "x"), Component("b", "y"))),
        ([Component("c-2", "v")], (Component("c-2", "v"),)),
    ],
)
def test_components_accepted(value, expected):
    assert parse({"components": value}).components == expected


# --- created_at -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["2023-03-23 14:00:00", "2023-03-23 14:30:00"], ("2023-03-23 14:00:00", "2023-03-23 14:30:00")),
        (("2023-03-23 14:00:00", "2023-03-23 14:00:00"), ("2023-03-23 14:00:00", "2023-03-23 14:00:00")),
        # naive datetimes are wall-clock time in the connection's zone
        (
            [datetime(2023, 3, 23, 14, 0, 0), datetime(2023, 3, 23, 14, 30, 0)],
            ("2023-03-23 14:00:00", "2023-03-23 14:30:00"),
        ),
        # aware datetimes are converted to Asia/Shanghai (UTC+8)
        (
            [
                datetime(2023, 3, 23, 6, 0, 0, tzinfo=timezone.utc),
                datetime(2023, 3, 23, 6, 30, 0, tzinfo=timezone.utc),
            ],
            ("2023-03-23 14:00:00", "2023-03-23 14:30:00"),
        ),
        (
            [
                datetime(2023, 3, 22, 23, 0, 0, tzinfo=timezone(timedelta(hours=-5))),
                datetime(2023, 3, 23, 12, 0, 0, tzinfo=ZoneInfo("Europe/Berlin")),
            ],
            ("2023-03-23 12:00:00", "2023-03-23 19:00:00"),
        ),
        # a string and a datetime may be mixed
        (
            ["2023-03-23 14:00:00", datetime(2023, 3, 23, 7, 0, 0, tzinfo=timezone.utc)],
            ("2023-03-23 14:00:00", "2023-03-23 15:00:00"),
        ),
        # sub-second: start is ceiled, end is floored (both bounds are inclusive)
        (
            [datetime(2023, 3, 23, 14, 0, 0, 1), datetime(2023, 3, 23, 14, 30, 0, 999_999)],
            ("2023-03-23 14:00:01", "2023-03-23 14:30:00"),
        ),
        (
            [
                datetime(2023, 3, 23, 6, 0, 0, 500_000, tzinfo=timezone.utc),
                datetime(2023, 3, 23, 6, 30, 59, 500_000, tzinfo=timezone.utc),
            ],
            ("2023-03-23 14:00:01", "2023-03-23 14:30:59"),
        ),
        # whole seconds are not moved by rounding
        (
            [datetime(2023, 3, 23, 14, 0, 0), datetime(2023, 3, 23, 14, 0, 0)],
            ("2023-03-23 14:00:00", "2023-03-23 14:00:00"),
        ),
    ],
)
def test_created_at_accepted(value, expected):
    assert parse({"created_at": value}).created_at == expected


def test_created_at_ceil_crosses_midnight():
    start = datetime(2023, 3, 23, 23, 59, 59, 1)
    end = datetime(2023, 3, 24, 0, 0, 5)
    assert parse({"created_at": [start, end]}).created_at == ("2023-03-24 00:00:00", "2023-03-24 00:00:05")


def test_created_at_uses_the_given_zone():
    filters = ClueFilters.from_mapping(
        {"created_at": [datetime(2023, 3, 23, 6, tzinfo=timezone.utc)] * 2}, zone=ZoneInfo("UTC")
    )
    assert filters.created_at == ("2023-03-23 06:00:00", "2023-03-23 06:00:00")


# --- rejected values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        # text filters
        ({"phone": ""}, "filters.phone"),
        ({"phone": "   "}, "filters.phone"),
        ({"email": ""}, "filters.email"),
        ({"company": 42}, "filters.company"),
        ({"company": ""}, "filters.company"),
        ({"company": "x" * 201}, "filters.company"),
        ({"phone": "1" * 201}, "filters.phone"),
        # operator: 1..3
        ({"operator": 0}, "filters.operator"),
        ({"operator": 4}, "filters.operator"),
        ({"operator": [1, 4]}, "filters.operator"),
        ({"operator": "-1"}, "filters.operator"),
        ({"operator": []}, "filters.operator"),
        ({"operator": ()}, "filters.operator"),
        ({"operator": True}, "filters.operator"),
        ({"operator": [True]}, "filters.operator"),
        ({"operator": 1.0}, "filters.operator"),
        ({"operator": "one"}, "filters.operator"),
        ({"operator": "1,2"}, "filters.operator"),
        ({"operator": {1}}, "filters.operator"),
        ({"operator": [None]}, "filters.operator"),
        # sex: 0..2
        ({"sex": 3}, "filters.sex"),
        ({"sex": -1}, "filters.sex"),
        ({"sex": [0, 3]}, "filters.sex"),
        ({"sex": False}, "filters.sex"),
        ({"sex": []}, "filters.sex"),
        # flags: 0..1, a single int, never a bool or a list
        ({"is_follow": 2}, "filters.is_follow"),
        ({"is_follow": -1}, "filters.is_follow"),
        ({"is_follow": True}, "filters.is_follow"),
        ({"is_follow": False}, "filters.is_follow"),
        ({"is_follow": [1]}, "filters.is_follow"),
        ({"is_follow": "yes"}, "filters.is_follow"),
        ({"is_follow": 1.0}, "filters.is_follow"),
        ({"ai_call": 2}, "filters.ai_call"),
        ({"ai_call": True}, "filters.ai_call"),
        ({"ai_call": "2"}, "filters.ai_call"),
        # encryption: a bool or "true"/"false"
        ({"encryption": 1}, "filters.encryption"),
        ({"encryption": 0}, "filters.encryption"),
        ({"encryption": "yes"}, "filters.encryption"),
        ({"encryption": "1"}, "filters.encryption"),
        # created_at: shape
        ({"created_at": "2023-03-23 14:00:00"}, "filters.created_at"),
        ({"created_at": b"2023-03-23 14:00:00"}, "filters.created_at"),
        ({"created_at": ["2023-03-23 14:00:00"]}, "filters.created_at"),
        ({"created_at": ["2023-03-23 14:00:00"] * 3}, "filters.created_at"),
        ({"created_at": []}, "filters.created_at"),
        ({"created_at": {"start": "a", "end": "b"}}, "filters.created_at"),
        ({"created_at": 20230323}, "filters.created_at"),
        # created_at: reversed
        ({"created_at": ["2023-03-23 14:30:00", "2023-03-23 14:00:00"]}, "filters.created_at"),
        ({"created_at": [datetime(2023, 3, 24), datetime(2023, 3, 23)]}, "filters.created_at"),
        (
            {
                "created_at": [
                    datetime(2023, 3, 23, 14, 0, 1),  # Shanghai wall clock = 06:00:01 UTC
                    datetime(2023, 3, 23, 6, 0, 0, tzinfo=timezone.utc),
                ]
            },
            "filters.created_at",
        ),
        # created_at: malformed bounds
        ({"created_at": ["2023-03-23T14:00:00", "2023-03-23 14:30:00"]}, "filters.created_at (start)"),
        ({"created_at": ["2023-3-23 14:00:00", "2023-03-23 14:30:00"]}, "filters.created_at (start)"),
        ({"created_at": ["2023-03-23", "2023-03-23 14:30:00"]}, "filters.created_at (start)"),
        ({"created_at": ["2023-02-30 14:00:00", "2023-03-23 14:30:00"]}, "filters.created_at (start)"),
        ({"created_at": ["", "2023-03-23 14:30:00"]}, "filters.created_at (start)"),
        ({"created_at": [1679551200, "2023-03-23 14:30:00"]}, "filters.created_at (start)"),
        ({"created_at": [None, "2023-03-23 14:30:00"]}, "filters.created_at (start)"),
        ({"created_at": ["2023-03-23 14:00:00", "2023-03-23 25:00:00"]}, "filters.created_at (end)"),
        ({"created_at": ["2023-03-23 14:00:00", "2023-03-23 14:30:00+08:00"]}, "filters.created_at (end)"),
        ({"created_at": ["2023-03-23 14:00:00", "2023-03-23 14:30:00.5"]}, "filters.created_at (end)"),
        ({"created_at": ["2023-03-23 14:00:00", 3.5]}, "filters.created_at (end)"),
        # components: shape
        ({"components": []}, "filters.components"),
        ({"components": {"id": "a", "value": "b"}}, "filters.components"),
        ({"components": "c-1"}, "filters.components"),
        ({"components": ["c-1"]}, "filters.components[0]"),
        ({"components": [{"id": "c-1"}]}, "filters.components[0]"),
        ({"components": [{"value": "x"}]}, "filters.components[0]"),
        ({"components": [{"id": "c-1", "value": "x", "extra": 1}]}, "filters.components[0]"),
        ({"components": [{"id": "a", "value": "x"}, ("b", "y")]}, "filters.components[1]"),
        ({"components": [{"id": "", "value": "x"}]}, "filters.components[0].id"),
        ({"components": [{"id": "  ", "value": "x"}]}, "filters.components[0].id"),
        ({"components": [{"id": 5, "value": "x"}]}, "filters.components[0].id"),
        ({"components": [{"id": "c-1", "value": None}]}, "filters.components[0].value"),
        ({"components": [{"id": "c-1", "value": True}]}, "filters.components[0].value"),
        ({"components": [{"id": "c-1", "value": ["x"]}]}, "filters.components[0].value"),
        ({"components": [{"id": "c-1", "value": {"a": 1}}]}, "filters.components[0].value"),
    ],
)
def test_rejected_with_field(filters, field):
    err = rejected(filters)
    assert err.field == field
    assert str(err).startswith(f"{field}: ")


@pytest.mark.parametrize("filters", [["phone"], "phone=1", 42, [("phone", PHONE)]])
def test_filters_that_are_not_a_mapping_are_rejected(filters):
    assert rejected(filters).field == "filters"


def test_unknown_key_is_rejected_and_allowed_names_are_listed():
    err = rejected({"mobile": PHONE, "operator": 1})
    assert err.field == "filters.mobile"
    for name in ("phone", "email", "company", "created_at", "operator", "sex", "is_follow",
                 "ai_call", "components", "encryption"):
        assert name in err.problem
    assert PHONE not in str(err)


def test_unknown_keys_are_reported_in_sorted_order():
    assert rejected({"zeta": 1, "alpha": 2}).field == "filters.alpha"


def test_page_and_per_page_are_not_filters():
    assert rejected({"page": 1}).field == "filters.page"
    assert rejected({"per_page": 15}).field == "filters.per_page"


@pytest.mark.parametrize(("name", "codes"), [("operator", "1 (China Telecom)"), ("sex", "2 (female)")])
def test_code_error_lists_allowed_codes(name, codes):
    assert codes in rejected({name: 9}).problem


def test_reversed_created_at_message_names_both_bounds():
    err = rejected({"created_at": ["2023-03-23 14:30:00", "2023-03-23 14:00:00"]})
    assert "14:30:00" in err.problem and "14:00:00" in err.problem


def test_validation_error_is_a_value_error():
    assert isinstance(rejected({"operator": 9}), ValueError)


# --- personal data never reaches an error message -----------------------------------------------


@pytest.mark.parametrize(
    "filters",
    [
        {"phone": " " * 3},
        {"phone": PHONE * 20},  # too long
        {"email": f"{EMAIL}{'x' * 200}"},
        {"phone": PHONE, "operator": 9},
        {"phone": PHONE, "unknown": 1},
        {"email": EMAIL, "created_at": ["bad", "2023-03-23 14:30:00"]},
    ],
)
def test_phone_and_email_not_in_message(filters):
    err = rejected(filters)
    assert PHONE not in str(err)
    assert EMAIL not in str(err)


@pytest.mark.parametrize(
    "filters",
    [{"phone": int(PHONE)}, {"phone": [PHONE]}, {"email": [EMAIL]}, {"email": EMAIL.encode()}],
)
def test_non_string_phone_or_email_not_in_message(filters):
    err = rejected(filters)
    assert PHONE not in str(err)
    assert EMAIL not in str(err)


@pytest.mark.parametrize(("name", "value"), [("operator", "--1"), ("sex", "²"), ("is_follow", "--0")])
def test_odd_digit_strings_raise_validation_error(name, value):
    assert rejected({name: value}).field == f"filters.{name}"


# --- encodings --------------------------------------------------------------------------------


FULL = {
    "phone": PHONE,
    "email": EMAIL,
    "company": "腾讯",
    "created_at": ["2023-03-23 14:00:00", "2023-03-23 14:30:00"],
    "operator": [1, 3],
    "sex": 1,
    "is_follow": 1,
    "ai_call": "0",
    "components": [{"id": "c-1", "value": "腾讯"}, {"id": "c-2", "value": 5}],
    "encryption": False,
}


def test_to_json_body_full():
    assert parse(FULL).to_json_body() == {
        "phone": PHONE,
        "email": EMAIL,
        "company": "腾讯",
        "created_at": ["2023-03-23 14:00:00", "2023-03-23 14:30:00"],
        "operator": [1, 3],
        "sex": [1],
        "is_follow": 1,
        "ai_call": 0,
        "components": [{"id": "c-1", "value": "腾讯"}, {"id": "c-2", "value": 5}],
        "encryption": False,
    }


def test_to_query_params_full():
    assert parse(FULL).to_query_params() == [
        ("phone", PHONE),
        ("email", EMAIL),
        ("company", "腾讯"),
        ("created_at[]", "2023-03-23 14:00:00"),
        ("created_at[]", "2023-03-23 14:30:00"),
        ("operator[]", "1"),
        ("operator[]", "3"),
        ("sex[]", "1"),
        ("is_follow", "1"),
        ("ai_call", "0"),
        ("components[0][id]", "c-1"),
        ("components[0][value]", "腾讯"),
        ("components[1][id]", "c-2"),
        ("components[1][value]", "5"),
        ("encryption", "0"),
    ]


@pytest.mark.parametrize(("value", "expected"), [(True, "1"), (False, "0"), ("true", "1"), ("false", "0")])
def test_encryption_query_param(value, expected):
    assert parse({"encryption": value}).to_query_params() == [("encryption", expected)]


def test_encryption_json_body_is_a_bool():
    assert parse({"encryption": "true"}).to_json_body() == {"encryption": True}


def test_empty_filters_encode_to_nothing():
    assert parse({}).to_json_body() == {}
    assert parse({}).to_query_params() == []


def test_only_set_fields_are_encoded():
    filters = parse({"sex": [0, 2]})
    assert filters.to_json_body() == {"sex": [0, 2]}
    assert filters.to_query_params() == [("sex[]", "0"), ("sex[]", "2")]


def test_float_component_value_in_query():
    filters = parse({"components": [{"id": "c", "value": 1.5}]})
    assert filters.to_query_params() == [("components[0][id]", "c"), ("components[0][value]", "1.5")]


def test_datetime_created_at_encodes_as_api_strings():
    filters = parse({"created_at": [datetime(2023, 3, 23, 6, 0, 0, 1, tzinfo=timezone.utc),
                                    datetime(2023, 3, 23, 6, 30, 0, 2, tzinfo=timezone.utc)]})
    assert filters.to_json_body() == {"created_at": ["2023-03-23 14:00:01", "2023-03-23 14:30:00"]}
    assert filters.to_query_params() == [
        ("created_at[]", "2023-03-23 14:00:01"),
        ("created_at[]", "2023-03-23 14:30:00"),
    ]


def test_with_created_at_replaces_only_the_window():
    filters = parse({"operator": 2}).with_created_at(("2023-03-23 14:00:00", "2023-03-23 14:30:00"))
    assert filters.operator == (2,)
    assert filters.to_json_body() == {
        "created_at": ["2023-03-23 14:00:00", "2023-03-23 14:30:00"],
        "operator": [2],
    }


def test_created_at_inside_one_second_is_refused():
    with pytest.raises(ClueValidationError, match="holds no whole second") as err:
        ClueFilters.from_mapping(
            {"created_at": [datetime(2026, 10, 1, 10, 0, 0, 500_000), datetime(2026, 10, 1, 10, 0, 0, 700_000)]},
            zone=ZoneInfo("Asia/Shanghai"),
        )
    assert err.value.field == "filters.created_at"
