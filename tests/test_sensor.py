"""ClueSensor (poke, reschedule, deferrable) and ClueTrigger against the emulator."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl

import pendulum
import pytest

from airflow_provider_clue.api.filter_probe import PROBE_SECOND
from airflow_provider_clue.compat import (
    AirflowException,
    AirflowFailException,
    AirflowRescheduleException,
    AirflowSensorTimeout,
    AirflowSkipException,
    TaskDeferred,
    deserialize,
    serialize,
)
from airflow_provider_clue.sensors.clue import ClueSensor
from airflow_provider_clue.triggers.clue import ClueTrigger
from tests.operator_support import TOKEN, first_event, point_clue_default_at
from tests.operator_support import sensor_context as context
from tests.version_gates import RESCHEDULE_READS_THE_DB, TASK_SDK

EMPTY_DAY = ["2026-11-10 00:00:00", "2026-11-11 00:00:00"]  # after the emulator's records


@pytest.fixture
def emulator(make_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    emulator = make_emulator(records=500, token=TOKEN)
    point_clue_default_at(emulator, monkeypatch, max_retries=2)
    return emulator


def sensor(**kwargs: Any) -> ClueSensor:
    return ClueSensor(task_id="wait", **{"created_at": EMPTY_DAY, "poke_interval": 0.2, "timeout": 20, **kwargs})


def insert_after_requests(emulator: Any, requests: int, count: int = 1) -> None:
    """Insert ``count`` clues into EMPTY_DAY right after the emulator answers its ``requests``-th page."""
    answered = itertools.count(1)

    def listener(user_id: str, stage: str, page: int) -> None:
        if next(answered) == requests:
            emulator.insert(count, created_at="2026-11-10 09:30:00")

    emulator.on_page(listener)


def is_probe(request: Any) -> bool:
    """Whether ``request`` is the count that proves the filters arrive before a wait is released."""
    return json.loads(request.body or "{}").get("created_at") == list(PROBE_SECOND)


# -- poke and reschedule ----------------------------------------------------------------------------


def test_poke_mode_waits_until_clues_arrive(emulator):
    insert_after_requests(emulator, requests=2, count=2)
    result = sensor(min_count=2).execute(context())
    assert result == {"count": 2, "created_at": ["2026-11-10T00:00:00+08:00", "2026-11-11T00:00:00+08:00"]}
    assert [is_probe(r) for r in emulator.requests] == [False, False, False, True]  # the probe before release
    assert all(dict(parse_qsl(r.query))["per_page"] == "1" for r in emulator.requests)


def test_each_poke_counts_with_the_filters_and_window(emulator):
    emulator.insert(1, created_at="2026-11-10 08:00:00", sex=2)
    emulator.insert(1, created_at="2026-11-10 09:00:00", sex=1)
    assert sensor(filters={"sex": [2]}).execute(context())["count"] == 1
    count, probe = (json.loads(r.body) for r in emulator.requests[-2:])
    assert count == {"sex": [2], "created_at": ["2026-11-10 00:00:00", "2026-11-10 23:59:59"]}
    assert probe == {"sex": [2], "created_at": list(PROBE_SECOND)}


@RESCHEDULE_READS_THE_DB
def test_reschedule_mode_gives_back_the_slot_until_clues_arrive(emulator):
    waiting = sensor(mode="reschedule")
    with pytest.raises(AirflowRescheduleException):
        waiting.execute(context())
    emulator.insert(1, created_at="2026-11-10 12:00:00")
    assert waiting.execute(context())["count"] == 1


def test_default_window_runs_from_the_run_window_start_to_now(emulator):
    start = pendulum.datetime(2026, 11, 9, 16, tz="UTC")
    emulator.insert(1, created_at="2026-11-10 00:00:00")
    result = sensor(created_at=None).execute(
        context(data_interval_start=start, data_interval_end=start.add(days=1))
    )
    assert result["created_at"][0] == "2026-11-10T00:00:00+08:00"
    end = datetime.fromisoformat(result["created_at"][1])
    assert abs(end - datetime.now(timezone.utc)) < timedelta(seconds=30)


def test_timeout_raises_the_sensor_timeout_and_soft_fail_skips(emulator):
    with pytest.raises(AirflowSensorTimeout):
        sensor(timeout=0.5).execute(context())
    with pytest.raises(AirflowSkipException):
        sensor(timeout=0.5, soft_fail=True).execute(context())


def test_a_refused_token_fails_at_once(emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_CLUE_DEFAULT", emulator.connection_json().replace(TOKEN, "wrong-token"))
    with pytest.raises(AirflowFailException, match="HTTP status 401"):
        sensor().execute(context())
    assert len(emulator.requests) == 1


@pytest.mark.parametrize("deferrable", [False, True])
def test_a_token_outside_ascii_fails_at_once_without_a_request(emulator, monkeypatch, deferrable):
    monkeypatch.setenv("AIRFLOW_CONN_CLUE_DEFAULT", emulator.connection_json().replace(TOKEN, "secret线索token"))
    with pytest.raises(AirflowFailException, match=r"password: .*printable ASCII") as err:
        sensor(deferrable=deferrable).execute(context())
    assert "secret线索token" not in str(err.value)
    assert emulator.requests == []


def test_bad_input_fails_at_once_without_a_request(emulator):
    with pytest.raises(AirflowFailException, match=r"filters\.sex"):
        sensor(filters={"sex": [7]}).execute(context())
    with pytest.raises(AirflowFailException, match="min_count"):
        sensor(min_count=0).execute(context())
    assert emulator.requests == []


def test_transient_errors_are_retried_within_a_poke(emulator):
    emulator.insert(1, created_at="2026-11-10 12:00:00")
    emulator.fail_next("server_error", 2)
    assert sensor().execute(context())["count"] == 1
    assert [r.status for r in emulator.requests] == [500, 500, 200, 200]  # the count's tries, then the probe


# -- deferrable ---------------------------------------------------------------------------------------


def test_deferrable_pokes_once_then_defers_with_the_timeout(emulator):
    with pytest.raises(TaskDeferred) as deferred:
        sensor(deferrable=True, timeout=600).execute(context())
    assert len(emulator.requests) == 1
    assert deferred.value.method_name == "execute_complete"
    assert deferred.value.timeout == timedelta(seconds=600)
    classpath, kwargs = deferred.value.trigger.serialize()
    assert classpath == "airflow_provider_clue.triggers.clue.ClueTrigger"
    assert deserialize(serialize(kwargs)) == kwargs
    assert TOKEN not in json.dumps(serialize(kwargs))
    window = [datetime.fromisoformat(kwargs[bound]) for bound in ("start", "end")]
    assert window == [datetime.fromisoformat(t) for t in ("2026-11-10T00:00:00+08:00", "2026-11-11T00:00:00+08:00")]


def test_deferrable_returns_at_once_when_already_satisfied(emulator):
    emulator.insert(1, created_at="2026-11-10 12:00:00")
    assert sensor(deferrable=True).execute(context())["count"] == 1


def test_trigger_waits_for_clues_then_the_sensor_resumes(emulator):
    with pytest.raises(TaskDeferred) as deferred:
        sensor(deferrable=True).execute(context())
    insert_after_requests(emulator, requests=2, count=1)  # the trigger's second check
    event = first_event(deferred.value.trigger)
    assert event["status"] == "success" and event["count"] == 1
    assert [is_probe(r) for r in emulator.requests] == [False, False, False, False, True]
    assert sensor(deferrable=True).execute_complete(context(), event) == {
        "count": 1, "created_at": ["2026-11-10T00:00:00+08:00", "2026-11-11T00:00:00+08:00"]
    }


def test_trigger_retries_transient_errors(emulator):
    trigger = sensor_trigger(emulator)
    emulator.insert(1, created_at="2026-11-10 12:00:00")
    emulator.fail_next("rate_limit", 1)
    emulator.set_faults(retry_after="0")
    assert first_event(trigger)["status"] == "success"
    assert [r.status for r in emulator.requests] == [429, 200, 200]
    assert is_probe(emulator.requests[-1])


def test_trigger_turns_a_refused_token_into_a_fatal_event(emulator, monkeypatch):
    trigger = sensor_trigger(emulator)
    monkeypatch.setenv("AIRFLOW_CONN_CLUE_DEFAULT", emulator.connection_json().replace(TOKEN, "wrong-token"))
    event = first_event(trigger)
    assert event["status"] == "error" and event["fatal"] is True and "401" in event["message"]
    assert "wrong-token" not in event["message"]
    with pytest.raises(AirflowFailException, match="ClueTrigger failed"):
        sensor(deferrable=True).execute_complete(context(), event)
    with pytest.raises(AirflowException):
        sensor(deferrable=True).execute_complete(context(), {**event, "fatal": False})


def test_trigger_does_not_block_the_event_loop(make_emulator, monkeypatch):
    emulator = make_emulator(records=10, token=TOKEN, latency=0.4)
    point_clue_default_at(emulator, monkeypatch)
    trigger = ClueTrigger(clue_conn_id="clue_default", start="2026-11-10T00:00:00+08:00", end=None, min_count=1,
                          filters={}, user_id=None, stage="clue", poke_interval=0.05)
    gaps: list[float] = []

    async def run() -> None:
        async def tick() -> None:
            last = time.monotonic()
            while True:
                await asyncio.sleep(0.02)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        ticker = asyncio.create_task(tick())
        waiting = asyncio.create_task(anext(aiter(trigger.run())))
        await asyncio.sleep(1.5)
        waiting.cancel()
        ticker.cancel()

    asyncio.run(run())
    assert len(emulator.requests) >= 2
    assert max(gaps) < 0.2, f"the event loop stalled for {max(gaps):.2f}s"


def sensor_trigger(emulator: Any) -> ClueTrigger:
    with pytest.raises(TaskDeferred) as deferred:
        sensor(deferrable=True).execute(context())
    emulator.clear_requests()
    return deferred.value.trigger


@TASK_SDK
def test_deferred_wait_that_expires_is_the_sensor_timeout_and_soft_fail_skips(emulator):
    from airflow.sdk.bases.operator import TRIGGER_FAIL_REPR, TriggerFailureReason

    expired = {"error": TriggerFailureReason.TRIGGER_TIMEOUT}
    with pytest.raises(AirflowSensorTimeout):
        sensor(deferrable=True).resume_execution(TRIGGER_FAIL_REPR, expired, context())
    with pytest.raises(AirflowSkipException):
        sensor(deferrable=True, soft_fail=True).resume_execution(TRIGGER_FAIL_REPR, expired, context())


def test_deferrable_first_poke_honours_soft_fail(emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_CLUE_DEFAULT", emulator.connection_json().replace(TOKEN, "wrong-token"))
    with pytest.raises(AirflowSkipException):
        sensor(deferrable=True, soft_fail=True).execute(context())
    with pytest.raises(AirflowFailException):
        sensor(deferrable=True).execute(context())


def test_trigger_without_its_connection_sends_a_fatal_event(emulator):
    trigger = ClueTrigger(clue_conn_id="no_such_connection", start="2026-11-10T00:00:00+08:00", end=None,
                          min_count=1, filters={}, user_id=None, stage="clue", poke_interval=0.1)
    event = first_event(trigger)
    assert event["status"] == "error" and event["fatal"] is True and "no_such_connection" in event["message"]


class TriggererComms:
    """The shape of a triggerer's channel to its supervisor on 3.0 to 3.2: ``send`` is
    ``async_to_sync(asend)``, which refuses to run on the event loop's own thread."""

    def __init__(self) -> None:
        self.masked: list[str] = []

    def send(self, message: Any) -> Any:
        from asgiref.sync import async_to_sync

        return async_to_sync(self.asend)(message)

    async def asend(self, message: Any) -> Any:
        if type(message).__name__ == "MaskSecret":
            self.masked.append(message.value)
        return None


@TASK_SDK
def test_trigger_masks_a_trimmed_token_through_a_triggerers_channel(make_emulator, monkeypatch):
    """A token given with spaces is sent trimmed, so the trigger masks that too; in a 3.0 triggerer
    the sync mask_secret on the loop raised, and the sensor failed at once."""
    from airflow.sdk.execution_time import task_runner

    emulator = make_emulator(records=10, token=TOKEN)
    emulator.insert(1, created_at="2026-11-10 12:00:00")
    monkeypatch.setenv("AIRFLOW_CONN_CLUE_DEFAULT", emulator.connection_json().replace(TOKEN, f"  {TOKEN} "))
    comms = TriggererComms()
    monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", comms, raising=False)
    trigger = ClueTrigger(clue_conn_id="clue_default", start="2026-11-10T00:00:00+08:00", end=None, min_count=1,
                          filters={}, user_id=None, stage="clue", poke_interval=0.1)
    event = first_event(trigger)
    assert event["status"] == "success", event
    assert TOKEN in comms.masked
