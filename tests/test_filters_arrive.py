"""Filters that never reach the server (a proxy dropping GET bodies): counts, single pages, the sensor
in every mode and both triggers fail with the hint, as a pull does, instead of passing on the pool's total.

A record on the page that contradicts the filters (outside ``created_at``, or an enum code not asked
for) is caught at no extra request; a count that would release a wait, whose page cannot prove it,
is proven by one probe first (``api.filter_probe.PROBE_SECOND``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta
from typing import Any

import pendulum
import pytest

from airflow_provider_clue.api.filter_probe import PROBE_SECOND
from airflow_provider_clue.compat import AirflowFailException, TaskDeferred
from airflow_provider_clue.exceptions import ClueBadRequestError
from airflow_provider_clue.hooks.clue import ClueHook
from airflow_provider_clue.sensors.clue import ClueSensor
from tests.operator_support import TOKEN, point_clue_default_at
from tests.operator_support import sensor_context as context
from tests.version_gates import EVENT_TRIGGERS, RESCHEDULE_READS_THE_DB

HINT = "set the connection extra filters_in to 'query'"
DAY = ["2026-10-05 00:00:00", "2026-10-06 00:00:00"]
DAY_INCLUSIVE = ("2026-10-05 00:00:00", "2026-10-05 23:59:59")


@pytest.fixture
def emulator(make_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    emulator = make_emulator(records=2000, token=TOKEN, drop_request_bodies=True)
    point_clue_default_at(emulator, monkeypatch, max_retries=0)
    return emulator


def sensor(**kwargs: Any) -> ClueSensor:
    return ClueSensor(task_id="wait", **{"created_at": DAY, "poke_interval": 0.2, "timeout": 5, **kwargs})


def is_probe(request: Any) -> bool:
    return json.loads(request.body or "{}").get("created_at") == list(PROBE_SECOND)


def test_a_count_of_one_day_is_not_the_pools_total(emulator):
    assert 0 < len(emulator.ids(created_at=DAY_INCLUSIVE)) < 2000
    with pytest.raises(ClueBadRequestError, match=rf"outside the created_at \[2026-10-05 00:00:00, 2026-10-05 "
                                                  rf"23:59:59\] that was asked for: .*{HINT}"):
        ClueHook().count_customers(filters={"created_at": list(DAY_INCLUSIVE)})
    assert len(emulator.requests) == 1


@pytest.mark.parametrize("filters", [{"created_at": ["2026-10-31 00:00:00", "2026-10-31 23:59:59"]},
                                     {"operator": [3]}, {"sex": [1]}], ids=["newest-day", "operator", "sex"])
def test_a_count_whose_record_happens_to_match_is_proven_by_the_hooks_first_probe(emulator, filters):
    """The pool's newest clue matches these filters, so the count's page cannot tell: the probe does."""
    newest = emulator.records()[0]
    assert newest["created_at"].startswith("2026-10-31") or newest["operator"] == 3 or newest["sex"] == 1
    emulator.insert(1, created_at=newest["created_at"], operator=3, sex=1)  # the newest surely matches them all
    with pytest.raises(ClueBadRequestError, match=HINT):
        ClueHook().count_customers(filters=filters)
    assert [is_probe(request) for request in emulator.requests] == [False, True]


def test_the_hook_proves_its_filters_once(emulator):
    emulator.drop_request_bodies = False
    hook = ClueHook()
    counts = [hook.count_customers(filters={"operator": [3]}) for _ in range(3)]
    assert counts[0] == counts[2] > 0
    assert [is_probe(request) for request in emulator.requests] == [False, True, False, False]
    assert ClueHook().count_customers() == 2000 and not is_probe(emulator.requests[-1]), "no filters: nothing to lose"


def test_a_single_page_with_a_carrier_not_asked_for_is_refused(emulator):
    with pytest.raises(ClueBadRequestError, match=rf"whose operator is [12], not one of the operator \[3\] that was "
                                                  rf"asked for: .*{HINT}"):
        ClueHook().get_customer(filters={"operator": [3]}, per_page=50)
    assert len(emulator.requests) == 1


def test_the_same_reads_are_exact_with_filters_in_the_query(emulator, monkeypatch):
    point_clue_default_at(emulator, monkeypatch, max_retries=0, filters_in="query")
    hook = ClueHook()
    expected = len(emulator.ids(created_at=DAY_INCLUSIVE))
    assert hook.count_customers(filters={"created_at": list(DAY_INCLUSIVE)}) == expected
    page = hook.get_customer(filters={"operator": [3]}, per_page=50)
    assert {record["operator"] for record in page["data"]} == {3}
    result = sensor(min_count=1).execute(context())
    assert result["count"] == len(emulator.ids(created_at=DAY_INCLUSIVE))
    assert not any(is_probe(request) for request in emulator.requests)  # no GET body to lose: no probe


@pytest.mark.parametrize("mode", ["poke", pytest.param("reschedule", marks=RESCHEDULE_READS_THE_DB), "deferrable"])
def test_a_sensor_of_one_day_fails_instead_of_releasing_on_the_whole_pool(emulator, mode):
    waiting = sensor(min_count=1000, **({"deferrable": True} if mode == "deferrable" else {"mode": mode}))
    with pytest.raises(AirflowFailException, match=HINT):
        waiting.execute(context())
    assert len(emulator.requests) == 1


def test_a_sensor_of_a_window_up_to_now_is_proven_by_the_probe_before_it_releases(emulator):
    """The pool's newest clue lies inside the window, so the count's page cannot tell: the probe does."""
    emulator.insert(3, created_at=datetime.now(pendulum.timezone("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S"))
    today = pendulum.now("Asia/Shanghai").start_of("day")
    with pytest.raises(AirflowFailException, match=rf"outside the created_at \[1970-01-01 00:00:00, .*{HINT}"):
        sensor(created_at=None, min_count=1).execute(
            context(data_interval_start=today.subtract(days=1), data_interval_end=today)
        )
    assert [is_probe(request) for request in emulator.requests] == [False, True]


def test_the_probe_passes_when_the_filters_arrive(emulator, monkeypatch):
    emulator.drop_request_bodies = False
    assert sensor(min_count=1).execute(context())["count"] == len(emulator.ids(created_at=DAY_INCLUSIVE))
    assert [is_probe(request) for request in emulator.requests] == [False, True]


def test_the_deferred_wait_fails_in_the_trigger_with_the_hint(emulator):
    emulator.drop_request_bodies = False
    with pytest.raises(TaskDeferred) as deferred:
        sensor(created_at=["2026-11-10 00:00:00", "2026-11-11 00:00:00"], deferrable=True).execute(context())
    emulator.drop_request_bodies = True

    async def first_event() -> Any:
        async for event in deferred.value.trigger.run():
            return event.payload

    event = asyncio.run(asyncio.wait_for(first_event(), 20))
    assert event["status"] == "error" and event["fatal"] and HINT in event["message"]


@EVENT_TRIGGERS  # asset watchers: Airflow 3
def test_the_event_watcher_logs_the_hint_and_announces_nothing(emulator, monkeypatch, caplog, clue_variables):
    from airflow_provider_clue.events import arguments as event_watcher_arguments
    from airflow_provider_clue.events import watcher as event_watcher
    from airflow_provider_clue.triggers.clue import ClueEventTrigger

    monkeypatch.setattr(event_watcher_arguments, "MIN_POLL_INTERVAL", 0.1)
    emulator.insert(2, created_at=(datetime.now(pendulum.timezone("Asia/Shanghai")) - timedelta(seconds=5))
                    .strftime("%Y-%m-%d %H:%M:%S"))
    start = (pendulum.now("Asia/Shanghai") - timedelta(seconds=20)).replace(microsecond=0)
    trigger = ClueEventTrigger(poll_interval=0.3, settle=1, start=start)
    trigger._log = logging.getLogger("tests.filters_arrive")
    monkeypatch.setattr(event_watcher, "HANDOVER_SECONDS", 0.2)

    async def events() -> list[Any]:
        seen = []
        stream = trigger.run()
        try:
            async with asyncio.timeout(2):
                async for event in stream:
                    seen.append(event.payload)
        except TimeoutError:
            pass
        finally:
            await stream.aclose()
        return seen

    with caplog.at_level(logging.ERROR):
        assert asyncio.run(events()) == []
    assert HINT in caplog.text
