"""The loop behind ``ClueEventTrigger``: count what settled past the watermark, announce it, move on.

Airflow may run two copies of one trigger at once (a triggerer that stalls past its heartbeat is
replaced, then resumes for a moment), and several watchers of the same clues may share a cursor.
So every write of the cursor is preceded by a read: a copy that finds the cursor moved by someone
else since it last read or wrote it does not write its own, says so, and carries on from the
stored one; a cursor moved backwards (by such a stale copy) is set forward again. Between that
read and the write there is no lock, which Variables do not offer: a copy frozen in exactly
that instant can still write once, and the pulls, which record what they pulled, never pull a
window twice for it.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol

from airflow_provider_clue.api.request_counts import WarningLogger
from airflow_provider_clue.clue_count import WaitCondition, acount_clues
from airflow_provider_clue.events.watermark import Watermark, next_window, payload_of, watermark_key
from airflow_provider_clue.exceptions import ClueConfigurationError, ClueError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from airflow.triggers.base import BaseEventTrigger

    from airflow_provider_clue.api.async_client import AsyncClueClient
    from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
    from airflow_provider_clue.api.query import CustomerQuery
    from airflow_provider_clue.events.arguments import EventWatcherArguments

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

    :param trigger: the trigger Airflow runs (on 3.3 its asset state store may hold an older cursor).
    :param arguments: what to watch and how often.
    :param logger: where polls, announcements and errors are logged.
    """

    def __init__(self, trigger: BaseEventTrigger, arguments: EventWatcherArguments, *, logger: WatcherLogger) -> None:
        from airflow_provider_clue.events.stores import VariableWatermarks

        self.trigger = trigger
        self.arguments = arguments
        self.log = logger
        self.key = watermark_key(arguments.identity())
        self.store = VariableWatermarks()
        self._clients = AsyncExitStack()
        self._settings: ClueConnectionSettings | None = None
        self._client: AsyncClueClient | None = None
        self._query: CustomerQuery | None = None
        self._seen: Watermark | None = None  # the cursor as last read from or written to the store
        self._filters_proven = False  # a probe showed the server applies the filters (see clue_count)

    @property
    def trigger_id(self) -> int | str | None:
        """The id of the trigger row Airflow runs this as (``None`` outside a triggerer)."""
        return getattr(self.trigger, "trigger_id", None)

    async def announcements(self) -> AsyncIterator[dict[str, Any]]:
        """Yield ``{"created_at": [start, end], "count": n, "watcher": key}`` for each window with enough new
        clues; a trigger that starts first yields the last window again (see :meth:`_again`)."""
        opened = False
        watermark: Watermark | None = None
        try:
            while True:
                try:
                    if not opened:
                        await self._identify()
                        watermark = await self._open()
                        opened = True
                        again = self._again(watermark)
                        if again is not None:
                            yield again
                    else:
                        watermark = await self._current(watermark)
                    settings = await self._connect()
                    if watermark is None:
                        watermark = await self._save(Watermark(self._first_start(settings)))
                    if watermark is not None and watermark.announced is None:
                        polled = await self._poll(watermark, settings)
                        if polled.announced is not None:  # recorded before it is announced, or not announced
                            watermark = await self._save(polled)
                    elif watermark is not None:
                        self.log.info("Announcing %s again: it was announced but not recorded as done",
                                      watermark.announced["created_at"])  # type: ignore[index]
                    if watermark is not None and watermark.announced is not None:
                        yield dict(watermark.announced)
                        await asyncio.sleep(max(self.arguments.poll_interval, HANDOVER_SECONDS))
                        # moved on here even if the store fails now: the next window then waits for the store
                        # (it must be recorded before it is announced), instead of this one being announced
                        # at every poll
                        watermark = watermark.done()
                        watermark = await self._save(watermark)
                        continue  # count what settled meanwhile at once
                except ClueError as err:
                    self._log_failure(err)
                except Exception:  # never die: a watcher that raises is not restarted by Airflow
                    self.log.exception("The poll, or a write of the cursor, failed; the next poll in %g s tries again",
                                       self.arguments.poll_interval)
                await asyncio.sleep(self.arguments.poll_interval)
        finally:
            await self._clients.aclose()

    async def _identify(self) -> None:
        """Key the cursor of component filters given by name by the ids they resolve to (in id order,
        values as text), so that a component renamed in the pool, then in the DAG, or the mapping
        written in another order, keeps its cursor (the pool's template is read here, in the
        triggerer; a name it does not hold fails this poll, and the next tries again)."""
        from airflow_provider_clue.api.component_filters import components_identity

        if not isinstance(self.arguments.filters.get("components"), dict):  # names: a mapping (to_json_body)
            return
        await self._connect()
        assert self._client is not None and self._query is not None
        resolved = (await self._client.resolve(self._query, logger=self.log)).filters
        filters = {**resolved.to_json_body(), "components": {"by_id": components_identity(resolved)}}
        self.key = watermark_key({**self.arguments.identity(), "filters": filters})

    async def _open(self) -> Watermark | None:
        """The cursor this trigger starts from (moved from the asset state store if it was kept there)."""
        from airflow_provider_clue.events.stores import open_cursor

        watermark, found_in = await open_cursor(self.trigger, self.store, self.key)
        self._seen = watermark
        self.log.info("Cursor %s in %s (found in %s), trigger %s: %s", self.key, self.store.description, found_in,
                      self.trigger_id, "none" if watermark is None else watermark.to_json())
        return watermark

    def _again(self, watermark: Watermark | None) -> dict[str, Any] | None:
        """The last window, announced again by a trigger that starts (the DAG unpaused, its file changed, the
        asset renamed, a triggerer restarted: Airflow tells none of them apart). An event made while no
        DAG could run on it (paused) made no run; this one makes one, whose pull reads everything since
        its last pull, and is skipped when nothing is new. A window still pending is announced again
        by the loop itself."""
        if watermark is None or watermark.announced is not None or watermark.last is None:
            return None
        self.log.info("Announcing the last window %s again, as a trigger starting: a run pulls whatever no run "
                      "pulled since (if anything)", watermark.last["created_at"])
        return dict(watermark.last)

    async def _current(self, watermark: Watermark | None) -> Watermark | None:
        """The cursor to go on from, as the store holds it now.

        - Unchanged since this trigger last read or wrote it: ``watermark``, written again first if
          that write failed (the cursor in memory is then ahead).
        - Changed by someone else: see :meth:`_resolve`.
        """
        stored = await self.store.load(self.key)
        if _same(stored, self._seen):
            if watermark is not None and not _same(watermark, self._seen):
                await self._write(watermark)
            return watermark
        return await self._resolve(stored, mine=watermark)

    async def _save(self, watermark: Watermark) -> Watermark | None:
        """Write ``watermark`` if the store still holds what this trigger last saw; else what :meth:`_resolve`
        says to carry on from. Returns the cursor to go on from."""
        stored = await self.store.load(self.key)
        if not _same(stored, self._seen):
            resolved = await self._resolve(stored, mine=watermark)
            if resolved is not watermark:
                return resolved
            return watermark
        await self._write(watermark)
        return watermark

    async def _resolve(self, stored: Watermark | None, *, mine: Watermark | None) -> Watermark | None:
        """Someone else wrote the cursor since this trigger last saw it.

        - Deleted: ``None``, so the watcher starts again at ``start``, as the docs say deleting it does.
        - Moved backwards (a stale copy of this trigger wrote an old state): ``mine``, written over it.
        - Moved on (another copy, or a watcher of the same clues with other pacing): the stored one; this
          trigger's own state is not written.
        """
        if stored is None:
            if self._seen is None and mine is not None:  # never written: this trigger's first write failed
                await self._write(mine)
                return mine
            self.log.warning("Cursor %s was deleted; starting again at start (%s)", self.key,
                             self.arguments.start or "now")
            self._seen = None
            return None
        if mine is not None and stored.position() < mine.position() and (
            self._seen is None or stored.position() < self._seen.position()
        ):
            self.log.warning(
                "Cursor %s was moved back to %s, behind %s, which this trigger had written: a stale copy of it "
                "(a triggerer that stalled and was replaced) wrote an old state. Writing %s again: a cursor "
                "only moves forward", self.key, stored.to_json(), self._seen and self._seen.to_json(), mine.to_json(),
            )
            await self._write(mine)
            return mine
        self.log.warning(
            "Cursor %s was moved on to %s by another ClueEventTrigger; this one does not write its own (%s) and "
            "carries on from there. Airflow runs two copies of one trigger for a while when a triggerer stalls; "
            "if this repeats, two watchers of the same clues and start run with different poll_interval, settle "
            "or min_count, and each announces only part of the windows: give them the same ones, or different "
            "starts", self.key, stored.to_json(), "none" if mine is None else mine.to_json(),
        )
        self._seen = stored
        return stored

    async def _write(self, watermark: Watermark) -> None:
        await self.store.save(self.key, watermark)
        self._seen = watermark

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
        return watermark.announcing(payload_of(window, result.count, settings.zone, self.key))

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


def _same(one: Watermark | None, other: Watermark | None) -> bool:
    if one is None or other is None:
        return one is other
    return one.to_json() == other.to_json()
