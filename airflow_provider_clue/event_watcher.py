"""The loop behind ``ClueEventTrigger``: count what settled past the watermark, announce it, move on."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol

from airflow_provider_clue.api.request_counts import WarningLogger
from airflow_provider_clue.clue_count import WaitCondition, acount_clues
from airflow_provider_clue.event_watermark import Watermark, next_window, payload_of, watermark_key
from airflow_provider_clue.exceptions import ClueConfigurationError, ClueError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from airflow.triggers.base import BaseEventTrigger

    from airflow_provider_clue.api.async_client import AsyncClueClient
    from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
    from airflow_provider_clue.api.query import CustomerQuery
    from airflow_provider_clue.event_watcher_arguments import EventWatcherArguments
    from airflow_provider_clue.watermark_stores import OpenedCursor

# The least time between handing an event to the triggerer and recording its window done. The
# triggerer passes events on within about a second and writes them to the metadata database then;
# a trigger stopped before this passes announces the window again.
HANDOVER_SECONDS = 5.0


class WatcherLogger(WarningLogger, Protocol):
    """A logger with ``error`` and ``exception`` too (a trigger's ``self.log``)."""

    def error(self, event: Any, *args: Any) -> Any: ...

    def exception(self, event: Any, *args: Any) -> Any: ...


class EventWatcher:
    """One watcher's polls, as an async iterator of event payloads that never ends by itself.

    :param trigger: the trigger Airflow runs (its asset state store, when it has one, holds the cursor).
    :param arguments: what to watch and how often.
    :param logger: where polls, announcements and errors are logged.
    """

    def __init__(self, trigger: BaseEventTrigger, arguments: EventWatcherArguments, *, logger: WatcherLogger) -> None:
        self.trigger = trigger
        self.arguments = arguments
        self.log = logger
        self._clients = AsyncExitStack()
        self._settings: ClueConnectionSettings | None = None
        self._client: AsyncClueClient | None = None
        self._query: CustomerQuery | None = None
        self._seen: Watermark | None = None  # the cursor as last read from or written to the store
        self._filters_proven = False  # a probe showed the server applies the filters (see clue_count)

    async def announcements(self) -> AsyncIterator[dict[str, Any]]:
        """Yield ``{"created_at": [start, end], "count": n}`` for each window with enough new clues."""
        from airflow_provider_clue.watermark_stores import open_cursor

        key = watermark_key(self.arguments.identity())
        cursor: OpenedCursor | None = None
        watermark: Watermark | None = None
        try:
            while True:
                try:
                    if cursor is None:
                        cursor = await open_cursor(self.trigger, key)
                        watermark = self._seen = cursor.watermark
                        self.log.info("Cursor %s in %s (found in %s): %s", key, cursor.store.description,
                                      cursor.found_in, "none" if watermark is None else watermark.to_json())
                        if cursor.stale_variable:
                            await self._delete_stale_variable(key)
                    elif watermark is not None:
                        watermark = await self._reread(cursor, key, watermark)
                    settings = await self._connect()
                    if watermark is None:
                        watermark = Watermark(self._first_start(settings))
                        await self._save(cursor, key, watermark)
                    if watermark.announced is None:
                        polled = await self._poll(watermark, settings)
                        if polled.announced is not None:  # recorded before it is announced, or not announced
                            await self._save(cursor, key, polled)
                        watermark = polled
                    else:
                        self.log.info("Announcing %s again: it was announced but not recorded as done",
                                      watermark.announced["created_at"])
                    if watermark.announced is not None:
                        yield dict(watermark.announced)
                        await asyncio.sleep(max(self.arguments.poll_interval, HANDOVER_SECONDS))
                        # moved on here even if the store fails now: the next window then waits for the store
                        # (it must be recorded before it is announced), instead of this one being announced
                        # at every poll
                        watermark = watermark.done()
                        await self._save(cursor, key, watermark)
                        continue  # count what settled meanwhile at once
                except ClueError as err:
                    self._log_failure(err)
                except Exception:  # never die: a watcher that raises is not restarted by Airflow
                    self.log.exception("The poll, or a write of the cursor, failed; the next poll in %g s tries again",
                                       self.arguments.poll_interval)
                await asyncio.sleep(self.arguments.poll_interval)
        finally:
            await self._clients.aclose()

    async def _delete_stale_variable(self, key: str) -> None:
        """Delete the Variable a cursor was moved from, so that a stale copy is never taken up again."""
        from airflow_provider_clue.watermark_stores import VariableWatermarks

        try:
            await VariableWatermarks().delete(key)
        except Exception as err:
            self.log.warning("Could not delete Variable %s (%s: %s), whose cursor now lives in the asset state "
                             "store; delete it by hand", key, type(err).__name__, err)

    async def _save(self, cursor: OpenedCursor, key: str, watermark: Watermark) -> None:
        await cursor.store.save(key, watermark)
        self._seen = watermark

    async def _reread(self, cursor: OpenedCursor, key: str, watermark: Watermark) -> Watermark | None:
        """The cursor to go on from, as the store holds it now.

        - Unchanged since this trigger last read or wrote it: ``watermark``, written again first if
          that write failed (the cursor in memory is then ahead).
        - Deleted: ``None``, so the watcher starts again at ``start``, as the docs say deleting it does.
        - Moved by another trigger (one that this one replaced when its pacing changed, just before it
          stopped, or one still running that watches the same clues with other pacing): the stored one.
        """
        stored = await cursor.store.load(key)
        seen = None if self._seen is None else self._seen.to_json()
        if stored is None and seen is not None:
            self.log.warning("Cursor %s was deleted; starting again at start (%s)", key, self.arguments.start or "now")
            self._seen = None
            return None
        if stored is None:  # never written: this trigger's first write failed
            await self._save(cursor, key, watermark)
            return watermark
        if stored.to_json() == seen:
            if watermark.to_json() != seen:
                await self._save(cursor, key, watermark)
            return watermark
        self._seen = stored
        self.log.warning(
            "Another ClueEventTrigger moved cursor %s to %s; carrying on from there. If this repeats, two "
            "watchers of the same clues and start are running with different poll_interval, settle or min_count, "
            "and each announces only part of the windows: give them the same ones, or different starts",
            key, stored.to_json(),
        )
        return stored

    async def _poll(self, watermark: Watermark, settings: ClueConnectionSettings) -> Watermark:
        """Count the settled window after ``watermark``; the cursor with it announced when enough arrived."""
        assert self._client is not None and self._query is not None
        window = next_window(watermark.start, datetime.now(timezone.utc), self.arguments.settle, settings.zone)
        if window.is_empty():
            return watermark
        condition = WaitCondition(
            start=window.start.isoformat(), end=window.end.isoformat(), min_count=self.arguments.min_count,
            filters=self.arguments.filters, user_id=self.arguments.user_id, stage=self.arguments.stage,
        )
        result = await acount_clues(
            self._client, self._query, condition, settings.zone, logger=self.log, probe=not self._filters_proven
        )
        self._filters_proven = self._filters_proven or result.count >= self.arguments.min_count
        self.log.info("%d new clues in [%s, %s); an event needs %d", result.count, *result.created_at,
                      self.arguments.min_count)
        if result.count < self.arguments.min_count:
            return watermark
        return watermark.announcing(payload_of(window, result.count, settings.zone))

    async def _connect(self) -> ClueConnectionSettings:
        """Read the connection (each poll: a rotated token is picked up) and keep a client for it."""
        from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
        from airflow_provider_clue.api.shared_clients import shared_async_client
        from airflow_provider_clue.compat import aget_connection, amask_secret

        try:
            connection = await aget_connection(self.arguments.clue_conn_id)
        except Exception as err:
            problem = f"the connection {self.arguments.clue_conn_id!r} could not be read ({type(err).__name__})"
            raise ClueConfigurationError("clue_conn_id", problem) from err
        settings = ClueConnectionSettings.from_connection(connection)
        if settings != self._settings:
            if settings.token != connection.password:  # the lookup masked the password as given; this is it trimmed
                await amask_secret(settings.token)
            await self._clients.aclose()
            self._settings = self._client = self._query = None
            self._filters_proven = False
            self._client = await self._clients.enter_async_context(shared_async_client(settings))
            self._query = self._client.query(
                filters=self.arguments.filters, user_id=self.arguments.user_id, stage=self.arguments.stage, per_page=1
            )
            self._settings = settings
        return settings

    def _first_start(self, settings: ClueConnectionSettings) -> datetime:
        """``start``, or now; moved back to the start of an hour the zone's clock repeats if inside one
        (the API's wall-clock strings cannot start a window there): a few clues early, none lost."""
        from airflow_provider_clue.windows.run_window import ClueWindow

        given = self.arguments.start
        now = datetime.now(timezone.utc).replace(microsecond=0)
        start = datetime.fromisoformat(given) if given is not None else now
        moved = ClueWindow(start, start, "explicit").starting_before_a_repeated_hour(settings.zone).start
        if moved != start:
            self.log.warning("The first window starts at %s, not %s: %s repeats that hour's wall-clock times",
                             moved.astimezone(settings.zone).isoformat(), start.astimezone(settings.zone).isoformat(),
                             settings.zone.key)
        return datetime.fromisoformat(moved.astimezone(settings.zone).isoformat())  # a fixed offset, as stored

    def _log_failure(self, err: ClueError) -> None:
        then = f"the next poll in {self.arguments.poll_interval:g} s tries again"
        if getattr(err, "retryable", False):
            self.log.warning("The API did not answer the count (%s); %s", err, then)
        else:
            self.log.error("%s; %s", err, then)
