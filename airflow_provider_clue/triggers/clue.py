"""ClueTrigger waits in the triggerer until enough clues match; ClueEventTrigger announces new
clues to an ``AssetWatcher``. Neither blocks the triggerer's event loop."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_clue.compat import BaseEventTrigger

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping
    from datetime import datetime

    from airflow_provider_clue.api.filters import ClueFilters

CLASSPATH = "airflow_provider_clue.triggers.clue.ClueTrigger"
EVENT_CLASSPATH = "airflow_provider_clue.triggers.clue.ClueEventTrigger"


class ClueTrigger(BaseTrigger):
    """Check every ``poke_interval`` seconds whether at least ``min_count`` clues match.

    Each check is one HTTP request awaited on the event loop (``httpx``; no thread is held, retry
    waits included), with the connection's retry policy; the triggers of one connection in one
    triggerer share one client and its bounded connection pool. Cancelling the trigger (the
    sensor's timeout, a cleared task, the triggerer stopping) stops its request at once.

    The connection is read here, in the triggerer, so the token never travels in the trigger's
    arguments (the filters do, phone or e-mail included, and Airflow stores trigger arguments in
    its metadata database). It only reads, so a triggerer restart simply runs it again.
    Yields one event: ``{"status": "success", "count", "created_at"}`` or
    ``{"status": "error", "message", "fatal"}`` (``fatal``: retrying cannot help).

    :param clue_conn_id: the ``clue`` connection.
    :param start: the window's start, ISO 8601 with an offset.
    :param end: the window's end, or ``None`` for "now" at each check.
    :param min_count: how many matching clues end the wait.
    :param filters: the API's filters (as ``ClueFilters.to_json_body``), without ``created_at``.
    :param user_id: whose pool; the connection's login when ``None``.
    :param stage: the pool stage.
    :param poke_interval: seconds between checks.
    """

    def __init__(
        self,
        *,
        clue_conn_id: str,
        start: str,
        end: str | None,
        min_count: int,
        filters: dict[str, Any],
        user_id: str | None,
        stage: str,
        poke_interval: float,
    ) -> None:
        from airflow_provider_clue.clue_count import WaitCondition

        super().__init__()
        self.clue_conn_id = clue_conn_id
        self.poke_interval = poke_interval
        self.condition = WaitCondition(
            start=start, end=end, min_count=min_count, filters=dict(filters), user_id=user_id, stage=stage
        )

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return CLASSPATH, {"clue_conn_id": self.clue_conn_id, "poke_interval": self.poke_interval,
                           **self.condition.as_kwargs()}

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
        from airflow_provider_clue.api.shared_clients import shared_async_client
        from airflow_provider_clue.clue_count import acount_clues
        from airflow_provider_clue.compat import aget_connection, amask_secret
        from airflow_provider_clue.exceptions import ClueError

        try:
            connection = await aget_connection(self.clue_conn_id)
            settings = ClueConnectionSettings.from_connection(connection)
            if settings.token != connection.password:  # the lookup masked the password as given; this is it trimmed
                await amask_secret(settings.token)
            async with shared_async_client(settings) as client:
                condition = self.condition
                query = client.query(
                    filters=condition.filters, user_id=condition.user_id, stage=condition.stage, per_page=1
                )
                while True:
                    result = await acount_clues(client, query, condition, settings.zone, logger=self.log, probe=True)
                    self.log.info(
                        "%d clues in [%s, %s); waiting for %d", result.count, *result.created_at, condition.min_count
                    )
                    if result.count >= condition.min_count:
                        yield TriggerEvent({"status": "success", **result.as_xcom()})
                        return
                    await asyncio.sleep(self.poke_interval)
        except ClueError as err:
            yield TriggerEvent({"status": "error", "message": str(err), "fatal": not getattr(err, "retryable", False)})
        except Exception as err:  # e.g. a missing connection: tell the sensor instead of dying
            yield TriggerEvent({"status": "error", "message": f"{type(err).__name__}: {err}", "fatal": True})


class ClueEventTrigger(BaseEventTrigger):
    """Announce contiguous windows of new clues, for ``AssetWatcher`` (event-driven scheduling).

    Every ``poll_interval`` seconds it counts the clues created in ``[watermark, now - settle)``
    (whole seconds; one request for one record). When at least ``min_count`` are there it yields
    ``{"created_at": [start, end], "count": n, "watcher": key}`` (ISO 8601 in the connection's zone;
    ``key`` names the watcher's cursor) and the watermark moves to ``end``; otherwise nothing moves
    and the window grows. The first window starts at ``start``, by default when the trigger first
    runs.

    The watermark is an Airflow Variable on every minor, under a key derived from the connection,
    account, stage, filters (component filters by name: the ids they resolve to) and ``start``; the
    asset's name is not in it, so renaming the asset keeps it. A window is
    recorded as announced before its event is handed over, and as done at the next poll (at
    least a few seconds later, by when the triggerer has written the event); a trigger rebuilt in
    between announces the same window again. Events are at least once; the windows, and so the
    data pulled for them, exactly once.

    API errors that may pass (429, 5xx, dropped connections) are retried by the connection's
    policy, then logged, and the next poll tries again; a refused token, a bad filter or a
    missing connection is logged at each poll, naming the field, until it is fixed. Nothing here
    holds a thread, and the token never sits in the arguments (the filters do).

    :param clue_conn_id: the ``clue`` connection, read in the triggerer at each poll.
    :param user_id: whose pool; the connection's login when ``None``.
    :param stage: the pool stage.
    :param filters: the API's filters by their own names (not ``created_at``).
    :param poll_interval: seconds between counts.
    :param settle: seconds a window's end stays behind now, so that clues that become visible a
        little after their ``created_at`` are not skipped.
    :param min_count: how many new clues make an event.
    :param start: where the first window starts: ISO 8601 with an offset, or an aware datetime.
    """

    def __init__(
        self,
        *,
        clue_conn_id: str = "clue_default",
        user_id: str | None = None,
        stage: str = "clue",
        filters: Mapping[str, Any] | ClueFilters | None = None,
        poll_interval: float = 60.0,
        settle: float = 60.0,
        min_count: int = 1,
        start: str | datetime | None = None,
    ) -> None:
        from airflow_provider_clue.compat import AIRFLOW_VERSION, SUPPORTS_EVENT_TRIGGERS, decoded_trigger_kwarg
        from airflow_provider_clue.events.arguments import EventWatcherArguments
        from airflow_provider_clue.exceptions import ClueTriggerArgumentError, ClueValidationError

        if not SUPPORTS_EVENT_TRIGGERS:
            raise ClueTriggerArgumentError(
                "ClueEventTrigger",
                f"needs Airflow 3.0 or newer (asset watchers, event-driven schedules); this is Airflow "
                f"{AIRFLOW_VERSION}: schedule the pull with a cron, or wait for clues with ClueSensor",
            )
        super().__init__()
        try:
            self.arguments = EventWatcherArguments.of(
                clue_conn_id=clue_conn_id, user_id=user_id, stage=stage, filters=decoded_trigger_kwarg(filters),
                poll_interval=poll_interval, settle=settle, min_count=min_count, start=start,
            )
        except ClueValidationError as err:
            raise ClueTriggerArgumentError(err.field, err.problem) from None

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return EVENT_CLASSPATH, self.arguments.as_kwargs()

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_clue.events.watcher import EventWatcher

        async for payload in EventWatcher(self, self.arguments, logger=self.log).announcements():
            yield TriggerEvent(payload)
