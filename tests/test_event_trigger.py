"""ClueEventTrigger under asyncio against the emulator, with a stand-in of the asset state store."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_clue.compat import deserialize, serialize
from airflow_provider_clue.events import arguments as event_watcher_arguments
from airflow_provider_clue.events import watcher as event_watcher
from airflow_provider_clue.events.watermark import Watermark, watermark_key
from airflow_provider_clue.exceptions import ClueValidationError
from airflow_provider_clue.testing import MemoryVariables
from airflow_provider_clue.triggers.clue import ClueEventTrigger
from airflow_provider_clue.variables import variables_backend
from tests.operator_support import TOKEN, point_clue_default_at
from tests.version_gates import EVENT_TRIGGERS

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

    from airflow_provider_clue.testing.emulator import ClueEmulator

pytestmark = EVENT_TRIGGERS  # ClueEventTrigger: asset watchers are Airflow 3

ZONE_FORMAT = "%Y-%m-%d %H:%M:%S"


class Variables(MemoryVariables):
    """The provider's Variables in memory (where the cursor lives), its writes failing from the
    ``fail_from``-th on (up to the ``recover_at``-th, if given)."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_from: int | None = None
        self.recover_at: int | None = None
        self.attempts = 0

    def set(self, key: str, value: str, *, description: str) -> None:
        self.attempts += 1
        if self.fail_from is not None and self.attempts >= self.fail_from and (
            self.recover_at is None or self.attempts < self.recover_at
        ):
            raise RuntimeError("the metadata database is gone")
        super().set(key, value, description=description)

    @property
    def cursors(self) -> list[dict[str, Any]]:
        """Every cursor written, in order."""
        return [json.loads(value) for key, value in self.writes if key.startswith("clue_event_watermark")]

    def cursor(self, key: str | None = None) -> dict[str, Any]:
        """The cursor stored under ``key`` (the only one, by default)."""
        if key is None:
            (key,) = [name for name in self.values if name.startswith("clue_event_watermark")]
        return dict(json.loads(self.values[key]))


@pytest.fixture
def store() -> Iterator[Variables]:
    with variables_backend(Variables()) as variables:
        yield variables  # type: ignore[misc]


@pytest.fixture
def emulator(make_emulator: Any, monkeypatch: pytest.MonkeyPatch, store: Variables) -> ClueEmulator:
    emulator: ClueEmulator = make_emulator(records=0, token=TOKEN)
    point_clue_default_at(emulator, monkeypatch, max_retries=3)
    monkeypatch.setattr(event_watcher, "HANDOVER_SECONDS", 0.2)
    monkeypatch.setattr(event_watcher_arguments, "MIN_POLL_INTERVAL", 0.1)  # faster polls than users may ask
    return emulator


def watcher(store: Variables, *, trigger_id: int | None = None, **kwargs: Any) -> ClueEventTrigger:
    """A trigger as Airflow's triggerer runs it: as the row ``trigger_id`` (``None``: outside a triggerer)."""
    trigger = ClueEventTrigger(**{"poll_interval": 0.25, "settle": 1, **kwargs})
    trigger.trigger_id = trigger_id  # type: ignore[assignment]
    trigger._log = logging.getLogger("tests.event_trigger")  # structlog's proxy by default, which caplog misses
    return trigger


def rebuilt(trigger: ClueEventTrigger, store: Variables) -> ClueEventTrigger:
    """The trigger as a triggerer builds it again after a restart: from its serialized kwargs, the same row."""
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_clue.triggers.clue.ClueEventTrigger"
    again = ClueEventTrigger(**deserialize(serialize(kwargs)))
    again.trigger_id = getattr(trigger, "trigger_id", None)  # type: ignore[assignment]
    again._log = trigger._log
    return again


async def collect(
    trigger: ClueEventTrigger, *, events: int, timeout: float, meanwhile: Callable[[], Awaitable[None]] | None = None
) -> list[dict[str, Any]]:
    """The payloads of the first ``events`` events (or of those within ``timeout``), then the trigger closed."""
    payloads: list[dict[str, Any]] = []
    stream = trigger.run()
    side = asyncio.create_task(meanwhile()) if meanwhile else None
    try:
        async with asyncio.timeout(timeout):
            async for event in stream:
                payloads.append(event.payload)
                if len(payloads) == events:
                    break
    except TimeoutError:
        pass
    finally:
        await stream.aclose()
        if side is not None:
            side.cancel()
    return payloads


def bounds(payload: dict[str, Any]) -> tuple[datetime, datetime]:
    start, end = (datetime.fromisoformat(bound) for bound in payload["created_at"])
    return start, end


def ids_in(emulator: ClueEmulator, start: datetime, end: datetime) -> set[str]:
    """The emulator's ids created in ``[start, end)`` (the API's inclusive seconds)."""
    zone = emulator_zone(emulator)
    first, last = start.astimezone(zone), (end - timedelta(seconds=1)).astimezone(zone)
    return emulator.ids(created_at=(first.strftime(ZONE_FORMAT), last.strftime(ZONE_FORMAT)))


def assert_contiguous(payloads: list[dict[str, Any]]) -> None:
    for earlier, later in pairwise(payloads):
        assert bounds(earlier)[1] == bounds(later)[0], (earlier, later)
        assert bounds(later)[0] < bounds(later)[1]


def test_bursts_become_contiguous_windows_whose_union_holds_every_clue_once(
    emulator: ClueEmulator, store: Variables
) -> None:
    inserted: list[str] = []

    async def bursts() -> None:
        for size in (3, 5, 2):
            inserted.extend(str(record["id"]) for record in emulator.insert(size))
            await asyncio.sleep(2.5)

    trigger = watcher(store, start=seconds_ago(emulator, 3))  # the first burst may come before its first poll
    payloads = asyncio.run(collect(trigger, events=3, timeout=20, meanwhile=bursts))
    assert len(payloads) == 3
    assert_contiguous(payloads)
    per_window = [ids_in(emulator, *bounds(payload)) for payload in payloads]
    assert [len(ids) for ids in per_window] == [payload["count"] for payload in payloads] == [3, 5, 2]
    union = set().union(*per_window)
    assert len(union) == sum(map(len, per_window)) and union == set(inserted)
    for payload in payloads:  # ISO 8601 with the connection's offset, whole seconds
        assert all(bound.endswith("+08:00") and "." not in bound for bound in payload["created_at"])


def test_a_trigger_rebuilt_between_announced_and_done_announces_the_same_window_again(
    emulator: ClueEmulator, monkeypatch: pytest.MonkeyPatch, store: Variables
) -> None:
    first_trigger = watcher(store)
    emulator.insert(4)
    monkeypatch.setattr(event_watcher, "HANDOVER_SECONDS", 60.0)  # the triggerer is stopped before "done"
    first = asyncio.run(collect(first_trigger, events=1, timeout=10))
    assert store.cursor()["announced"] == first[0]

    monkeypatch.setattr(event_watcher, "HANDOVER_SECONDS", 0.2)
    emulator.insert(2)
    again = asyncio.run(collect(rebuilt(first_trigger, store), events=2, timeout=15))
    assert again[0] == first[0], "the same bounds and count"
    assert_contiguous(again)
    assert again[1]["count"] == 2
    cursor = store.cursor()  # the first done, the second announced
    assert (cursor["watermark"], cursor["announced"], cursor["last"]) == (again[0]["created_at"][1], again[1], again[1])


def test_the_first_window_starts_at_start_and_a_restart_resumes_at_the_watermark(
    emulator: ClueEmulator, store: Variables
) -> None:
    emulator.insert(3, created_at="2026-11-30 10:00:00")
    emulator.insert(1, created_at="2026-11-30 09:59:59")  # before start: never announced
    trigger = watcher(store, start="2026-11-30T10:00:00+08:00")
    (first,) = asyncio.run(collect(trigger, events=1, timeout=10))
    assert first["created_at"][0] == "2026-11-30T10:00:00+08:00" and first["count"] == 3
    emulator.insert(2)
    again, second = asyncio.run(collect(rebuilt(trigger, store), events=2, timeout=15))
    assert again == first, "closed before it was done: announced again"
    assert second["created_at"][0] == first["created_at"][1] and second["count"] == 2


def test_clues_that_become_visible_within_settle_are_not_skipped(emulator: ClueEmulator, store: Variables) -> None:
    late: list[str] = []

    async def late_arrivals() -> None:
        for _ in range(3):
            await asyncio.sleep(1.5)
            # created 2 s ago, visible only now (a replica lagging, a slow import)
            created = datetime.now(emulator_zone(emulator)) - timedelta(seconds=2)
            late.extend(str(r["id"]) for r in emulator.insert(1, created_at=created.strftime(ZONE_FORMAT)))

    # the last arrives at about 4.5 s, stamped up to 3 s before: a window ends past it from about 7.5 s on
    trigger = watcher(store, settle=3, start=seconds_ago(emulator, 5))  # before the first late clue's stamp
    payloads = asyncio.run(collect(trigger, events=99, timeout=10, meanwhile=late_arrivals))
    assert len(late) == 3 and payloads
    assert_contiguous(payloads)
    announced = set().union(*(ids_in(emulator, *bounds(payload)) for payload in payloads))
    assert set(late) <= announced


def test_min_count_lets_the_window_grow_until_enough_clues_are_there(emulator: ClueEmulator, store: Variables) -> None:

    async def trickle() -> None:
        for _ in range(4):
            emulator.insert(1)
            await asyncio.sleep(1.2)

    (payload,) = asyncio.run(collect(watcher(store, min_count=3), events=1, timeout=15, meanwhile=trickle))
    assert payload["count"] >= 3 and len(ids_in(emulator, *bounds(payload))) == payload["count"]


def test_empty_polls_announce_nothing_and_move_nothing(emulator: ClueEmulator, store: Variables) -> None:
    assert asyncio.run(collect(watcher(store), events=1, timeout=3.5)) == []
    assert len(store.cursors) == 1 and store.cursors[0]["announced"] is None  # only the first cursor
    assert len(emulator.requests) >= 2


def test_transient_errors_are_retried_and_the_loop_goes_on(
    emulator: ClueEmulator, caplog: Any, store: Variables
) -> None:
    emulator.fail_next("server_error", times=2)
    emulator.insert(2)
    with caplog.at_level(logging.WARNING):
        (payload,) = asyncio.run(collect(watcher(store), events=1, timeout=15))
    assert payload["count"] == 2
    assert "500" in caplog.text


@pytest.mark.parametrize(
    ("setup", "field"),
    [
        (lambda emulator, monkeypatch: monkeypatch.setenv(
            "AIRFLOW_CONN_CLUE_DEFAULT", emulator.connection_json().replace(TOKEN, "wrong-token")), "401"),
        (lambda emulator, monkeypatch: monkeypatch.delenv("AIRFLOW_CONN_CLUE_DEFAULT"), "clue_conn_id"),
    ],
    ids=["refused-token", "unknown-connection"],
)
def test_a_bad_configuration_is_logged_once_per_poll_and_never_spins(
    emulator: ClueEmulator, monkeypatch: pytest.MonkeyPatch, caplog: Any, setup: Any, field: str, store: Variables
) -> None:
    setup(emulator, monkeypatch)
    emulator.insert(2)
    with caplog.at_level(logging.ERROR):
        trigger = watcher(store, poll_interval=0.5, start=seconds_ago(emulator, 10))
        assert asyncio.run(collect(trigger, events=1, timeout=2.2)) == []
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert 2 <= len(errors) <= 5 and all(field in record.getMessage() for record in errors)  # one a poll
    assert TOKEN not in caplog.text and "wrong-token" not in caplog.text


def test_a_rotated_token_is_picked_up_at_the_next_poll(
    emulator: ClueEmulator, monkeypatch: pytest.MonkeyPatch, store: Variables
) -> None:
    good = emulator.connection_json()
    monkeypatch.setenv("AIRFLOW_CONN_CLUE_DEFAULT", good.replace(TOKEN, "old-token"))
    emulator.insert(1)

    async def rotate() -> None:
        await asyncio.sleep(1.5)
        monkeypatch.setenv("AIRFLOW_CONN_CLUE_DEFAULT", good)

    trigger = watcher(store, start=seconds_ago(emulator, 10))
    (payload,) = asyncio.run(collect(trigger, events=1, timeout=10, meanwhile=rotate))
    assert payload["count"] == 1
    assert emulator.requests[0].status == 401


def test_watchers_of_other_clues_keep_other_cursors_and_pacing_keeps_the_cursor() -> None:
    def key(**kwargs: Any) -> str:
        return watermark_key(ClueEventTrigger(**kwargs).arguments.identity())

    base = key()
    assert key(poll_interval=5, settle=10, min_count=3) == base
    others = {key(filters={"company": "某某科技"}), key(stage="customer"), key(clue_conn_id="other"),
              key(start="2026-12-01T00:00:00+08:00"), key(user_id="0b7e7f58-59a4-4d3e-9c59-0a9a4e3c2f11")}
    assert base not in others and len(others) == 5


def test_the_kwargs_are_json_safe_and_hold_no_token() -> None:
    trigger = ClueEventTrigger(filters={"operator": [1, 3], "company": "线索"}, start=datetime.fromisoformat(
        "2026-12-01T08:00:00.5+08:00"))
    classpath, kwargs = trigger.serialize()
    assert json.loads(json.dumps(kwargs)) == kwargs == deserialize(serialize(kwargs))
    assert kwargs["start"] == "2026-12-01T08:00:01+08:00", "windows are whole seconds"
    assert kwargs["filters"] == {"company": "线索", "operator": [1, 3]}
    assert ClueEventTrigger(**kwargs).serialize() == (classpath, kwargs)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"filters": {"colour": "red"}}, "filters.colour"),
        ({"filters": {"created_at": ["2026-12-01", "2026-12-02"]}}, "filters.created_at"),
        ({"poll_interval": 0}, "poll_interval"),
        ({"poll_interval": "60"}, "poll_interval"),
        ({"settle": -1}, "settle"),
        ({"min_count": 0}, "min_count"),
        ({"start": "2026-12-01 00:00:00"}, "start"),
        ({"start": "yesterday"}, "start"),
        ({"start": "0001-01-01T00:00:00+00:00"}, "start"),
        ({"user_id": "not-a-uuid"}, "user_id"),
        ({"stage": "Clue Pool"}, "stage"),
        ({"clue_conn_id": ""}, "clue_conn_id"),
    ],
)
def test_bad_arguments_are_refused_where_the_dag_is_parsed(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ClueValidationError) as raised:
        ClueEventTrigger(**kwargs)
    assert raised.value.field.startswith(field)


def settled(emulator: ClueEmulator) -> str:
    """A ``created_at`` 3 s back: past ``settle`` (1 s) at a watcher's first poll."""
    return seconds_ago(emulator, 3).strftime(ZONE_FORMAT)


def seconds_ago(emulator: ClueEmulator, seconds: float) -> datetime:
    """A ``start`` that many seconds back, so that the first poll already has a settled window."""
    return (datetime.now(emulator_zone(emulator)) - timedelta(seconds=seconds)).replace(microsecond=0)


def emulator_zone(emulator: ClueEmulator) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(json.loads(emulator.connection_json())["extra"].get("timezone", "Asia/Shanghai"))


def test_a_cursor_it_cannot_read_stops_the_announcements_and_says_how_to_start_over(
    emulator: ClueEmulator, caplog: Any, store: Variables
) -> None:
    key = watermark_key(ClueEventTrigger().arguments.identity())
    store.values[key] = json.dumps({"watermark": "yesterday"})
    emulator.insert(3)
    with caplog.at_level(logging.ERROR):
        assert asyncio.run(collect(watcher(store), events=1, timeout=1.5)) == []
    assert "watermark: an Airflow Variable holds" in caplog.text and "delete it" in caplog.text
    assert json.loads(store.values[key]) == {"watermark": "yesterday"} and emulator.requests == []


def test_a_window_whose_record_cannot_be_written_is_not_announced(
    emulator: ClueEmulator, store: Variables, caplog: Any
) -> None:
    emulator.insert(3, created_at=settled(emulator))  # counted at the first poll
    store.fail_from = 2  # the first cursor is written, "announced" is not
    with caplog.at_level(logging.ERROR):
        assert asyncio.run(collect(watcher(store, start=seconds_ago(emulator, 5)), events=1, timeout=2)) == []
    assert "the metadata database is gone" in caplog.text
    assert store.cursor()["announced"] is None


def test_a_failed_record_of_done_does_not_announce_the_window_at_every_poll(
    emulator: ClueEmulator, store: Variables
) -> None:
    emulator.insert(3, created_at=settled(emulator))  # counted at the first poll
    store.fail_from = 3  # the first cursor and "announced" are written, "done" is not
    payloads = asyncio.run(collect(watcher(store, start=seconds_ago(emulator, 5)), events=3, timeout=3))
    assert len(payloads) == 1


def test_a_failed_record_of_done_is_written_again_once_the_store_is_back(
    emulator: ClueEmulator, store: Variables
) -> None:
    emulator.insert(3, created_at=settled(emulator))  # counted at the first poll
    store.fail_from, store.recover_at = 3, 4  # only "done" fails, once
    (payload,) = asyncio.run(collect(watcher(store, start=seconds_ago(emulator, 5), min_count=3), events=2,
                                     timeout=4))  # no second window: no write but the one retried
    cursor = store.cursor()
    assert (cursor["watermark"], cursor["announced"], cursor["last"]) == (payload["created_at"][1], None, payload)


def test_deleting_the_cursor_while_the_trigger_runs_starts_again_at_start(
    emulator: ClueEmulator, store: Variables
) -> None:
    emulator.insert(3)
    start = seconds_ago(emulator, 10)

    async def delete_after_the_first_window() -> None:
        while not any(json.loads(text)["announced"] is None and json.loads(text)["watermark"] != start.isoformat()
                      for text in store.values.values()):
            await asyncio.sleep(0.05)
        store.values.clear()

    first, again = asyncio.run(collect(watcher(store, start=start), events=2, timeout=10,
                                       meanwhile=delete_after_the_first_window))
    assert first["created_at"][0] == again["created_at"][0] == start.isoformat()


def test_a_trigger_whose_pacing_changed_carries_on_from_the_cursor_of_the_one_it_replaces(
    emulator: ClueEmulator, caplog: Any, store: Variables
) -> None:
    emulator.insert(2)
    (first,) = asyncio.run(collect(watcher(store, start=seconds_ago(emulator, 5)), events=1, timeout=10))
    start = first["created_at"][0]
    emulator.insert(3)
    replacement = watcher(store, start=start, min_count=2, poll_interval=0.5)  # same clues, other pacing
    again, second = asyncio.run(collect(replacement, events=2, timeout=10))
    assert again == first and second["created_at"][0] == first["created_at"][1] and second["count"] == 3

    sibling = watcher(store, start=start, min_count=1)
    key = watermark_key(sibling.arguments.identity())
    store.values[key] = json.dumps({"watermark": second["created_at"][1], "announced": None})

    async def moved_by_another() -> None:  # another live trigger of the same clues writes the cursor
        await asyncio.sleep(0.6)
        now = datetime.now(emulator_zone(emulator)).replace(microsecond=0).isoformat()
        store.values[key] = json.dumps({"watermark": now, "announced": None})

    with caplog.at_level(logging.WARNING):
        asyncio.run(collect(sibling, events=1, timeout=1.5, meanwhile=moved_by_another))
    assert f"Cursor {key} was moved on to" in caplog.text and "by another ClueEventTrigger" in caplog.text


class AssetStateStore:
    """The shape Airflow 3.3 gives a watcher's trigger: ``aget`` / ``aset`` / ``adelete``, JSON values."""

    def __init__(self, saved: dict[str, Any] | None = None) -> None:
        self.saved = dict(saved or {})

    async def aget(self, key: str, default: Any = None) -> Any:
        return self.saved.get(key, default)

    async def aset(self, key: str, value: Any) -> None:
        self.saved[key] = value

    async def adelete(self, key: str) -> None:
        self.saved.pop(key, None)


def test_a_cursor_kept_in_the_asset_state_store_before_is_moved_to_a_variable(
    emulator: ClueEmulator, store: Variables, caplog: Any
) -> None:
    trigger = watcher(store, start="2026-11-01T00:00:00+08:00")
    key = watermark_key(trigger.arguments.identity())
    watermark = seconds_ago(emulator, 30).isoformat()
    trigger.asset_state_store = AssetStateStore({key: {"watermark": watermark, "announced": None}})
    emulator.insert(2, created_at="2026-11-02 10:00:00")  # before the watermark: announced before the upgrade
    emulator.insert(3)
    with caplog.at_level(logging.INFO):
        (payload,) = asyncio.run(collect(trigger, events=1, timeout=10))
    assert payload["created_at"][0] == watermark and payload["count"] == 3
    assert store.cursors[0]["watermark"] == watermark and store.cursor(key)["announced"] == payload
    assert trigger.asset_state_store.saved == {}, "deleted there: never taken up again"
    assert "found in the asset state store, moved to an Airflow Variable" in caplog.text


def test_a_renamed_asset_keeps_the_cursor(emulator: ClueEmulator, store: Variables) -> None:
    """The cursor's key is what the watcher watches, not the asset: a watcher on a renamed (new, empty)
    asset carries on where the old one stopped, with no gap and nothing twice."""
    start = seconds_ago(emulator, 10)
    emulator.insert(2, created_at=settled(emulator))
    old = watcher(store, trigger_id=1, start=start)
    old.asset_state_store = AssetStateStore()
    (first,) = asyncio.run(collect(old, events=1, timeout=10))
    emulator.insert(3)
    renamed = watcher(store, trigger_id=1, start=start)  # the same kwargs on the renamed asset (its store is empty)
    renamed.asset_state_store = AssetStateStore()
    again, second = asyncio.run(collect(renamed, events=2, timeout=10))
    assert again == first, "stopped before it was done: announced again"
    assert second["created_at"][0] == first["created_at"][1] and second["count"] == 3


def test_a_first_window_inside_an_hour_the_clock_repeats_starts_at_that_hour(
    make_emulator: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any, store: Variables
) -> None:
    emulator = make_emulator(records=0, token=TOKEN, timezone="America/New_York")
    point_clue_default_at(emulator, monkeypatch, timezone="America/New_York")
    monkeypatch.setattr(event_watcher, "HANDOVER_SECONDS", 0.2)
    monkeypatch.setattr(event_watcher_arguments, "MIN_POLL_INTERVAL", 0.1)
    emulator.insert(2, created_at="2026-11-01 01:10:00")  # EDT or EST: the emulator stores wall-clock times
    emulator.insert(1, created_at="2026-11-01 02:30:00")
    trigger = watcher(store, start="2026-11-01T01:20:00-05:00")  # second pass of 01:00-02:00
    with caplog.at_level(logging.WARNING):
        (payload,) = asyncio.run(collect(trigger, events=1, timeout=10))
    assert payload["created_at"][0] == "2026-11-01T01:00:00-04:00" and payload["count"] == 3
    assert "repeats that hour" in caplog.text
    assert "Another ClueEventTrigger" not in caplog.text, "its own first cursor, read back, is the same cursor"


def test_dict_arguments_as_airflow_3_2s_watcher_path_hands_them_are_read() -> None:
    encoded = {"Encoding.VAR": {"operator": [1, 3], "components": [
        {"Encoding.VAR": {"id": "c1", "value": 2}, "Encoding.TYPE": "dict"}]}, "Encoding.TYPE": "dict"}
    trigger = ClueEventTrigger(filters=encoded)
    assert trigger.arguments.filters == {"operator": [1, 3], "components": [{"id": "c1", "value": 2}]}
    assert ClueEventTrigger(filters={"__var": {}, "__type": "dict"}).arguments.filters == {}


def test_arguments_it_cannot_be_built_from_are_a_type_error_too_which_airflows_triggerer_survives() -> None:
    with pytest.raises(TypeError) as raised:
        ClueEventTrigger(filters={"colour": "red"})
    assert isinstance(raised.value, ClueValidationError) and raised.value.field == "filters.colour"


def positions(store: Variables) -> list[tuple[datetime, int]]:
    return [Watermark.from_json(cursor).position() for cursor in store.cursors]


def test_a_stalled_copy_that_wakes_does_not_move_the_cursor_back(
    emulator: ClueEmulator, store: Variables, caplog: Any
) -> None:
    """Two copies of one trigger (a triggerer that stalled and was replaced): the stalled one wakes from its
    handover wait after the live one moved on, and leaves the cursor where the live one put it."""
    start = seconds_ago(emulator, 10)
    emulator.insert(2, created_at=settled(emulator))
    stalled = watcher(store, trigger_id=7, start=start, poll_interval=3)  # its wait before "done": 3 s
    live = watcher(store, trigger_id=7, start=start)
    live_events: list[dict[str, Any]] = []

    async def both() -> list[dict[str, Any]]:
        async def live_copy() -> None:
            await asyncio.sleep(0.8)  # the stalled copy has announced its window and waits
            emulator.insert(3)
            live_events.extend(await collect(live, events=2, timeout=2.2))

        side = asyncio.create_task(live_copy())
        stalled_events = await collect(stalled, events=2, timeout=4.5)
        await side
        return stalled_events

    with caplog.at_level(logging.WARNING):
        stalled_events = asyncio.run(both())
    first = stalled_events[0]
    assert live_events[0] == first, "the live copy announced the pending window again"
    assert live_events[1]["created_at"][0] == first["created_at"][1] and live_events[1]["count"] == 3
    assert positions(store) == sorted(positions(store)), "never moved back"
    assert "was moved on to" in caplog.text and "does not write its own" in caplog.text
    assert store.cursor()["watermark"] >= live_events[1]["created_at"][0]


def test_a_cursor_moved_back_by_a_stale_write_is_set_forward_again(
    emulator: ClueEmulator, store: Variables, caplog: Any
) -> None:
    start = seconds_ago(emulator, 10)
    emulator.insert(2, created_at=settled(emulator))
    trigger = watcher(store, start=start)
    key = watermark_key(trigger.arguments.identity())

    async def stale_write() -> None:  # what a copy frozen between its read and its write does when it thaws
        while not any(cursor["announced"] is None and cursor["watermark"] != start.isoformat()
                      for cursor in store.cursors):
            await asyncio.sleep(0.05)
        store.values[key] = json.dumps({"watermark": start.isoformat(), "announced": None})

    with caplog.at_level(logging.WARNING):
        (first,) = asyncio.run(collect(trigger, events=2, timeout=2, meanwhile=stale_write))
    assert f"Cursor {key} was moved back" in caplog.text
    assert store.cursor(key)["watermark"] >= first["created_at"][1]


def test_a_trigger_that_starts_announces_the_last_window_again(
    emulator: ClueEmulator, store: Variables, caplog: Any
) -> None:
    """A trigger starting (the DAG unpaused, its file changed, a triggerer restarted) first announces the last
    window again, so that windows announced while no run could be made (a paused DAG) are pulled at once."""
    start = seconds_ago(emulator, 10)
    emulator.insert(2, created_at=settled(emulator))
    (first,) = asyncio.run(collect(watcher(store, start=start), events=2, timeout=1.5))
    assert store.cursor()["announced"] is None and store.cursor()["last"] == first
    with caplog.at_level(logging.INFO):
        (again,) = asyncio.run(collect(watcher(store, start=start, poll_interval=0.5), events=2, timeout=1.5))
    assert again == first and "Announcing the last window" in caplog.text
    assert store.cursor()["watermark"] == first["created_at"][1], "announcing it again moves nothing"
