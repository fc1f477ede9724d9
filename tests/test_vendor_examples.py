"""Every response example the vendor documents (../shared/api/NOTES.md), fed through the clients by the
emulator's ``respond_next``: the only evidence of the real server we have."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq
import pytest

from airflow_provider_clue.api.async_client import AsyncClueClient
from airflow_provider_clue.exceptions import ClueAuthError, ClueBadRequestError, ClueBusinessError
from airflow_provider_clue.hooks.clue import ClueHook
from airflow_provider_clue.operators.clue import ClueSearchOperator

if TYPE_CHECKING:
    from airflow_provider_clue.testing import ClueEmulator

from tests.operator_support import TOKEN, execution_context, point_clue_default_at, read_file_records

SEED_RECORD = {"id": "4d2e14b2-1b0c-4b8e-9a51-3c2d1e0f9a77", "phone": "9999999", "email": "123456@qq.com",
               "name": "金山上", "created_at": "2023-03-23 14:18:01"}
SEED_EXAMPLE = {  # the seed page's response
    "code": 200, "status": "success", "message": "筛选客户公海列表成功",
    "meta": {"has_pages": False, "total": 1, "last_page": 1, "current_page": 1, "per_page": 15},
    "data": [SEED_RECORD],
}
FULLER_RECORD = {  # the fuller list examples' and the detail page's fields
    "id": "5e3f25c3-2c1d-4c9f-8b62-4d3e2f1a0b88", "user_id": "40863af8-db4a-41c6-a269-eb5bc386d97f",
    "created_user_id": "40863af8-db4a-41c6-a269-eb5bc386d97f", "phone": "13800138000", "company": None,
    "email": "123456@qq.com", "is_back": 0, "source_id": 3, "industry_id": 7, "grade_id": 2, "name": "金山上",
    "sort": 0, "created_at": "2023-03-23 14:18:01", "updated_at": "2023-03-23 14:18:01", "province_id": 110000,
    "city_id": 110100, "operator": 1, "operator_name": "电信", "extra": None, "inputted_at": None,
    "viewed_at": None, "followed_at": None, "flow": 0, "sex": 1, "expect_transaction_at": None,
    "expect_transaction_fee": "0.00", "unfollow_back_at": None, "unsettled_back_at": None,
    "components": [{"id": "733b8535-5f2a-4e1b-9c3d-2a1b0c9d8e7f", "name": "微信", "type": "text",
                    "value": "17710726421"}],
}
TEMPLATE_EXAMPLE = {"code": 200, "status": "success", "message": "查看公海创建模板成功", "data": [
    {"id": "91a4ff5d-3d14-4b85-a062-a3468e48f4be", "name": "姓名", "type": "text", "sort": 0, "validate": ["required"]},
    {"id": "c87d8629-7cfd-4980-bb3a-7827bff4b72c", "name": "数字", "type": "number", "sort": 1,
     "validate": ["integer"]},
    {"id": "44560536-46b5-4e38-852e-949fd12c1ee6", "name": "日期", "type": "date", "sort": 2,
     "validate": ["date", "sometimes"]},
]}
ERROR_EXAMPLE = {"code": 6007, "status": "error", "message": "2.0任务启动中,请先停止任务", "data": []}


@pytest.fixture
def emulator(make_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> ClueEmulator:
    emulator: ClueEmulator = make_emulator(records=10, token=TOKEN)
    point_clue_default_at(emulator, monkeypatch, max_retries=2)
    emulator.set_faults(retry_after="0")
    return emulator


def answer(emulator: ClueEmulator, document: Any, status: int = 200, times: int = 1) -> None:
    emulator.respond_next(status, json.dumps(document, ensure_ascii=False), times=times)


def async_page(hook: ClueHook) -> Any:
    async def read() -> Any:
        async with AsyncClueClient(hook.settings) as client:
            return await client.get_page(client.query(), 1)

    return asyncio.run(read())


def test_the_seed_pages_example_is_one_page_with_its_record(emulator: ClueEmulator) -> None:
    answer(emulator, SEED_EXAMPLE, times=3)
    hook = ClueHook()
    assert hook.get_customer() == SEED_EXAMPLE
    assert list(hook.iter_customers()) == [SEED_RECORD]
    page = async_page(hook)
    assert page.records == [SEED_RECORD] and page.meta.total == 1


def test_the_fuller_examples_records_keep_every_field_through_xcom_json_lines_and_parquet(
    emulator: ClueEmulator, tmp_path: Any
) -> None:
    document = {**SEED_EXAMPLE, "data": [FULLER_RECORD]}
    answer(emulator, document, times=3)
    window = ["2023-03-23 00:00:00", "2023-03-24 00:00:00"]
    assert ClueSearchOperator(task_id="x", created_at=window).execute(execution_context()) == [FULLER_RECORD]
    ClueSearchOperator(task_id="j", created_at=window, destination=f"file://{tmp_path}/a.jsonl").execute(
        execution_context())
    assert read_file_records(tmp_path / "a.jsonl") == [FULLER_RECORD]
    ClueSearchOperator(task_id="p", created_at=window, destination=f"file://{tmp_path}/a.parquet").execute(
        execution_context())
    (row,) = pq.read_table(tmp_path / "a.parquet").to_pylist()
    assert row["components"] == FULLER_RECORD["components"]  # a list of structs with all four keys
    extra = json.loads(row.pop("extra"))
    assert {**{k: v for k, v in row.items() if k in FULLER_RECORD}, **extra} == FULLER_RECORD


def test_the_call_record_lists_string_per_page_is_read_as_a_number(emulator: ClueEmulator) -> None:
    meta = {"has_pages": False, "total": 1, "last_page": 1, "current_page": 1, "per_page": "1"}
    answer(emulator, {**SEED_EXAMPLE, "meta": meta}, times=3)
    hook = ClueHook()
    assert hook.get_customer()["meta"]["per_page"] == 1
    assert hook.count_customers() == 1
    assert async_page(hook).meta.per_page == 1


def test_the_pool_template_example_is_the_components_and_resolves_names(emulator: ClueEmulator) -> None:
    answer(emulator, TEMPLATE_EXAMPLE)
    hook = ClueHook()
    assert hook.get_components() == TEMPLATE_EXAMPLE["data"]
    hook.count_customers(filters={"components": {"数字": "42", "日期": "2023-03-23", "姓名": "金山上"}})
    body = json.loads(emulator.requests[-1].body)
    assert body["components"] == [
        {"id": "c87d8629-7cfd-4980-bb3a-7827bff4b72c", "value": "42"},
        {"id": "44560536-46b5-4e38-852e-949fd12c1ee6", "value": "2023-03-23"},
        {"id": "91a4ff5d-3d14-4b85-a062-a3468e48f4be", "value": "金山上"},
    ]


def test_the_documented_error_is_a_business_error_not_retried(emulator: ClueEmulator) -> None:
    answer(emulator, ERROR_EXAMPLE, times=2)
    with pytest.raises(ClueBusinessError) as refused:
        ClueHook().get_customer()
    assert refused.value.api_code == 6007 and refused.value.retryable is False
    assert "code 6007" in str(refused.value) and "2.0任务启动中,请先停止任务" in str(refused.value)
    assert len(emulator.requests) == 1
    with pytest.raises(ClueBusinessError):
        async_page(ClueHook())
    assert len(emulator.requests) == 2


def test_the_documented_unauthenticated_answer_is_an_auth_error(emulator: ClueEmulator) -> None:
    answer(emulator, {"message": "Unauthenticated."}, status=401)
    with pytest.raises(ClueAuthError, match="Unauthenticated"):
        ClueHook().get_customer()


def test_a_laravel_validation_answer_names_each_refused_field(emulator: ClueEmulator) -> None:
    answer(emulator, {"message": "The given data was invalid.",
                      "errors": {"created_at.0": ["The created_at.0 does not match the format Y-m-d H:i:s."]}},
           status=422)
    with pytest.raises(ClueBadRequestError) as refused:
        ClueHook().get_customer()
    assert refused.value.field_errors == {"created_at.0": ("The created_at.0 does not match the format Y-m-d H:i:s.",)}
    assert "refused fields created_at.0" in str(refused.value)


def test_a_phone_in_a_components_value_stays_out_of_messages(emulator: ClueEmulator) -> None:
    broken = {**SEED_EXAMPLE, "data": [{**FULLER_RECORD, "id": None}]}
    answer(emulator, broken)
    with pytest.raises(Exception) as failed:
        ClueHook().get_customer()
    assert "17710726421" not in str(failed.value) and "13800138000" not in str(failed.value)
