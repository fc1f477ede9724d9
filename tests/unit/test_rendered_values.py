"""Rendered template text of lists is read back as lists; anything else is left alone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from airflow_provider_clue.api.filters import ClueFilters
from airflow_provider_clue.api.rendered_values import as_rendered_list


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("[1, 3]", [1, 3]),
        ("(1, 3)", [1, 3]),
        (" ['2026-10-01', '2026-10-02'] ", ["2026-10-01", "2026-10-02"]),
        ("[{'id': 'x', 'value': 'y'}]", [{"id": "x", "value": "y"}]),
        ("[1, __import__('os')]", "[1, __import__('os')]"),
        ("1", "1"),
        ("[not a list", "[not a list"),
        ([1], [1]),
        (None, None),
    ],
)
def test_as_rendered_list(value, expected):
    assert as_rendered_list(value) == expected


def test_filters_accept_rendered_lists():
    filters = ClueFilters.from_mapping(
        {"operator": "[1, 3]", "sex": "[2]", "created_at": "['2026-10-01 00:00:00', '2026-10-01 23:59:59']"},
        zone=ZoneInfo("Asia/Shanghai"),
    )
    assert filters.operator == (1, 3) and filters.sex == (2,)
    assert filters.created_at == ("2026-10-01 00:00:00", "2026-10-01 23:59:59")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{'行业': '教育'}", {"行业": "教育"}),
        (" {'预算': 5000} ", {"预算": 5000}),
        ("{'a': __import__('os')}", "{'a': __import__('os')}"),
        ("{1, 2}", "{1, 2}"),
        ("{not a dict", "{not a dict"),
        ({"a": 1}, {"a": 1}),
    ],
)
def test_as_rendered_mapping(value, expected):
    from airflow_provider_clue.api.rendered_values import as_rendered_mapping

    assert as_rendered_mapping(value) == expected


def test_a_rendered_mapping_of_components_is_the_mapping_form():
    filters = ClueFilters.from_mapping({"components": "{'行业': '教育'}"}, zone=ZoneInfo("Asia/Shanghai"))
    assert [(c.key, c.value, c.by_name) for c in filters.components] == [("行业", "教育", True)]
