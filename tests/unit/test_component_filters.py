"""Component filters by name: the template turns keys into ids and checks values (pure functions)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from airflow_provider_clue.api.component_filters import PoolComponent, needs_template, resolve_components
from airflow_provider_clue.api.filters import ClueFilters
from airflow_provider_clue.exceptions import ClueValidationError

ZONE = ZoneInfo("Asia/Shanghai")
TEMPLATE = [
    {"id": "id-name", "name": "姓名", "type": "text", "sort": 0, "validate": ["required"]},
    {"id": "id-number", "name": "数字", "type": "number", "sort": 1, "validate": ["integer"]},
    {"id": "id-date", "name": "日期", "type": "date", "sort": 2, "validate": ["date", "sometimes"]},
    {"id": "id-select", "name": "下拉", "type": "select", "sort": 3, "validate": []},
]


def resolved(components):
    return resolve_components(ClueFilters.from_mapping({"components": components}, zone=ZONE), TEMPLATE, ZONE)


def test_names_and_ids_resolve_to_ids_and_the_body_sends_ids():
    filters = resolved({"姓名": "金山", "id-number": 7, "日期": date(2026, 10, 20)})
    assert not needs_template(filters)
    assert filters.to_json_body()["components"] == [
        {"id": "id-name", "value": "金山"}, {"id": "id-number", "value": 7}, {"id": "id-date", "value": "2026-10-20"},
    ]
    assert [c.name for c in filters.components] == ["姓名", "数字", "日期"]


def test_unresolved_names_serialise_as_the_mapping_and_cannot_be_sent():
    filters = ClueFilters.from_mapping({"components": {"姓名": "金山", "日期": date(2026, 10, 20)}}, zone=ZONE)
    assert needs_template(filters)
    assert filters.to_json_body() == {"components": {"姓名": "金山", "日期": "2026-10-20"}}
    assert ClueFilters.from_mapping(filters.to_json_body(), zone=ZONE) == ClueFilters.from_mapping(
        {"components": {"姓名": "金山", "日期": "2026-10-20"}}, zone=ZONE)
    with pytest.raises(ClueValidationError, match="must be resolved"):
        filters.check_sendable()


@pytest.mark.parametrize(
    ("value", "sent"),
    [("2026-10-20", "2026-10-20"), (" 2026-10-20 ", "2026-10-20"), (date(2026, 2, 28), "2026-02-28"),
     (datetime(2026, 10, 19, 16, 30, tzinfo=timezone.utc), "2026-10-20"), (datetime(2026, 10, 19, 23), "2026-10-19")],
)
def test_date_values(value, sent):
    assert resolved({"日期": value}).to_json_body()["components"] == [{"id": "id-date", "value": sent}]


@pytest.mark.parametrize(
    ("value", "sent"), [(5000, 5000), ("5000", "5000"), (" 42 ", "42"), (0, 0), (-5, -5), ("-5", "-5"), (5000.0, 5000)]
)
def test_number_values(value, sent):
    assert resolved({"数字": value}).to_json_body()["components"] == [{"id": "id-number", "value": sent}]


@pytest.mark.parametrize(
    ("components", "message"),
    [
        ({"数字": "abc"}, "数字 is a number component"),
        ({"数字": "+5"}, "数字 is a number component"),
        ({"数字": 1.5}, "数字 is a number component"),
        ({"数字": "１２"}, "数字 is a number component"),  # full-width digits
        ({"日期": "2026-02-30"}, "日期 is a date component"),
        ({"日期": "2026/10/20"}, "日期 is a date component"),
        ({"日期": 20261020}, "日期 is a date component"),
        ({"姓名": ""}, "filters.components"),
        ({"姓名": 5}, "姓名 is a text component"),
        ({"不存在": 1}, "'不存在' is not the name or the id"),
        ([{"id": "姓名", "value": "x"}], "'姓名' is not the id of a component"),  # the list form takes ids only
    ],
)
def test_bad_keys_and_values(components, message):
    with pytest.raises(ClueValidationError) as refused:
        resolved(components)
    assert refused.value.field.startswith("filters.components") and message in str(refused.value)


@pytest.mark.parametrize("components", [{"姓名": "a", "id-name": "b"}, [{"id": "id-name", "value": "a"}] * 2])
def test_one_component_twice_is_refused(components):
    with pytest.raises(ClueValidationError, match="are the same component"):
        resolved(components)


def test_the_identity_of_filters_by_name_is_the_same_in_any_order_and_any_number_form():
    from airflow_provider_clue.api.component_filters import components_identity

    one = components_identity(resolved({"姓名": "金山", "数字": 5000}))
    assert one == components_identity(resolved({"数字": "5000", "姓名": "金山"})) == [["id-name", "金山"],
                                                                                      ["id-number", "5000"]]


def test_an_unknown_key_lists_the_templates_components():
    with pytest.raises(ClueValidationError) as refused:
        resolved({"行业": "教育"})
    assert "姓名 (text), 数字 (number), 日期 (date), 下拉 (select)" in str(refused.value)
    with pytest.raises(ClueValidationError, match="it has no components"):
        resolve_components(ClueFilters.from_mapping({"components": {"x": 1}}, zone=ZONE), [], ZONE)


def test_a_type_it_does_not_know_sends_the_value_as_given():
    assert resolved({"下拉": "A"}).to_json_body()["components"] == [{"id": "id-select", "value": "A"}]


def test_a_phone_number_value_stays_out_of_the_message():
    with pytest.raises(ClueValidationError) as refused:
        resolved({"数字": "138-0013-8000x"})
    assert "13800138000" not in str(refused.value).replace("-", "")


@pytest.mark.parametrize(
    ("components", "field"),
    [({}, "filters.components"), ({"id": "a", "value": "b"}, "filters.components"), ({"": 1}, "filters.components"),
     ({"a": None}, "filters.components['a']"), ({"a": True}, "filters.components['a']"),
     ({"a": [1]}, "filters.components['a']")],
)
def test_the_mapping_form_is_checked_where_the_dag_is_parsed(components, field):
    with pytest.raises(ClueValidationError) as refused:
        ClueFilters.from_mapping({"components": components}, zone=ZONE)
    assert refused.value.field == field


def test_required_is_read_from_validate():
    assert [PoolComponent.of(listed).required for listed in TEMPLATE] == [True, False, False, False]
