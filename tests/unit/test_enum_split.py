"""enum_split: the parts of a crowded second by the API's enum filters, and the sum that proves them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from airflow_provider_clue.api.enum_split import enum_split, fixed_codes
from airflow_provider_clue.api.filters import ClueFilters

SECOND = ["2026-10-05 12:00:00", "2026-10-05 12:00:00"]


def filters(**values: object) -> ClueFilters:
    return ClueFilters.from_mapping({"created_at": SECOND, **values}, zone=ZoneInfo("Asia/Shanghai"))


def test_operator_first_over_every_code():
    split = enum_split(filters())
    assert split is not None and split.dimension == "operator" and split.codes == (1, 2, 3)
    assert [part.operator for part in split.parts] == [(1,), (2,), (3,)]
    assert all(part.created_at == tuple(SECOND) and part.sex is None for part in split.parts)


def test_only_the_codes_the_users_filters_allow():
    split = enum_split(filters(operator=[3, 1], phone="13800138000"))
    assert split is not None and split.codes == (3, 1)
    assert all(part.phone == "13800138000" for part in split.parts)


def test_a_filter_fixed_to_one_code_is_skipped():
    split = enum_split(filters(operator=[2], sex=[1]))
    assert split is not None and split.dimension == "is_follow"
    assert [(part.is_follow, part.operator, part.sex) for part in split.parts] == [(0, (2,), (1,)), (1, (2,), (1,))]
    assert fixed_codes(split.parts[1]) == "operator 2, sex 1, is_follow 1"


def test_nothing_left_to_split():
    assert enum_split(filters(operator=[1], sex=[0], is_follow=1, ai_call=0)) is None
    assert fixed_codes(filters()) == ""


def test_the_totals_must_add_up():
    split = enum_split(filters())
    assert split is not None and split.shortfall([40, 30, 30], 100) is None
    short = split.shortfall([40, 30, 20], 100)
    assert short is not None and short.startswith("the parts by operator (1: 40, 2: 30, 3: 20) add up to 90, not to")
    assert "operator is none of 1, 2, 3, e.g. null, are in no part" in short
    over = split.shortfall([40, 30, 31], 100)
    assert over is not None and "in no part" not in over and "records changed while the parts were read" in over
