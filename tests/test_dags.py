"""The example DAGs and mapped pulls in a real Airflow (dag.test with a SQLite metadata DB)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pendulum
import pytest

from tests.airflow_env import INTERVAL_VARIANT, OUTPUT_ROOT, load_dag, read_ids, run_ok
from tests.version_gates import (
    CLI_PUTS_THE_DAGS_FOLDER_ON_THE_PATH,
    DAG_TEST_PRINTS_TASK_ERRORS,
    EVENT_TRIGGERS,
    MANUAL_RUNS_MAY_LACK_A_LOGICAL_DATE,
    RENDERED_FIELDS_GO_THROUGH_THE_SUPERVISOR,
    AssetEvent,
    AssetModel,
    XComModel,
    asset_condition_of,
    asset_event_asset_id,
)

TOKEN = "dag-test-token-31415"
SHANGHAI = "Asia/Shanghai"


pytestmark = pytest.mark.airflow_db


@pytest.fixture
def emulator(make_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    users = ["40863af8-db4a-41c6-a269-eb5bc386d97f", "0b7e7f58-59a4-4d3e-9c59-0a9a4e3c2f11"]
    emulator = make_emulator(records=3000, token=TOKEN, user_ids=users, max_per_page=50)
    for name, value in emulator.airflow_env().items():
        monkeypatch.setenv(name, value)
    return emulator


def insert_boundary_records(emulator: Any, days: list[str]) -> None:
    """Records exactly on local midnight, one second before it, and on UTC midnight (08:00 local)."""
    for day in days:
        for moment in (f"{day} 00:00:00", f"{day} 23:59:59", f"{day} 08:00:00"):
            emulator.insert(created_at=moment)


@pytest.mark.parametrize(
    ("dag_id", "first_logical_day"),
    [
        ("clue_daily_pull", "2026-10-05"),  # CronTriggerTimetable: the run at tick T pulls [T - 1 day, T)
        (INTERVAL_VARIANT, "2026-10-04"),  # CronDataIntervalTimetable: the run's interval is the day
    ],
)
def test_three_consecutive_daily_runs_tile_time_exactly(emulator, dag_id, first_logical_day):
    days = ["2026-10-04", "2026-10-05", "2026-10-06"]
    insert_boundary_records(emulator, [*days, "2026-10-07"])
    first = pendulum.parse(first_logical_day, tz=SHANGHAI)
    for offset in range(3):
        run_ok(dag_id, logical_date=first.add(days=offset))
    folder = Path(OUTPUT_ROOT) / "clue_daily_pull"
    outputs = {day: read_ids(folder / f"{day}.jsonl") for day in days}
    every_id = [record_id for ids in outputs.values() for record_id in ids]
    assert len(every_id) == len(set(every_id)), "a record landed in two windows"
    assert set(every_id) == emulator.ids(created_at=("2026-10-04 00:00:00", "2026-10-06 23:59:59"))
    for day, ids in outputs.items():
        assert set(ids) == emulator.ids(created_at=(f"{day} 00:00:00", f"{day} 23:59:59"))
    stamps = {json.loads(line)["created_at"] for line in (folder / "2026-10-05.jsonl").open(encoding="utf-8")}
    assert {"2026-10-05 00:00:00", "2026-10-05 08:00:00", "2026-10-05 23:59:59"} <= stamps
    assert "2026-10-06 00:00:00" not in stamps and "2026-10-04 23:59:59" not in stamps


def test_manual_run_without_logical_date_pulls_the_last_complete_day(emulator):
    yesterday = pendulum.now(SHANGHAI).start_of("day").subtract(days=1)
    day = yesterday.to_date_string()
    for moment in ("00:00:00", "12:00:00", "23:59:59"):
        emulator.insert(created_at=f"{day} {moment}")
    emulator.insert(created_at=pendulum.now(SHANGHAI).start_of("day").format("YYYY-MM-DD HH:mm:ss"))
    run = run_ok("clue_daily_pull", logical_date=None)
    assert run.logical_date is None or not MANUAL_RUNS_MAY_LACK_A_LOGICAL_DATE
    ids = read_ids(Path(OUTPUT_ROOT) / "clue_daily_pull" / f"{day}.jsonl")
    assert sorted(ids) == sorted(emulator.ids(created_at=(f"{day} 00:00:00", f"{day} 23:59:59")))
    assert len(ids) == 3


def test_a_run_dated_between_ticks_pulls_the_last_complete_day_and_keeps_the_ticks_file(emulator):
    # `airflow dags test clue_daily_pull 2026-10-05`: 00:00 UTC is 08:00 in Shanghai, not a tick of the schedule
    insert_boundary_records(emulator, ["2026-10-04", "2026-10-05"])
    folder = Path(OUTPUT_ROOT) / "clue_daily_pull"
    run_ok("clue_daily_pull", logical_date=pendulum.datetime(2026, 10, 6, tz=SHANGHAI))  # the tick: all of 10-05
    complete = read_ids(folder / "2026-10-05.jsonl")
    assert set(complete) == emulator.ids(created_at=("2026-10-05 00:00:00", "2026-10-05 23:59:59"))
    run_ok("clue_daily_pull", logical_date=pendulum.datetime(2026, 10, 5, tz="UTC"))
    assert read_ids(folder / "2026-10-05.jsonl") == complete
    assert set(read_ids(folder / "2026-10-04.jsonl")) == emulator.ids(
        created_at=("2026-10-04 00:00:00", "2026-10-04 23:59:59")
    )


def test_a_run_at_now_pulls_yesterday_not_today_so_far(emulator):
    # `airflow dags test clue_daily_pull` with no date: the logical date is now, not a tick
    today = pendulum.now(SHANGHAI).start_of("day")
    yesterday = today.subtract(days=1).to_date_string()
    emulator.insert(2, created_at=f"{yesterday} 12:00:00")
    emulator.insert(created_at=today.format("YYYY-MM-DD HH:mm:ss"))
    folder = Path(OUTPUT_ROOT) / "clue_daily_pull"
    (folder / f"{today.to_date_string()}.jsonl").unlink(missing_ok=True)
    run_ok("clue_daily_pull", logical_date=pendulum.now("UTC"))
    assert sorted(read_ids(folder / f"{yesterday}.jsonl")) == sorted(
        emulator.ids(created_at=(f"{yesterday} 00:00:00", f"{yesterday} 23:59:59"))
    )
    assert not (folder / f"{today.to_date_string()}.jsonl").exists()


def test_mapped_pulls_write_one_object_each(emulator, monkeypatch, tmp_path):
    monkeypatch.setenv("AIRFLOW_VAR_CLUE_TEST_ROOT", f"file://{tmp_path}")
    run_ok("clue_test_mapped")
    for start in ("2026-10-10", "2026-10-11", "2026-10-12"):
        ids = read_ids(tmp_path / "days" / f"{start}.jsonl")
        assert sorted(ids) == sorted(emulator.ids(created_at=(f"{start} 00:00:00", f"{start} 23:59:59")))
    for user_id in emulator.user_ids:
        ids = read_ids(tmp_path / "users" / f"{user_id}.jsonl")
        expected = emulator.ids(created_at=("2026-10-10 00:00:00", "2026-10-10 23:59:59"), user_id=user_id)
        assert sorted(ids) == sorted(expected)


def asset_events(uri: str) -> list[Any]:
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return list(session.scalars(
            select(AssetEvent.extra).join(AssetModel, asset_event_asset_id(AssetEvent) == AssetModel.id)
            .where(AssetModel.uri == uri)
        ))


def test_mapped_pulls_record_an_event_each_though_no_dag_is_scheduled_on_their_asset(emulator):
    from urllib.parse import quote

    run_ok("clue_test_mapped_assets")
    halves, users = (quote(f"{OUTPUT_ROOT}/{folder}") for folder in ("线索/半天", "线索"))
    events = asset_events(f"file://{halves}")
    assert sorted(event["uri"] for event in events) == [
        f"file://{OUTPUT_ROOT}/线索/半天/2026-10-15T000000.jsonl", f"file://{OUTPUT_ROOT}/线索/半天/2026-10-15T120000.jsonl"
    ]
    assert sorted(event["uri"] for event in asset_events(f"file://{users}")) == [
        f"file://{OUTPUT_ROOT}/线索/{user_id}.jsonl" for user_id in sorted(emulator.user_ids)
    ]
    ids = [record_id for event in events for record_id in read_ids(Path(event["uri"].removeprefix("file://")))]
    assert len(ids) == len(set(ids))
    assert set(ids) == emulator.ids(created_at=("2026-10-15 00:00:00", "2026-10-15 23:59:59"))


def test_phone_and_email_filters_are_masked_in_rendered_fields(emulator):
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from tests.dags import clue_test_personal_filters as personal

    emulator.insert(created_at="2026-10-20 10:00:00", phone=personal.PHONE, email=personal.EMAIL)
    run_ok("clue_test_personal_filters")
    with create_session() as session:
        rendered = json.dumps(list(session.scalars(
            select(RenderedTaskInstanceFields.rendered_fields)
            .where(RenderedTaskInstanceFields.dag_id == "clue_test_personal_filters")
        )), ensure_ascii=False)
    assert '"phone": "***"' in rendered and '"email": "***"' in rendered and '"意向产品": "***"' in rendered
    assert personal.PHONE not in rendered and personal.EMAIL not in rendered and personal.WECHAT not in rendered
    # the requests filtered on the real values (on 3.0 the tasks keep them beside a redacted copy)
    pages = [request for request in emulator.requests if request.path.endswith("/get_customer")]
    sent = [request.body + request.query for request in pages if "components" not in request.body]
    assert sent and all(personal.PHONE in text for text in sent)
    by_component = [request.body for request in pages if "components" in request.body]
    assert by_component and all(personal.WECHAT in body for body in by_component)
    assert any(personal.EMAIL in text or "zhang.wei%40example.cn" in text for text in sent)


def test_a_dag_without_schedule_or_window_fails_and_says_how_to_fix_it(emulator, capsys):
    run = load_dag("clue_test_unscheduled").test()
    assert run.state == "failed"
    assert emulator.requests == []
    if not DAG_TEST_PRINTS_TASK_ERRORS:
        pytest.skip("Airflow 3.1+: dag.test() prints a task's error (3.0 writes it nowhere a test can read)")
    assert "pass created_at=[start, end)" in capsys.readouterr().out


def test_the_daily_pull_declares_its_asset_and_the_downstream_dag_is_scheduled_on_it():
    [asset] = load_dag("clue_daily_pull").get_task("pull_clues").outlets
    assert asset.uri == f"file://{OUTPUT_ROOT}/clue_daily_pull"
    condition = asset_condition_of(load_dag("clue_after_daily_pull").timetable)
    assert [scheduled.uri for scheduled in condition.objects] == [asset.uri]


@EVENT_TRIGGERS
def test_the_new_clues_example_watches_its_asset_with_the_event_trigger():
    from airflow_provider_clue.compat import serialize
    from airflow_provider_clue.triggers.clue import ClueEventTrigger

    dag = load_dag("clue_on_new_clues")
    [asset] = dag.timetable.asset_condition.objects
    [watcher] = asset.watchers
    assert isinstance(watcher.trigger, ClueEventTrigger)
    _, kwargs = watcher.trigger.serialize()
    assert serialize(kwargs) and "password" not in json.dumps(kwargs) and kwargs["poll_interval"] == 60
    destination = dag.get_task("pull_new_clues").destination
    assert "{start}" in destination and "{end}" in destination, "one object per announced window"


def test_each_pull_records_an_asset_event_with_its_summary(emulator):
    from airflow.utils.session import create_session
    from sqlalchemy import select

    run_ok("clue_daily_pull", logical_date=pendulum.datetime(2026, 10, 9, tz=SHANGHAI))
    with create_session() as session:
        event = session.scalars(
            select(AssetEvent).join(AssetModel, asset_event_asset_id(AssetEvent) == AssetModel.id)
            .where(AssetModel.uri == f"file://{OUTPUT_ROOT}/clue_daily_pull")
            .order_by(AssetEvent.id.desc())
        ).first()
    assert event is not None
    expected = emulator.ids(created_at=("2026-10-08 00:00:00", "2026-10-08 23:59:59"))
    assert event.extra == {
        "uri": f"file://{OUTPUT_ROOT}/clue_daily_pull/2026-10-08.jsonl",
        "count": len(expected),
        "created_at": ["2026-10-08T00:00:00+08:00", "2026-10-09T00:00:00+08:00"],
    }


def test_templated_window_filters_and_destination_render(emulator, monkeypatch, tmp_path):
    monkeypatch.setenv("AIRFLOW_VAR_CLUE_TEST_ROOT", f"file://{tmp_path}")
    # ds is the logical date's UTC date: 2026-10-14 00:00 in Shanghai is 2026-10-13 in UTC.
    run_ok("clue_test_templated", logical_date=pendulum.datetime(2026, 10, 14, tz=SHANGHAI))
    ids = read_ids(tmp_path / "templated" / "20261013.jsonl")
    expected = {
        r["id"] for r in emulator.records(created_at=("2026-10-13 00:00:00", "2026-10-13 23:59:59"))
        if r["sex"] == 2 and r["operator"] in (1, 3) and r["ai_call"] == 1
    }
    assert expected and set(ids) == expected and len(ids) == len(expected)


def test_wait_then_pull_defers_resumes_when_clues_arrive_and_pulls_them(emulator, capsys, caplog):
    checks = iter(range(1, 100))
    arrived: list[dict[str, Any]] = []

    def insert_mid_wait(user_id: str, stage: str, page: int) -> None:
        if next(checks) == 3:  # the worker's poke, then two checks in the trigger
            arrived.extend(emulator.insert(2, created_at="2026-11-10 09:30:00"))

    emulator.on_page(insert_mid_wait)
    run_ok("clue_wait_then_pull", logical_date=pendulum.datetime(2026, 11, 11, tz=SHANGHAI))
    assert "Trigger completed" in caplog.text + capsys.readouterr().out
    sensor_checks = [r for r in emulator.requests if r.per_page == 1]
    assert len(sensor_checks) == 5  # the worker's poke, three checks in the trigger, its probe before release
    # the worker's poke and the triggerer's checks come from two clients: the task really deferred
    assert len({r.client_port for r in sensor_checks}) == 2
    ids = read_ids(Path(OUTPUT_ROOT) / "clue_wait_then_pull" / "2026-11-10.jsonl")
    assert sorted(ids) == sorted(r["id"] for r in arrived)


@pytest.mark.slow
def test_the_pull_and_the_deferrable_wait_run_through_airflow_dags_test(emulator):
    """As a user runs them on any minor: ``airflow dags test`` of the daily pull and of the
    wait-then-pull, whose sensor defers to the in-process triggerer until clues arrive."""
    import subprocess
    import sys

    insert_boundary_records(emulator, ["2026-10-04"])
    checks = iter(range(1, 100))
    arrived: list[dict[str, Any]] = []

    def insert_mid_wait(user_id: str, stage: str, page: int) -> None:
        if next(checks) == 3:  # the worker's poke, then two checks in the trigger
            arrived.extend(emulator.insert(2, created_at="2026-11-10 09:30:00"))

    airflow = str(Path(sys.executable).with_name("airflow"))
    env = {**os.environ, **emulator.airflow_env()}
    if not CLI_PUTS_THE_DAGS_FOLDER_ON_THE_PATH:  # Airflow 3.0: the examples import their neighbour clue_output
        env["PYTHONPATH"] = os.environ["AIRFLOW__CORE__DAGS_FOLDER"]
    runs = [("clue_daily_pull", "2026-10-05T00:00:00+08:00"), ("clue_wait_then_pull", "2026-11-11T00:00:00+08:00")]
    for dag_id, day in runs:
        if dag_id == "clue_wait_then_pull":
            emulator.on_page(insert_mid_wait)
        done = subprocess.run([airflow, "dags", "test", dag_id, day], env=env, capture_output=True, text=True,
                              timeout=300, check=False)
        assert done.returncode == 0, f"{dag_id}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
    pulled = read_ids(Path(OUTPUT_ROOT) / "clue_daily_pull" / "2026-10-04.jsonl")
    assert sorted(pulled) == sorted(emulator.ids(created_at=("2026-10-04 00:00:00", "2026-10-04 23:59:59")))
    sensor_checks = [r for r in emulator.requests if r.per_page == 1]
    assert len({r.client_port for r in sensor_checks}) == 2, "the sensor did not defer"
    waited = read_ids(Path(OUTPUT_ROOT) / "clue_wait_then_pull" / "2026-11-10.jsonl")
    assert sorted(waited) == sorted(r["id"] for r in arrived)


SECRET_TOKEN = "zq-distinctive-token-5c81e7a2f94b"


@pytest.mark.slow
def test_no_token_phone_or_email_leaks_at_debug_level(make_emulator, tmp_path):
    """``airflow dags test`` at DEBUG, with a 500 and a failing DAG: no token, phone or e-mail gets out."""
    import subprocess
    import sys

    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.utils.session import create_session
    from sqlalchemy import select

    users = ["40863af8-db4a-41c6-a269-eb5bc386d97f", "0b7e7f58-59a4-4d3e-9c59-0a9a4e3c2f11"]
    from tests.dags import clue_test_personal_filters as personal

    emulator = make_emulator(records=3000, token=SECRET_TOKEN, user_ids=users, max_per_page=50)
    emulator.insert(created_at="2026-10-20 10:00:00", phone=personal.PHONE, email=personal.EMAIL)
    emulator.on_page(lambda user_id, stage, page: page == 2 and emulator.fail_next("server_error"))
    env = {
        **os.environ, **emulator.airflow_env(), "AIRFLOW_VAR_CLUE_TEST_ROOT": f"file://{tmp_path}",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "DEBUG",
    }
    airflow = str(Path(sys.executable).with_name("airflow"))
    logged = ""
    for dag_id, day in [("clue_daily_pull", "2026-10-20"), ("clue_test_templated", "2026-10-21"),
                        ("clue_test_mapped", "2026-10-22"), ("clue_test_unscheduled", "2026-10-23"),
                        ("clue_test_personal_filters", "2026-10-24")]:
        done = subprocess.run([airflow, "dags", "test", dag_id, day], env=env, capture_output=True, text=True,
                              timeout=300, check=False)
        logged += done.stdout + done.stderr
    for path in Path(os.environ["AIRFLOW_HOME"], "logs").rglob("*"):
        if path.is_file():
            logged += path.read_text(errors="replace")
    # structlog's "[debug" on Airflow 3, logging's " DEBUG - " on 2.x
    assert "[debug" in logged or " DEBUG - " in logged, "the runs did not log at DEBUG level"
    # Airflow's in-process test supervisor (dag.test / airflow dags test only) logs every message a task
    # sends it at DEBUG, the MaskSecret by which Airflow itself registers the connection's password
    # included, before the masker knows it. A deployment's supervisor logs "(body omitted)" instead.
    harness = [line for line in logged.splitlines() if "Sending request" in line and "MaskSecret(" in line]
    logged = "\n".join(line for line in logged.splitlines() if line not in harness)
    assert "Retry 1 of" in logged and "pass created_at=[start, end)" in logged  # a retry, and a failure
    assert SECRET_TOKEN not in logged
    assert "clue_test_personal_filters" in logged
    assert "SetRenderedFields" in logged or not RENDERED_FIELDS_GO_THROUGH_THE_SUPERVISOR
    assert personal.PHONE not in logged and personal.EMAIL not in logged and personal.WECHAT not in logged
    for record in emulator.records():
        assert record["phone"] not in logged
        assert not record["email"] or record["email"] not in logged
    with create_session() as session:
        dag_ids = ["clue_daily_pull", "clue_test_templated", "clue_test_mapped", "clue_test_unscheduled",
                   "clue_test_personal_filters"]
        xcoms = session.scalars(select(XComModel.value).where(XComModel.dag_id.in_(dag_ids))).all()
        rendered = session.scalars(
            select(RenderedTaskInstanceFields.rendered_fields).where(RenderedTaskInstanceFields.dag_id.in_(dag_ids))
        ).all()
    assert xcoms and rendered
    assert SECRET_TOKEN not in json.dumps([xcoms, rendered], default=str)
