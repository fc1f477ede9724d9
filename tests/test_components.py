"""The pool template and custom-field filters by name: the hook, the async client, the operator, the
sensor in every mode, ClueTrigger and ClueEventTrigger, and the command line, against the emulator."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_clue.api.async_client import AsyncClueClient
from airflow_provider_clue.compat import AirflowException, AirflowRescheduleException, TaskDeferred
from airflow_provider_clue.exceptions import ClueAuthError, ClueMalformedResponseError, ClueValidationError
from airflow_provider_clue.hooks.clue import ClueHook
from airflow_provider_clue.operators.clue import ClueSearchOperator
from airflow_provider_clue.sensors.clue import ClueSensor
from airflow_provider_clue.testing.variables import memory_variables
from airflow_provider_clue.triggers.clue import ClueEventTrigger
from tests.test_vendor_examples import TEMPLATE_EXAMPLE

if TYPE_CHECKING:
    from airflow_provider_clue.testing import ClueEmulator

from tests.operator_support import (
    TOKEN,
    execution_context,
    first_event,
    point_clue_default_at,
    read_file_records,
    sensor_context,
)
from tests.version_gates import EVENT_TRIGGERS, RESCHEDULE_READS_THE_DB

OCTOBER = ["2026-10-01 00:00:00", "2026-11-01 00:00:00"]


@pytest.fixture
def emulator(make_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> ClueEmulator:
    emulator: ClueEmulator = make_emulator(records=1500, token=TOKEN)
    point_clue_default_at(emulator, monkeypatch, max_retries=1)
    return emulator


def value_of(record: dict[str, Any], name: str) -> str | None:
    return next((item["value"] for item in record.get("components") or () if item["name"] == name), None)


def matching(emulator: ClueEmulator, predicate: Any, created_at: tuple[str, str] | None = None) -> set[str]:
    return {str(r["id"]) for r in emulator.records(created_at=created_at) if predicate(r)}


def is_education(record: dict[str, Any]) -> bool:
    return "教育" in (value_of(record, "行业") or "")


def pages_asked(emulator: ClueEmulator) -> list[Any]:
    return [request for request in emulator.requests if request.path.endswith("/get_customer")]


# -- the template ---------------------------------------------------------------------------------


def test_get_components_returns_each_component_as_the_api_sends_it(emulator: ClueEmulator) -> None:
    components = ClueHook().get_components()
    assert components == emulator.template().listing()
    assert {c["type"] for c in components} == {"text", "number", "date"}


def test_the_vendors_template_example_reads_as_its_data_with_every_key_kept(emulator: ClueEmulator) -> None:
    with_more = json.loads(json.dumps(TEMPLATE_EXAMPLE))
    with_more["data"][0]["placeholder"] = "请输入"
    emulator.respond_next(200, json.dumps(with_more, ensure_ascii=False))
    assert ClueHook().get_components() == with_more["data"]


def test_the_template_has_the_same_errors_retries_and_redaction_as_a_page(
    emulator: ClueEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator.fail_next("server_error", 1)
    assert ClueHook().get_components()  # retried
    emulator.respond_next(200, json.dumps({"code": 200, "status": "success", "data": [{"id": "x"}]}))
    with pytest.raises(ClueMalformedResponseError, match="data\\[0\\] has no usable 'name'"):
        ClueHook().get_components()
    monkeypatch.setenv("AIRFLOW_CONN_CLUE_DEFAULT", emulator.connection_json().replace(TOKEN, "wrong-token"))
    with pytest.raises(ClueAuthError) as refused:
        ClueHook().get_components()
    assert "customer/create" in str(refused.value) and "wrong-token" not in str(refused.value)


def test_the_async_client_reads_the_same_template(emulator: ClueEmulator) -> None:
    hook = ClueHook()

    async def read() -> list[dict[str, Any]]:
        async with AsyncClueClient(hook.settings) as client:
            return await client.get_components()

    assert asyncio.run(read()) == hook.get_components()


# -- filters by name in the hook ----------------------------------------------------------------------


def test_a_component_filter_by_name_pulls_exactly_what_the_server_matches(emulator: ClueEmulator) -> None:
    hook = ClueHook()
    # with a window, as a pull reads a pool with bulk imports whose ties may come in any order
    october = ("2026-10-01 00:00:00", "2026-10-31 23:59:59")
    filters = {"components": {"行业": "教育"}, "created_at": list(october)}
    records = list(hook.iter_customers(filters=filters, per_page=15))
    expected = matching(emulator, is_education, created_at=october)
    assert 0 < len(expected) < 1500
    assert {str(r["id"]) for r in records} == expected and len(records) == len(expected)
    assert hook.count_customers(filters=filters) == len(expected)
    templates = [r for r in emulator.requests if r.path.endswith("/customer/create")]
    assert len(templates) == 1  # one template request per hook and account


def test_names_ids_and_the_list_form_select_the_same_records(emulator: ClueEmulator) -> None:
    component_id = emulator.component_id("行业")
    forms = [{"行业": "教育"}, {component_id: "教育"}, [{"id": component_id, "value": "教育"}]]
    counts = {ClueHook().count_customers(filters={"components": form}) for form in forms}
    assert counts == {len(matching(emulator, is_education))}


@pytest.mark.parametrize(
    ("value", "sent"),
    [("2026-10-20", "2026-10-20"), (date(2026, 10, 20), "2026-10-20"),
     (datetime(2026, 10, 19, 17, tzinfo=timezone.utc), "2026-10-20")],  # 01:00 the next day in Shanghai
    ids=["text", "date", "aware-datetime"],
)
def test_number_and_date_values_are_sent_as_the_api_takes_them(emulator: ClueEmulator, value: Any, sent: str) -> None:
    total = ClueHook().count_customers(filters={"components": {"到访日期": value, "预算": 5000}})
    body = json.loads(pages_asked(emulator)[0].body)
    assert body["components"] == [{"id": emulator.component_id("到访日期"), "value": sent},
                                  {"id": emulator.component_id("预算"), "value": 5000}]
    expected = matching(emulator, lambda r: value_of(r, "到访日期") == sent and value_of(r, "预算") == "5000")
    assert total == len(expected)


@pytest.mark.parametrize(
    ("components", "message"),
    [
        ({"预算": "abc"}, "预算 is a number component"),
        ({"预算": 12.5}, "预算 is a number component"),
        ({"到访日期": "2026-13-01"}, "到访日期 is a date component"),
        ({"到访日期": "20.10.2026"}, "到访日期 is a date component"),
        ({"行业": "  "}, "行业 is a text component"),
        ({"不存在": 1}, "'不存在' is not the name or the id of a component"),
        ([{"id": "5b6d9458-0000-5000-8000-000000000000", "value": "x"}], "is not the id of a component"),
    ],
    ids=["number-text", "number-float", "date-month", "date-format", "text-blank", "unknown-name", "unknown-id"],
)
def test_a_bad_key_or_value_fails_before_any_page_with_a_message_naming_it(
    emulator: ClueEmulator, components: Any, message: str
) -> None:
    hook = ClueHook()
    with pytest.raises(ClueValidationError) as refused:
        hook.count_customers(filters={"components": components})
    assert refused.value.field.startswith("filters.components") and message in str(refused.value)
    if "not the" in message:
        assert "行业 (text), 预算 (number), 到访日期 (date)" in str(refused.value)
    assert not pages_asked(emulator)


def test_a_mapping_of_id_and_value_is_refused_with_the_forms_it_takes(emulator: ClueEmulator) -> None:
    with pytest.raises(ClueValidationError, match="must be inside a list"):
        ClueHook().query(filters={"components": {"id": emulator.component_id("行业"), "value": "教育"}})
    assert not emulator.requests


def test_a_renamed_or_deleted_component_fails_the_next_pull_never_pulls_unfiltered(emulator: ClueEmulator) -> None:
    assert ClueHook().count_customers(filters={"components": {"行业": "教育"}}) > 0
    emulator.rename_component("行业", "所属行业")
    with pytest.raises(ClueValidationError, match=r"'行业' is not the name or the id.*所属行业 \(text\)"):
        ClueHook().count_customers(filters={"components": {"行业": "教育"}})
    assert ClueHook().count_customers(filters={"components": {"所属行业": "教育"}}) > 0
    emulator.delete_component("所属行业")
    with pytest.raises(ClueValidationError, match="'所属行业' is not the name"):
        ClueHook().count_customers(filters={"components": {"所属行业": "教育"}})
    assert len(pages_asked(emulator)) == 2 * 2  # each success: the count and the probe; no page after a failure


def test_a_hook_reads_the_template_again_when_a_name_is_missing_from_its_copy(emulator: ClueEmulator) -> None:
    hook = ClueHook()
    hook.get_components()
    emulator.rename_component("行业", "所属行业")
    assert hook.count_customers(filters={"components": {"所属行业": "教育"}}) > 0


# -- the operator -------------------------------------------------------------------------------------


def test_the_operator_pulls_by_name_into_a_file_whose_record_covers_the_ids_not_the_names(
    emulator: ClueEmulator, tmp_path: Any
) -> None:
    destination = f"file://{tmp_path}/edu.jsonl"
    summary = ClueSearchOperator(task_id="pull", created_at=OCTOBER, filters={"components": {"行业": "教育"}},
                                 destination=destination).execute(execution_context())
    records = read_file_records(tmp_path / "edu.jsonl")
    assert {str(r["id"]) for r in records} == matching(emulator, is_education) and summary["count"] == len(records)
    assert all(set(item) == {"id", "name", "type", "value"} for r in records for item in r["components"])
    emulator.rename_component("行业", "所属行业")
    # renamed in the pool, then in the DAG: the same query (the same id), so a rerun replaces the object
    again = ClueSearchOperator(task_id="pull", created_at=OCTOBER, filters={"components": {"所属行业": "教育"}},
                               destination=destination).execute(execution_context())
    rewritten = read_file_records(tmp_path / "edu.jsonl")
    assert sorted(str(r["id"]) for r in rewritten) == sorted(str(r["id"]) for r in records)
    assert again["count"] == len(records)
    assert {item["name"] for r in rewritten for item in r["components"]} >= {"所属行业"}
    another_query = r"\(other filters, component values, phone_output.*would share one object"
    with pytest.raises(ClueValidationError, match=another_query):
        ClueSearchOperator(task_id="pull", created_at=OCTOBER, filters={"components": {"所属行业": "金融"}},
                           destination=destination).execute(execution_context())


def test_the_operator_renders_templated_values_first(emulator: ClueEmulator) -> None:
    operator = ClueSearchOperator(task_id="pull", created_at=OCTOBER, filters={"components": {"到访日期": "{{ ds }}"}})
    operator.render_template_fields({"ds": "2026-10-20"})
    records = operator.execute(execution_context())
    assert {str(r["id"]) for r in records} == matching(emulator, lambda r: value_of(r, "到访日期") == "2026-10-20")


def test_the_operator_refuses_an_unknown_name_before_any_page(emulator: ClueEmulator) -> None:
    with pytest.raises(ClueValidationError, match="不存在"):
        ClueSearchOperator(task_id="pull", created_at=OCTOBER, filters={"components": {"不存在": 1}}).execute(
            execution_context())
    assert not pages_asked(emulator)


# -- the sensor and ClueTrigger ---------------------------------------------------------------------

EMPTY_DAY = ["2026-11-10 00:00:00", "2026-11-11 00:00:00"]


def insert_education(emulator: ClueEmulator, value: str = "教育") -> None:
    emulator.insert(1, created_at="2026-11-10 09:00:00", components=[
        {"id": emulator.component_id("行业"), "name": "行业", "type": "text", "value": value}])


@pytest.mark.parametrize("mode", ["poke", pytest.param("reschedule", marks=RESCHEDULE_READS_THE_DB)])
def test_the_sensor_counts_by_name_in_poke_and_reschedule_modes(emulator: ClueEmulator, mode: str) -> None:
    insert_education(emulator, "金融")
    insert_education(emulator)
    wait = ClueSensor(task_id="wait", created_at=EMPTY_DAY, filters={"components": {"行业": "教育"}}, mode=mode,
                      poke_interval=0.2, timeout=5)
    assert wait.execute(sensor_context())["count"] == 1


def test_the_sensor_fails_at_once_on_an_unknown_name(emulator: ClueEmulator) -> None:
    wait = ClueSensor(task_id="wait", created_at=EMPTY_DAY, filters={"components": {"不存在": "x"}},
                      poke_interval=0.2, timeout=5)
    with pytest.raises((ClueValidationError, AirflowException), match="不存在"):
        wait.execute(sensor_context())
    assert not pages_asked(emulator)


def test_the_deferrable_sensor_resolves_names_in_the_trigger(emulator: ClueEmulator) -> None:
    wait = ClueSensor(task_id="wait", created_at=EMPTY_DAY, filters={"components": {"行业": "教育"}},
                      deferrable=True, poke_interval=0.2, timeout=30)
    with pytest.raises(TaskDeferred) as deferred:
        wait.execute(sensor_context())
    insert_education(emulator, "金融")
    insert_education(emulator)
    event = first_event(deferred.value.trigger)
    assert event["status"] == "success" and event["count"] == 1


def test_the_trigger_sends_a_fatal_event_for_a_name_renamed_after_deferral(emulator: ClueEmulator) -> None:
    wait = ClueSensor(task_id="wait", created_at=EMPTY_DAY, filters={"components": {"行业": "教育"}},
                      deferrable=True, poke_interval=0.2, timeout=30)
    with pytest.raises(TaskDeferred) as deferred:
        wait.execute(sensor_context())
    emulator.rename_component("行业", "所属行业")
    event = first_event(deferred.value.trigger)
    assert event["status"] == "error" and event["fatal"] is True and "'行业' is not the name" in event["message"]


def delete_after_counts(emulator: ClueEmulator, counts: int, name: str = "行业") -> None:
    """Delete the component ``name`` once the emulator has answered ``counts`` pages."""
    answered = iter(range(1, 10**6))

    def listener(user_id: str, stage: str, page: int) -> None:
        if next(answered) == counts:
            emulator.delete_component(name)

    emulator.on_page(listener)


@pytest.mark.parametrize("mode", ["poke", pytest.param("reschedule", marks=RESCHEDULE_READS_THE_DB)])
def test_a_component_deleted_while_the_sensor_waits_fails_a_poke_soon(
    emulator: ClueEmulator, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    from airflow_provider_clue.api import component_filters

    monkeypatch.setattr(component_filters, "REPEATED_CHECKS_TEMPLATE_AGE", 0.5)
    delete_after_counts(emulator, 2)
    wait = ClueSensor(task_id="wait", created_at=OCTOBER, filters={"components": {"行业": "教育"}}, mode=mode,
                      min_count=10**6, poke_interval=0.3, timeout=15)
    started = time.monotonic()
    with pytest.raises((ClueValidationError, AirflowException), match="'行业' is not the name"):
        for _ in range(100):  # reschedule mode: Airflow calls execute again after each reschedule
            try:
                wait.execute(sensor_context())
            except AirflowRescheduleException:
                time.sleep(0.3)
    assert time.monotonic() - started < 10


def test_a_component_deleted_while_deferred_is_a_fatal_event_soon(
    emulator: ClueEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_clue.api import async_client

    monkeypatch.setattr(async_client, "REPEATED_CHECKS_TEMPLATE_AGE", 0.5)
    wait = ClueSensor(task_id="wait", created_at=OCTOBER, filters={"components": {"行业": "教育"}},
                      deferrable=True, min_count=10**6, poke_interval=0.3, timeout=30)
    with pytest.raises(TaskDeferred) as deferred:
        wait.execute(sensor_context())
    delete_after_counts(emulator, 2)
    event = first_event(deferred.value.trigger, timeout=15)
    assert event["status"] == "error" and event["fatal"] is True and "'行业' is not the name" in event["message"]


# -- ClueEventTrigger -------------------------------------------------------------------------------


@EVENT_TRIGGERS  # asset watchers: Airflow 3
def test_the_watcher_counts_by_name_and_heals_once_the_template_is_fixed(
    emulator: ClueEmulator, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    from airflow_provider_clue.events import arguments as event_watcher_arguments
    from airflow_provider_clue.events import watcher as event_watcher

    monkeypatch.setattr(event_watcher, "HANDOVER_SECONDS", 0.2)
    monkeypatch.setattr(event_watcher_arguments, "MIN_POLL_INTERVAL", 0.1)
    zone = datetime.now(timezone(timedelta(hours=8)))
    start = (zone - timedelta(seconds=5)).replace(microsecond=0)
    emulator.rename_component("行业", "所属行业")  # the DAG's name no longer resolves
    industry = emulator.component_id("所属行业")
    for value in ("教育", "金融", "教育"):
        emulator.insert(1, created_at=(zone - timedelta(seconds=3)).strftime("%Y-%m-%d %H:%M:%S"),
                        components=[{"id": industry, "name": "所属行业", "type": "text", "value": value}])
    trigger = ClueEventTrigger(filters={"components": {"行业": "教育"}}, poll_interval=0.3, settle=1,
                               start=start.isoformat())
    trigger._log = logging.getLogger("tests.components")  # type: ignore[attr-defined]

    async def run() -> Any:
        stream = trigger.run()
        try:
            async with asyncio.timeout(30):
                async for event in stream:
                    return event.payload
        finally:
            await stream.aclose()

    async def fix_later() -> None:
        await asyncio.sleep(1.5)
        emulator.rename_component("所属行业", "行业")

    async def both() -> Any:
        fixing = asyncio.create_task(fix_later())
        payload = await run()
        await fixing
        return payload

    with memory_variables(), caplog.at_level(logging.ERROR):
        payload = asyncio.run(both())
    assert payload["count"] == 2
    assert "'行业' is not the name" in caplog.text  # said so while it could not resolve


@EVENT_TRIGGERS  # asset watchers: Airflow 3
def test_a_component_renamed_in_the_pool_and_then_in_the_dag_keeps_the_watchers_cursor(
    emulator: ClueEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_clue.events import arguments as event_watcher_arguments
    from airflow_provider_clue.events import watcher as event_watcher

    monkeypatch.setattr(event_watcher, "HANDOVER_SECONDS", 0.2)
    monkeypatch.setattr(event_watcher_arguments, "MIN_POLL_INTERVAL", 0.1)
    now = datetime.now(timezone(timedelta(hours=8))).replace(microsecond=0)
    industry = emulator.component_id("行业")
    budget = emulator.component_id("预算")
    emulator.insert(2, created_at=(now - timedelta(seconds=3)).strftime("%Y-%m-%d %H:%M:%S"),
                    components=[{"id": industry, "name": "行业", "type": "text", "value": "教育"},
                                {"id": budget, "name": "预算", "type": "number", "value": "5000"}])

    def watch(components: Any) -> ClueEventTrigger:
        trigger = ClueEventTrigger(filters={"components": components}, poll_interval=0.3, settle=1,
                                   start=(now - timedelta(seconds=5)).isoformat())
        trigger._log = logging.getLogger("tests.components")  # type: ignore[attr-defined]
        return trigger

    async def events(trigger: ClueEventTrigger, count: int) -> list[Any]:
        payloads: list[Any] = []
        stream = trigger.run()
        try:
            async with asyncio.timeout(20):
                async for event in stream:
                    payloads.append(event.payload)
                    if len(payloads) == count:
                        break
        finally:
            await stream.aclose()
        return payloads

    with memory_variables() as variables:
        (first,) = asyncio.run(events(watch({"行业": "教育", "预算": 5000}), 1))
        emulator.rename_component("行业", "所属行业")
        # a starting trigger repeats the last window: of the same cursor
        (again,) = asyncio.run(events(watch({"所属行业": "教育", "预算": 5000}), 1))
        (reordered,) = asyncio.run(events(watch({"预算": "5000", "所属行业": "教育"}), 1))
    cursors = {key for key in variables.values if key.startswith("clue_event_watermark")}
    assert len(cursors) == 1  # names are keyed by their ids, in id order, values as text
    assert first["count"] == 2 and again == first == reordered


# -- numbers as strings through every client ----------------------------------------------------------


def test_string_meta_works_for_a_pull_a_count_the_test_button_a_sensor_and_a_trigger(
    make_emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = make_emulator(records=300, token=TOKEN, string_meta=True)
    point_clue_default_at(emulator, monkeypatch)
    hook = ClueHook()
    assert hook.test_connection()[0] is True
    assert len(list(hook.iter_customers(per_page=15))) == 300 == hook.count_customers()
    assert hook.get_customer(per_page=15)["meta"]["per_page"] == 15  # numbers as numbers
    emulator.insert(2, created_at="2026-11-10 09:00:00")
    assert ClueSensor(task_id="w", created_at=EMPTY_DAY, min_count=2, poke_interval=0.1,
                      timeout=5).execute(sensor_context())["count"] == 2
    emulator.delete([str(r["id"]) for r in emulator.records(created_at=("2026-11-10 00:00:00", "2026-11-10 23:59:59"))])
    wait = ClueSensor(task_id="w", created_at=EMPTY_DAY, deferrable=True, poke_interval=0.2, timeout=30)
    with pytest.raises(TaskDeferred) as deferred:
        wait.execute(sensor_context())
    emulator.insert(1, created_at="2026-11-10 09:00:00")
    assert first_event(deferred.value.trigger)["status"] == "success"


# -- the command line ---------------------------------------------------------------------------------


def run_cli(emulator: ClueEmulator, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **emulator.airflow_env()}
    return subprocess.run([sys.executable, "-m", "airflow_provider_clue", "components", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_command_line_lists_components_as_a_table_and_as_json(make_emulator: Any) -> None:
    emulator = make_emulator(records=1, components={"姓名": "text", "数字": "number", "日期": "date"})
    table = run_cli(emulator)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["id", "name", "type", "required"]
    assert [line.split()[1:] for line in lines[1:]] == [["姓名", "text", "yes"], ["数字", "number", "no"],
                                                         ["日期", "date", "no"]]
    listed = run_cli(emulator, "--json")
    assert json.loads(listed.stdout) == emulator.template().listing()


def test_the_command_line_reads_a_connection_kept_in_airflows_database(make_emulator: Any, tmp_path: Any) -> None:
    emulator = make_emulator(records=1)
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path)}
    env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
    airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, capture_output=True, check=True, timeout=300)
    subprocess.run([airflow, "connections", "add", "clue_db", "--conn-type", "clue", "--conn-host", emulator.url,
                    "--conn-login", emulator.user_id, "--conn-password", emulator.token],
                   env=env, capture_output=True, check=True, timeout=120)
    command = [sys.executable, "-m", "airflow_provider_clue", "components", "--json", "--conn-id"]
    listed = subprocess.run([*command, "clue_db"], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == emulator.template().listing()
    missing = subprocess.run([*command, "nope"], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert missing.returncode == 1 and missing.stderr.strip().splitlines()[-1] == (
        "error: clue_conn_id: no connection 'nope' in Airflow's metadata database, the environment "
        "(AIRFLOW_CONN_...) or a secrets backend")


def test_the_command_line_reports_the_hooks_errors(make_emulator: Any) -> None:
    emulator = make_emulator(records=1)
    refused = run_cli(emulator, "--user-id", "00000000-0000-4000-8000-000000000000")
    assert refused.returncode == 1 and "无权访问" in refused.stderr and emulator.token not in refused.stderr


# -- masking --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "form",
    [
        lambda value: {"微信": value},
        lambda value: [{"id": "733b8535-5f2a-4e1b-9c3d-2a1b0c9d8e7f", "value": value}],
        lambda value: str({"微信": value}),  # a whole mapping rendered from one template
        lambda value: str([{"id": "733b8535", "value": value}]),
    ],
    ids=["mapping", "list", "rendered-mapping", "rendered-list"],
)
def test_component_values_that_look_personal_are_masked_in_every_form(form: Any) -> None:
    import random

    from airflow_provider_clue.compat import redact
    from airflow_provider_clue.log_masking import mask_personal_filters

    phone, word = f"177{random.randrange(10**8):08d}", f"教育{random.randrange(10**6)}"
    mask_personal_filters({"components": form(phone)})
    mask_personal_filters({"components": form(word)})
    shown = str(redact({"components": form(phone)})) + str(redact(f"a log line with {phone} and {word}"))
    assert phone not in shown and word in shown  # only what looks personal: 教育 stays readable
