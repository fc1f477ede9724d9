"""ClueSearchOperator.execute() against the emulator: windows, XCom, JSON Lines files, assets."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from airflow_provider_clue.compat import Asset
from airflow_provider_clue.exceptions import (
    ClueConfigurationError,
    ClueDestinationError,
    ClueServerError,
    ClueValidationError,
)
from airflow_provider_clue.operators.clue import ClueSearchOperator
from tests.operator_support import (
    TOKEN,
    execution_context,
    point_clue_default_at,
    read_file_records,
    triggering_asset_events,
)
from tests.version_gates import EVENT_TRIGGERS, EXECUTE_FROM_ANY_THREAD

DAY = ("2026-10-02 00:00:00", "2026-10-03 00:00:00")
DAY_INCLUSIVE = ("2026-10-02 00:00:00", "2026-10-02 23:59:59")


@pytest.fixture
def emulator(make_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    emulator = make_emulator(records=2000, token=TOKEN, max_per_page=25)
    point_clue_default_at(emulator, monkeypatch)
    return emulator


def pull(**kwargs: Any) -> Any:
    context = kwargs.pop("context", None) or execution_context()
    return ClueSearchOperator(task_id="pull", **kwargs).execute(context)


# -- windows ------------------------------------------------------------------------------------


def test_explicit_window_pulls_exactly_that_day_into_xcom(emulator):
    records = pull(created_at=list(DAY))
    assert [r["id"] for r in records] == [r["id"] for r in emulator.records(created_at=DAY_INCLUSIVE)]
    assert {r["created_at"][:10] for r in records} == {"2026-10-02"}


def test_window_is_half_open_at_local_midnight(emulator):
    stamps = {r["created_at"] for r in pull(created_at=list(DAY))}
    assert "2026-10-02 00:00:00" in stamps
    assert "2026-10-03 00:00:00" not in stamps
    assert "2026-10-03 00:00:00" in {r["created_at"] for r in emulator.records()}


@pytest.mark.parametrize(
    "created_at",
    [
        [datetime(2026, 10, 1, 16, tzinfo=timezone.utc), datetime(2026, 10, 2, 16, tzinfo=timezone.utc)],
        ["2026-10-01T16:00:00+00:00", "2026-10-02T16:00:00Z"],
        ["2026-10-02", "2026-10-03"],
        [datetime(2026, 10, 2), datetime(2026, 10, 3)],
        [date(2026, 10, 2), date(2026, 10, 3)],
    ],
    ids=["aware-utc", "iso-strings", "date-strings", "naive-local", "dates"],
)
def test_bounds_in_any_form_are_converted_to_the_connection_zone(emulator, created_at):
    assert {r["id"] for r in pull(created_at=created_at)} == emulator.ids(created_at=DAY_INCLUSIVE)


def test_connection_time_zone_is_honoured(make_emulator, monkeypatch):
    emulator = make_emulator(records=500, token=TOKEN, timezone="UTC")
    point_clue_default_at(emulator, monkeypatch, timezone="UTC")
    records = pull(created_at=[datetime(2026, 10, 2, tzinfo=timezone(timedelta(hours=8))), "2026-10-03T08:00:00+08:00"])
    assert {r["id"] for r in records} == emulator.ids(created_at=("2026-10-01 16:00:00", "2026-10-02 23:59:59"))


def test_sub_second_boundaries_tile_without_gap_or_overlap(emulator):
    for moment in ("2026-10-05 12:00:00", "2026-10-05 12:00:01"):
        emulator.insert(created_at=moment)
    middle = datetime(2026, 10, 5, 4, 0, 0, 500_000, tzinfo=timezone.utc)  # 12:00:00.5 in Shanghai
    first = pull(created_at=["2026-10-05 00:00:00", middle])
    second = pull(created_at=[middle, "2026-10-06 00:00:00"])
    first_ids, second_ids = {r["id"] for r in first}, {r["id"] for r in second}
    assert not first_ids & second_ids
    assert first_ids | second_ids == emulator.ids(created_at=("2026-10-05 00:00:00", "2026-10-05 23:59:59"))
    assert "2026-10-05 12:00:00" in {r["created_at"] for r in first}
    assert "2026-10-05 12:00:01" in {r["created_at"] for r in second}


def test_lookback_widens_the_start(emulator):
    records = pull(created_at=list(DAY), lookback=timedelta(hours=6))
    assert {r["id"] for r in records} == emulator.ids(created_at=("2026-10-01 18:00:00", "2026-10-02 23:59:59"))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"created_at": ["2026-10-03", "2026-10-02"]}, "created_at"),
        ({"created_at": ["2026-10-02 00:00:00", "2026-10-02 00:00:00"]}, "created_at"),
        ({"created_at": ["yesterday", "2026-10-02"]}, "created_at (start)"),
        ({"created_at": "2026-10-02"}, "created_at"),
        ({"lookback": timedelta(hours=-1)}, "lookback"),
        ({"filters": {"created_at": list(DAY_INCLUSIVE)}}, "filters.created_at"),
        ({"filters": {"sex": [9]}}, "filters.sex"),
        ({"user_id": "../admin"}, "user_id"),
        ({"max_records": 0}, "max_records"),
        ({"destination": "ftp://host/clues.jsonl"}, "destination"),
        ({"destination": "/tmp/clues.jsonl"}, "destination"),
        ({"destination": "file:///tmp/clues.csv"}, "destination"),
        ({"destination": "file:///tmp/{nope}.jsonl"}, "destination"),
        ({"destination": "file:///tmp/clues.json"}, "destination"),
        ({"destination": "file:///tmp/clues.json.gz"}, "destination"),
        ({"destination": "file://tmp/clues.jsonl"}, "destination"),
        ({"destination": "file://localhost/tmp/clues.jsonl"}, "destination"),
    ],
)
def test_bad_arguments_are_refused_before_any_request(emulator, kwargs, field):
    kwargs = {"created_at": list(DAY), **kwargs}
    with pytest.raises(ClueValidationError) as err:
        pull(**kwargs)
    assert err.value.field == field
    assert emulator.requests == []


# -- XCom -----------------------------------------------------------------------------------------


def test_xcom_count_limit_fails_after_the_first_page(emulator):
    with pytest.raises(ClueValidationError, match=r"more than the XCom limit of 10.*set destination") as err:
        pull(created_at=list(DAY), xcom_max_records=10)
    assert err.value.field == "destination"
    assert len(emulator.requests) == 1


def test_xcom_limit_counts_max_records(emulator):
    assert len(pull(created_at=list(DAY), xcom_max_records=10, max_records=10)) == 10


def test_xcom_byte_limit(emulator):
    with pytest.raises(ClueValidationError, match="XCom limit of 2000 bytes"):
        pull(created_at=list(DAY), xcom_max_bytes=2000)


def test_the_xcom_byte_limit_counts_the_records_as_airflow_stores_them(emulator):
    import json

    emulator.insert(20, created_at="2026-10-02 09:00:00", company="上海锦程文化传媒有限公司", name="欧阳娜娜")
    stored = len(json.dumps(pull(created_at=list(DAY))))  # Chinese text as \u escapes, ", " between items
    assert len(pull(created_at=list(DAY), xcom_max_bytes=stored)) == len(emulator.ids(created_at=DAY_INCLUSIVE))
    with pytest.raises(ClueValidationError, match=f"XCom limit of {stored - 1} bytes"):
        pull(created_at=list(DAY), xcom_max_bytes=stored - 1)


# -- JSON Lines files -------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_json_lines_file_holds_every_record_and_field(emulator, tmp_path, suffix):
    context = execution_context()
    summary = pull(created_at=list(DAY), destination=f"file://{tmp_path}/out/{{start_date}}{suffix}", context=context)
    path = tmp_path / "out" / f"2026-10-02{suffix}"
    assert summary["uri"] == f"file://{path}"
    assert summary["count"] == len(emulator.records(created_at=DAY_INCLUSIVE))
    assert summary["created_at"] == ["2026-10-02T00:00:00+08:00", "2026-10-03T00:00:00+08:00"]
    assert summary["api_created_at"] == list(DAY_INCLUSIVE)
    assert read_file_records(path) == emulator.records(created_at=DAY_INCLUSIVE)
    if suffix == ".jsonl":
        assert emulator.records(created_at=DAY_INCLUSIVE)[0]["name"].encode() in path.read_bytes()
    assert sorted(p.name for p in path.parent.iterdir()) == [f".{path.name}.clue.json", path.name]


def test_placeholders_name_user_stage_and_window(emulator, tmp_path):
    summary = pull(created_at=list(DAY), destination=f"file://{tmp_path}/{{stage}}/{{user_id}}/{{start}}_{{end}}.jsonl")
    assert summary["uri"] == f"file://{tmp_path}/clue/{emulator.user_id}/2026-10-02T000000_2026-10-03T000000.jsonl"


def test_failure_mid_pull_leaves_no_file(make_emulator, monkeypatch, tmp_path):
    emulator = make_emulator(records=2000, token=TOKEN, max_per_page=25)
    point_clue_default_at(emulator, monkeypatch, max_retries=1)
    emulator.on_page(lambda user, stage, page: page == 2 and emulator.fail_next("server_error", 10))
    with pytest.raises(ClueServerError):
        pull(created_at=list(DAY), destination=f"file://{tmp_path}/out/day.jsonl", per_page=10)
    assert len(emulator.requests) > 3
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize(
    ("destination", "allowed"),
    [
        ("file:///tmp/clues.json", r"\.jsonl \(or \.ndjson, \.jsonl\.gz\), or \.parquet"),
        ("file://tmp/clues.jsonl", r"write file:/// and the absolute path"),
    ],
)
def test_a_destination_that_would_mislead_is_refused_when_the_dag_is_parsed(destination, allowed):
    with pytest.raises(ClueValidationError, match=allowed) as err:
        ClueSearchOperator(task_id="pull", created_at=list(DAY), destination=destination)
    assert err.value.field == "destination"


def test_a_chinese_folder_is_written_and_carries_a_valid_asset_uri(emulator, tmp_path):
    destination = f"file://{tmp_path}/线索/{{start_date}}.jsonl"
    operator = ClueSearchOperator(task_id="pull", created_at=list(DAY), destination=destination)
    [asset] = operator.outlets
    assert asset.uri == f"file://{tmp_path}/%E7%BA%BF%E7%B4%A2" and asset.uri.isascii()
    context = execution_context()
    summary = operator.execute(context)
    path = tmp_path / "线索" / "2026-10-02.jsonl"
    assert summary["uri"] == f"file://{path}"
    assert read_file_records(path) == emulator.records(created_at=DAY_INCLUSIVE)
    assert context["outlet_events"][asset].extra["uri"] == summary["uri"]


@pytest.mark.parametrize(
    ("destination", "problem"),
    [
        ("s3:///clues/{start_date}.jsonl", r"names no bucket .* write s3://<bucket>/<path>"),
        ("gs://clue-bucket/clues/{start_date}.jsonl",
         r"no installed filesystem handles gs:// .*install apache-airflow-providers-google with gcsfs"),
        ("file:///proc/线索/{start_date}.jsonl",
         r"the folder of 'file:///proc/线索/2026-10-02.jsonl' cannot be created"),
    ],
    ids=["no-bucket", "no-filesystem", "folder-cannot-be-made"],
)
def test_a_destination_that_cannot_be_written_is_refused_before_any_request(emulator, destination, problem):
    operator = ClueSearchOperator(task_id="pull", created_at=list(DAY))
    operator.destination = destination  # as rendered: a template hides it from the check at parse time
    with pytest.raises(ClueDestinationError, match=problem) as err:
        operator.execute(execution_context())
    assert err.value.field == "destination"
    assert emulator.requests == []


def test_a_record_beside_the_object_that_cannot_be_read_is_a_destination_error_before_any_request(emulator, tmp_path):
    (tmp_path / ".2026-10-02.jsonl.clue.json").mkdir()  # storage answers, but not with the record
    unreadable = r"the record \.2026-10-02\.jsonl\.clue\.json beside .* cannot be read \(IsADirectoryError"
    with pytest.raises(ClueDestinationError, match=unreadable):
        pull(created_at=list(DAY), destination=f"file://{tmp_path}/{{start_date}}.jsonl")
    assert emulator.requests == []


def test_lookback_reads_further_back_but_names_the_object_by_the_runs_own_window(emulator, tmp_path):
    summary = pull(created_at=list(DAY), lookback=timedelta(hours=1), destination=f"file://{tmp_path}/{{start_date}}.jsonl")
    assert summary["uri"] == f"file://{tmp_path}/2026-10-02.jsonl"
    assert summary["created_at"] == ["2026-10-02T00:00:00+08:00", "2026-10-03T00:00:00+08:00"]
    assert summary["pulled_created_at"] == ["2026-10-01T23:00:00+08:00", "2026-10-03T00:00:00+08:00"]
    ids = {r["id"] for r in read_file_records(tmp_path / "2026-10-02.jsonl")}
    assert ids == emulator.ids(created_at=("2026-10-01 23:00:00", "2026-10-02 23:59:59"))
    assert not (tmp_path / "2026-10-01.jsonl").exists()


def test_an_object_of_another_window_is_never_replaced(emulator, tmp_path):
    destination = f"file://{tmp_path}/{{start_date}}.jsonl"
    morning = pull(created_at=["2026-10-02 00:00:00", "2026-10-02 12:00:00"], destination=destination)
    before, requests = (tmp_path / "2026-10-02.jsonl").read_bytes(), len(emulator.requests)
    with pytest.raises(ClueValidationError, match=r"would share one object, so it is not replaced") as err:
        pull(created_at=["2026-10-02 12:00:00", "2026-10-03 00:00:00"], destination=destination)
    assert err.value.field == "destination" and "{start}" in str(err.value)
    assert "(another window): " in str(err.value)  # says what differs, not only two digests
    assert len(emulator.requests) == requests, "refused before any request"
    assert (tmp_path / "2026-10-02.jsonl").read_bytes() == before and morning["count"] > 0


def test_an_object_of_another_account_is_never_replaced(make_emulator, monkeypatch, tmp_path):
    other = "0b7e7f58-59a4-4d3e-9c59-0a9a4e3c2f11"
    emulator = make_emulator(records=300, token=TOKEN, user_ids=["40863af8-db4a-41c6-a269-eb5bc386d97f", other])
    point_clue_default_at(emulator, monkeypatch)
    pull(created_at=list(DAY), destination=f"file://{tmp_path}/day.jsonl")
    with pytest.raises(ClueValidationError, match=f"of user {emulator.user_id} stage 'clue', query #[0-9a-f]+, but"
                       r".*\(another account\): "):
        pull(created_at=list(DAY), user_id=other, destination=f"file://{tmp_path}/day.jsonl")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"filters": {"ai_call": 1}}, {"filters": {"ai_call": 0}}),
        ({"filters": {"operator": [1]}}, {"filters": {"operator": [2, 3]}}),
        ({}, {"phone_output": "mask"}),
        ({}, {"max_records": 3}),
        ({}, {"lookback": timedelta(hours=1)}),
    ],
    ids=["ai_call", "operator", "phone_output", "max_records", "lookback"],
)
def test_an_object_of_other_filters_or_phone_output_is_never_replaced(emulator, tmp_path, first, second):
    destination = f"file://{tmp_path}/{{start_date}}.jsonl"
    pull(created_at=list(DAY), destination=destination, **first)
    before, requests = (tmp_path / "2026-10-02.jsonl").read_bytes(), len(emulator.requests)
    with pytest.raises(ClueValidationError, match="stages or queries would share one object"):
        pull(created_at=list(DAY), destination=destination, **second)
    assert (tmp_path / "2026-10-02.jsonl").read_bytes() == before and len(emulator.requests) == requests
    pull(created_at=list(DAY), destination=destination, **first)  # the same query replaces its own object


def test_another_phone_hash_key_is_another_query_and_the_order_of_codes_is_not(make_emulator, monkeypatch, tmp_path):
    emulator = make_emulator(records=300, token=TOKEN)
    destination = f"file://{tmp_path}/{{start_date}}.jsonl"
    point_clue_default_at(emulator, monkeypatch, phone_hash_secret="key-one")
    pull(created_at=list(DAY), destination=destination, phone_output="hash", filters={"operator": [1, 3]})
    pull(created_at=list(DAY), destination=destination, phone_output="hash", filters={"operator": [3, 1]})
    point_clue_default_at(emulator, monkeypatch, phone_hash_secret="key-two")
    with pytest.raises(ClueValidationError, match="stages or queries would share one object"):
        pull(created_at=list(DAY), destination=destination, phone_output="hash", filters={"operator": [1, 3]})


def test_a_record_left_by_a_deleted_object_says_so_and_names_itself(emulator, tmp_path):
    destination = f"file://{tmp_path}/{{start_date}}.jsonl"
    pull(created_at=list(DAY), destination=destination)
    (tmp_path / "2026-10-02.jsonl").unlink()
    with pytest.raises(ClueValidationError, match=r"the object is gone, its record stays.*delete \.2026-10-02\.jsonl"):
        pull(created_at=list(DAY), destination=destination, filters={"ai_call": 1})


def test_an_object_storage_path_destination_is_checked_and_filled_in_like_a_uri(emulator, tmp_path):
    from airflow_provider_clue.compat import ObjectStoragePath

    summary = pull(created_at=list(DAY), destination=ObjectStoragePath(f"file://{tmp_path}/osp/{{start_date}}.jsonl"))
    assert summary["uri"] == f"file://{tmp_path}/osp/2026-10-02.jsonl"
    assert read_file_records(tmp_path / "osp" / "2026-10-02.jsonl") == emulator.records(created_at=DAY_INCLUSIVE)
    for name in ("x.json", "x.csv", "{nope}.jsonl"):
        with pytest.raises(ClueValidationError) as err:
            ClueSearchOperator(task_id="p", created_at=list(DAY), destination=ObjectStoragePath(f"file://{tmp_path}/{name}"))
        assert err.value.field == "destination"


def test_each_listed_mapped_destination_records_its_summary_on_the_folders_asset(emulator, tmp_path):
    folder = Asset(uri=f"file://{tmp_path}/listed")
    context = execution_context()
    operator = ClueSearchOperator(
        task_id="pull", created_at=list(DAY), destination=f"file://{tmp_path}/listed/a.jsonl", outlets=[folder]
    )  # as a mapped instance of .expand(destination=[".../listed/a.jsonl", ".../listed/b.jsonl"]) is built
    summary = operator.execute(context)
    assert context["outlet_events"][folder].extra == {key: summary[key] for key in ("uri", "count", "created_at")}


@pytest.mark.parametrize(
    ("folder", "encoded"),
    [("a b", "a%20b"), ("a%20b", "a%2520b"), ("100%_线索", "100%25_%E7%BA%BF%E7%B4%A2"), ("a#b?c", "a%23b%3Fc")],
)
def test_every_folder_name_has_an_asset_uri_of_its_own(folder, encoded):
    [asset] = ClueSearchOperator(task_id="p", destination=f"file:///data/{folder}/{{start}}.jsonl").outlets
    assert asset.uri == f"file:///data/{encoded}"


def test_an_object_that_no_pull_recorded_is_not_replaced(emulator, tmp_path):
    (tmp_path / "day.jsonl").write_text("mine\n")
    with pytest.raises(ClueValidationError, match="has no record of the clues it holds"):
        pull(created_at=list(DAY), destination=f"file://{tmp_path}/day.jsonl")
    assert (tmp_path / "day.jsonl").read_text() == "mine\n" and emulator.requests == []


@EXECUTE_FROM_ANY_THREAD  # the other window's pull runs in the emulator's thread
def test_a_pull_that_finishes_after_another_window_took_the_object_is_refused(emulator, tmp_path):
    destination = f"file://{tmp_path}/day.jsonl"
    landed: list[Any] = []

    def other_window_lands_first(user_id: str, stage: str, page: int) -> None:
        if page == 2 and not landed:
            landed.append(None)
            pull(created_at=["2026-10-05", "2026-10-06"], destination=destination)

    emulator.on_page(other_window_lands_first)
    with pytest.raises(ClueValidationError, match="would share one object"):
        pull(created_at=list(DAY), destination=destination)
    ids = {r["id"] for r in read_file_records(tmp_path / "day.jsonl")}
    assert ids == emulator.ids(created_at=("2026-10-05 00:00:00", "2026-10-05 23:59:59"))
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_rerun_replaces_the_object(emulator, tmp_path):
    destination = f"file://{tmp_path}/day.jsonl"
    pull(created_at=list(DAY), destination=destination)
    gone = [r["id"] for r in emulator.records(created_at=DAY_INCLUSIVE)[:5]]
    emulator.delete(gone)
    summary = pull(created_at=list(DAY), destination=destination)
    ids = {r["id"] for r in read_file_records(tmp_path / "day.jsonl")}
    assert ids == emulator.ids(created_at=DAY_INCLUSIVE) and not ids & set(gone)
    assert summary["count"] == len(ids)


# -- assets ---------------------------------------------------------------------------------------


def test_destination_folder_is_the_asset_outlet_and_gets_the_event(emulator, tmp_path):
    templated = f"file://{tmp_path}/d/{{{{ ds }}}}.jsonl"
    operator = ClueSearchOperator(task_id="pull", created_at=list(DAY), destination=templated)
    assert operator.outlets == [Asset(uri=f"file://{tmp_path}/d")]
    operator.destination = f"file://{tmp_path}/d/2026-10-02.jsonl"  # as rendered
    context = execution_context()
    summary = operator.execute(context)
    event = context["outlet_events"][operator.outlets[0]]
    assert event.extra == {key: summary[key] for key in ("uri", "count", "created_at")}


def test_given_outlets_are_kept_and_a_templated_root_has_no_asset():
    mine = Asset(uri="s3://bucket/mine")
    assert ClueSearchOperator(task_id="a", destination="s3://b/c/x.jsonl", outlets=[mine]).outlets == [mine]
    assert ClueSearchOperator(task_id="b", destination="{{ var.value.root }}/x.jsonl").outlets == []
    assert ClueSearchOperator(task_id="c").outlets == []


# -- logs -----------------------------------------------------------------------------------------


def test_logs_name_the_window_and_progress_but_no_personal_data(emulator, tmp_path, capsys, caplog):
    pull(created_at=list(DAY), destination=f"file://{tmp_path}/day.jsonl")
    logged = capsys.readouterr().out + caplog.text
    assert "Window [2026-10-02T00:00:00+08:00, 2026-10-03T00:00:00+08:00) from the created_at argument" in logged
    assert "created_at [2026-10-02 00:00:00, 2026-10-02 23:59:59] (Asia/Shanghai)" in logged
    assert "Pulled: " in logged and " pages in 1 slices (1 passes)" in logged
    for record in emulator.records(created_at=DAY_INCLUSIVE):
        assert record["phone"] not in logged
        assert not record["email"] or record["email"] not in logged
    assert TOKEN not in logged


@pytest.mark.parametrize("destination", [None, "file"])
def test_phone_numbers_can_land_masked(emulator, tmp_path, destination):
    uri = f"file://{tmp_path}/day.jsonl" if destination else None
    result = pull(created_at=list(DAY), destination=uri, phone_output="mask")
    records = read_file_records(tmp_path / "day.jsonl") if destination else result
    phones = {r["id"]: r["phone"] for r in emulator.records(created_at=DAY_INCLUSIVE)}
    assert records and all(r["phone"] == phones[r["id"]][:3] + "****" + phones[r["id"]][-4:] for r in records)


def test_phone_numbers_can_land_hashed_with_the_connections_secret(make_emulator, monkeypatch, tmp_path):
    emulator = make_emulator(records=300, token=TOKEN, max_per_page=40)
    point_clue_default_at(emulator, monkeypatch, phone_hash_secret="s3cret-key")
    records = pull(created_at=list(DAY), phone_output="hash")
    raw = {r["id"]: r["phone"] for r in emulator.records(created_at=DAY_INCLUSIVE)}
    assert records and all(r["phone"].startswith("hmac-sha256:") and raw[r["id"]] not in r["phone"] for r in records)


def test_hashed_phones_without_a_secret_fail_before_any_request(emulator):
    with pytest.raises(ClueConfigurationError, match=r"extra\.phone_hash_secret"):
        pull(created_at=list(DAY), phone_output="hash")
    assert emulator.requests == []


def test_a_window_holding_the_repeated_hour_whole_pulls_both_passes_and_one_inside_it_is_refused(
    make_emulator, monkeypatch
):
    emulator = make_emulator(records=0, token=TOKEN, timezone="Europe/Berlin")
    point_clue_default_at(emulator, monkeypatch, timezone="Europe/Berlin")
    first_pass, second_pass = (datetime(2026, 10, 25, hour, 30, tzinfo=timezone.utc) for hour in (0, 1))
    inserted = {r["id"] for moment in (first_pass, second_pass) for r in emulator.insert(3, created_at=moment)}
    assert {r["created_at"] for r in emulator.records()} == {"2026-10-25 02:30:00"}  # the same wall clock twice
    whole = [datetime(2026, 10, 24, 23, tzinfo=timezone.utc), datetime(2026, 10, 25, 2, tzinfo=timezone.utc)]
    assert {r["id"] for r in pull(created_at=whole)} == inserted
    with pytest.raises(ClueValidationError, match="repeats when summer time ends"):
        pull(created_at=[second_pass - timedelta(minutes=30), second_pass + timedelta(minutes=30)])
    assert len(emulator.requests) == 1


@pytest.mark.parametrize("laravel_dates", [False, True], ids=["wall-clock-dates", "laravel-dates"])
def test_the_day_summer_time_ends_is_pulled_exactly_even_with_a_bulk_import_in_its_repeated_hour(
    make_emulator, monkeypatch, laravel_dates
):
    emulator = make_emulator(
        records=5000, token=TOKEN, timezone="Europe/Berlin", shuffle_ties=True, max_per_page=50,
        laravel_dates=laravel_dates,
    )
    point_clue_default_at(emulator, monkeypatch, timezone="Europe/Berlin")
    for hour in (0, 1):  # 02:30 in both passes of the repeated hour, and a bulk import in the second
        emulator.insert(3, created_at=datetime(2026, 10, 25, hour, 30, tzinfo=timezone.utc))
    emulator.insert(200, created_at=datetime(2026, 10, 25, 1, 45, tzinfo=timezone.utc))
    ids = [r["id"] for r in pull(created_at=["2026-10-25", "2026-10-26"], per_page=50, max_concurrency=4)]
    assert len(ids) == len(set(ids))
    assert set(ids) == emulator.ids(created_at=("2026-10-25 00:00:00", "2026-10-25 23:59:59"))
    assert len(emulator.ids(created_at=("2026-10-25 02:00:00", "2026-10-25 02:59:59"))) >= 206


# -- runs triggered by ClueEventTrigger's asset events -----------------------------------------------


def watched_asset() -> Asset:
    """The asset a ClueEventTrigger watches, as the DAG that declares it holds it."""
    from airflow.sdk import AssetWatcher

    from airflow_provider_clue.triggers.clue import ClueEventTrigger

    return Asset(name="new_clues", watchers=[AssetWatcher(name="new_clues_watcher", trigger=ClueEventTrigger())])


def announced(start: str, end: str, count: int = 0) -> dict[str, Any]:
    return {"created_at": [start, end], "count": count}


@EVENT_TRIGGERS  # asset watchers: Airflow 3
def test_a_run_triggered_by_announced_windows_pulls_their_union_to_one_object(emulator, tmp_path):
    watched = Asset(name="new_clues", uri="clue://pool/new")
    first, second = ("2026-10-02T09:00:00+08:00", "2026-10-02T09:30:00+08:00"), ("2026-10-02T09:30:00+08:00",
                                                                                 "2026-10-02T11:00:00+08:00")
    events = triggering_asset_events(watched, announced(*second), announced(*first), announced(*second))
    operator = ClueSearchOperator(task_id="pull", destination=f"file://{tmp_path}/新线索/{{start}}_{{end}}.jsonl")
    context = execution_context(triggering_asset_events=events)
    summary = operator.execute(context)
    assert summary["created_at"] == ["2026-10-02T09:00:00+08:00", "2026-10-02T11:00:00+08:00"]
    path = tmp_path / "新线索" / "2026-10-02T090000_2026-10-02T110000.jsonl"
    assert summary["uri"] == f"file://{path}"
    assert read_file_records(path) == emulator.records(created_at=("2026-10-02 09:00:00", "2026-10-02 10:59:59"))
    [asset] = operator.outlets
    assert context["outlet_events"][asset].extra["created_at"] == summary["created_at"]

    again = ClueSearchOperator(task_id="pull", destination=f"file://{tmp_path}/新线索/{{start}}_{{end}}.jsonl")
    assert again.execute(execution_context(triggering_asset_events=triggering_asset_events(
        watched, announced(*first), announced(*second))))["uri"] == summary["uri"], "re-announced: same object"


@EVENT_TRIGGERS  # asset watchers: Airflow 3
def test_announced_windows_with_a_gap_fail_before_any_request(emulator):
    watched = Asset(name="new_clues", uri="clue://pool/new")
    events = triggering_asset_events(
        watched, announced("2026-10-02T09:00:00+08:00", "2026-10-02T09:30:00+08:00"),
        announced("2026-10-02T09:31:00+08:00", "2026-10-02T10:00:00+08:00"),
    )
    with pytest.raises(ClueValidationError, match="gap") as raised:
        pull(context=execution_context(triggering_asset_events=events))
    assert raised.value.field == "created_at" and "new_clues" in str(raised.value)
    assert emulator.requests == []


@EVENT_TRIGGERS  # asset watchers: Airflow 3
def test_explicit_created_at_wins_over_announced_windows(emulator):
    events = triggering_asset_events(Asset(name="new_clues", uri="clue://pool/new"),
                                     announced("2026-10-02T09:00:00+08:00", "2026-10-02T09:30:00+08:00"))
    records = pull(created_at=list(DAY), context=execution_context(triggering_asset_events=events))
    assert [r["id"] for r in records] == [r["id"] for r in emulator.records(created_at=DAY_INCLUSIVE)]


@EVENT_TRIGGERS  # asset watchers: Airflow 3
def test_a_destination_naming_no_window_is_refused_in_a_dag_scheduled_on_assets(tmp_path):
    from tests.version_gates import DAG

    with DAG("asset_scheduled", schedule=[watched_asset()]):
        for allowed in ("{start}_{end}", "{start}", "{{ run_id }}"):
            ClueSearchOperator(task_id=f"ok_{len(allowed)}", destination=f"file://{tmp_path}/{allowed}.jsonl")
        with pytest.raises(ClueValidationError, match="scheduled on assets") as raised:
            ClueSearchOperator(task_id="pull", destination=f"file://{tmp_path}/{{start_date}}.jsonl")
    assert raised.value.field == "destination"


@EVENT_TRIGGERS  # asset watchers: Airflow 3
def test_a_run_of_an_asset_scheduled_dag_without_announced_windows_says_to_pass_created_at(emulator):
    from types import SimpleNamespace

    from tests.version_gates import DAG

    with DAG("asset_scheduled_manual", schedule=[watched_asset()]) as dag:
        operator = ClueSearchOperator(task_id="pull")
    now = datetime.now(timezone.utc)
    context = execution_context(dag=dag, dag_run=SimpleNamespace(run_after=now, start_date=now),
                                triggering_asset_events={})
    with pytest.raises(ClueValidationError, match="no ClueEventTrigger event triggered it") as raised:
        operator.execute(context)
    assert raised.value.field == "created_at" and emulator.requests == []


# -- a watcher's windows, however Airflow grouped its events into runs --------------------------------

WATCHER = "clue_event_watermark_0123456789abcdef0123456789abcdef"
T = [f"2026-10-02T{hour:02d}:00:00+08:00" for hour in range(8, 16)]  # window edges, an hour apart


def keyed(start: str, end: str) -> dict[str, Any]:
    return {"created_at": [start, end], "count": 1, "watcher": WATCHER}


def watcher_at(variables: Any, watermark: str, announced: dict[str, Any] | None = None) -> None:
    """The watcher's cursor as the triggerer left it: its next window starts at ``watermark``."""
    import json

    variables.values[WATCHER] = json.dumps({"watermark": watermark, "announced": announced})


def event_run(run_id: str, *windows: dict[str, Any], map_index: int = -1) -> dict[str, Any]:
    from types import SimpleNamespace

    ti = SimpleNamespace(dag_id="on_new_clues", task_id="pull", run_id=run_id, map_index=map_index)
    events = triggering_asset_events(Asset(name="new_clues", uri="clue://pool/new"), *windows)
    return execution_context(triggering_asset_events=events, ti=ti)


def pulled_window(emulator: Any, start: str, end: str) -> set[str]:
    first = datetime.fromisoformat(start).strftime("%Y-%m-%d %H:%M:%S")
    last = (datetime.fromisoformat(end) - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")
    return emulator.ids(created_at=(first, last))


@EVENT_TRIGGERS  # asset watchers: Airflow 3
def test_a_run_reads_on_to_the_watchers_latest_window_and_the_next_skips_what_it_pulled(
    emulator, tmp_path, clue_variables
):
    """max_active_runs=1: a run queued for the second window starts after the third and fourth were announced
    (they joined its queue entry, and reach no run of their own until a fifth): it pulls them too."""
    from airflow_provider_clue.compat import AirflowSkipException

    destination = f"file://{tmp_path}/{{start}}_{{end}}.jsonl"
    watcher_at(clue_variables, T[1])
    first = pull(destination=destination, context=event_run("run_1", keyed(T[0], T[1])))
    assert first["created_at"] == [T[0], T[1]]
    watcher_at(clue_variables, T[4])  # windows 2, 3 and 4 announced meanwhile
    second = pull(destination=destination, context=event_run("run_2", keyed(T[1], T[2])))
    assert second["created_at"] == [T[1], T[4]]
    with pytest.raises(AirflowSkipException, match=r"Nothing new to pull: .*an earlier run pulled up to"):
        pull(destination=destination, context=event_run("run_3", keyed(T[2], T[3]), keyed(T[3], T[4])))
    watcher_at(clue_variables, T[5], announced=keyed(T[5], T[6]))  # the sixth announced, not yet done
    fourth = pull(destination=destination, context=event_run("run_4", keyed(T[4], T[5])))
    assert fourth["created_at"] == [T[4], T[6]]
    objects = sorted(path.name for path in tmp_path.glob("*.jsonl"))
    assert len(objects) == 3
    ids = [record["id"] for path in tmp_path.glob("*.jsonl") for record in read_file_records(path)]
    assert len(ids) == len(set(ids)) and set(ids) == pulled_window(emulator, T[0], T[6])


@EVENT_TRIGGERS  # asset watchers: Airflow 3
def test_a_cleared_run_pulls_its_own_window_again_and_a_failed_one_is_covered_by_the_next(
    emulator, tmp_path, clue_variables
):
    destination = f"file://{tmp_path}/{{start}}_{{end}}.jsonl"
    watcher_at(clue_variables, T[2])
    first = pull(destination=destination, context=event_run("run_1", keyed(T[0], T[1])))
    assert first["created_at"] == [T[0], T[2]]
    emulator.fail_next("server_error", 99)
    watcher_at(clue_variables, T[3])
    with pytest.raises(ClueServerError):
        pull(destination=destination, context=event_run("run_2", keyed(T[2], T[3])))
    emulator.clear_faults()
    watcher_at(clue_variables, T[4])
    third = pull(destination=destination, context=event_run("run_3", keyed(T[3], T[4])))
    assert third["created_at"] == [T[2], T[4]], "the failed run's window too"
    cleared = pull(destination=destination, context=event_run("run_1", keyed(T[0], T[1])))
    assert cleared["created_at"] == first["created_at"] and cleared["uri"] == first["uri"]


@EVENT_TRIGGERS  # asset watchers: Airflow 3
def test_a_gap_left_by_a_watcher_that_started_over_is_pulled(emulator, tmp_path, clue_variables):
    destination = f"file://{tmp_path}/{{start}}_{{end}}.jsonl"
    watcher_at(clue_variables, T[1])
    pull(destination=destination, context=event_run("run_1", keyed(T[0], T[1])))
    del clue_variables.values[WATCHER]  # the watcher's cursor deleted: it started again at now
    later = pull(destination=destination, context=event_run("run_2", keyed(T[5], T[6])))
    assert later["created_at"] == [T[1], T[6]]


@EVENT_TRIGGERS  # asset watchers: Airflow 3
def test_mapped_instances_keep_records_of_their_own(emulator, tmp_path, clue_variables):
    destination = f"file://{tmp_path}/{{map}}/{{start}}_{{end}}.jsonl"
    watcher_at(clue_variables, T[2])
    for map_index in (0, 1):
        summary = pull(destination=destination.replace("{map}", str(map_index)),
                       context=event_run("run_1", keyed(T[0], T[1]), map_index=map_index))
        assert summary["created_at"] == [T[0], T[2]]


@EVENT_TRIGGERS  # asset watchers: Airflow 3
def test_events_of_two_watchers_in_one_run_fail_before_any_request(emulator, clue_variables):
    other = {**keyed(T[1], T[2]), "watcher": "clue_event_watermark_ffffffffffffffffffffffffffffffff"}
    with pytest.raises(ClueValidationError, match="windows of two ClueEventTriggers") as raised:
        pull(context=event_run("run_1", keyed(T[0], T[1]), other))
    assert raised.value.field == "created_at" and emulator.requests == []


@EVENT_TRIGGERS  # asset watchers: Airflow 3
def test_a_pull_of_a_dag_scheduled_on_a_watched_asset_runs_one_instance_at_a_time(tmp_path):
    import warnings

    from airflow.sdk import DAG, AssetWatcher

    from airflow_provider_clue.triggers.clue import ClueEventTrigger

    watched = Asset(name="new_clues", watchers=[AssetWatcher(name="w", trigger=ClueEventTrigger())])
    destination = f"file://{tmp_path}/{{start}}_{{end}}.jsonl"
    with DAG("on_new_clues", schedule=[watched]), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ClueSearchOperator(task_id="pull", destination=destination).max_active_tis_per_dag == 1
        assert ClueSearchOperator(task_id="given", destination=destination,
                                  max_active_tis_per_dag=4).max_active_tis_per_dag == 4
        assert ClueSearchOperator(task_id="window", created_at=list(DAY),
                                  destination=destination).max_active_tis_per_dag is None
        per_account = f"file://{tmp_path}/{{user_id}}/{{start}}.jsonl"
        mapped = ClueSearchOperator.partial(task_id="mapped", destination=per_account).expand(
            user_id=["40863af8-db4a-41c6-a269-eb5bc386d97f"])
        assert mapped.max_active_tis_per_dag == 1


@EVENT_TRIGGERS  # asset watchers: Airflow 3
@pytest.mark.parametrize("mapped", [False, True], ids=["task", "mapped"])
def test_a_watched_asset_declared_again_without_its_watcher_or_named_by_a_reference_is_warned_about(tmp_path, mapped):
    from tests.version_gates import DAG

    destination = f"file://{tmp_path}/{{user_id}}/{{start}}_{{end}}.jsonl"

    def pull_task(task_id: str) -> Any:
        if mapped:
            return ClueSearchOperator.partial(task_id=task_id, destination=destination).expand(
                user_id=["40863af8-db4a-41c6-a269-eb5bc386d97f"])
        return ClueSearchOperator(task_id=task_id, destination=destination)

    with DAG("second_consumer", schedule=[Asset(name="new_clues")]), pytest.warns(
        UserWarning, match=r"second_consumer\.pull: .*Asset\(name='new_clues'\) declared here without a watcher.*"
                           r"in a module both DAG files import"
    ):
        pull_task("pull")
    with DAG("by_reference", schedule=[Asset.ref(name="new_clues")]), pytest.warns(
        UserWarning, match=r"by_reference\.pull: the DAG is scheduled on Asset\.ref\(name='new_clues'\), and Airflow "
                           r"gives a run of such a DAG none of the asset's events"
    ):
        pull_task("pull")


@EVENT_TRIGGERS  # asset watchers: Airflow 3
def test_a_mapped_pull_given_its_arguments_at_run_time_runs_one_instance_at_a_time_too(tmp_path):
    from airflow.sdk import DAG, AssetWatcher, task

    from airflow_provider_clue.triggers.clue import ClueEventTrigger

    watched = Asset(name="new_clues", watchers=[AssetWatcher(name="w", trigger=ClueEventTrigger())])
    with DAG("on_new_clues", schedule=[watched]):
        @task
        def accounts() -> list[dict[str, str]]:
            return [{"user_id": "40863af8-db4a-41c6-a269-eb5bc386d97f"}]

        mapped = ClueSearchOperator.partial(
            task_id="pull", destination=f"file://{tmp_path}/{{user_id}}/{{start}}.jsonl"
        ).expand_kwargs(accounts())
    assert mapped.max_active_tis_per_dag == 1
