"""ClueSearchOperator: pull one window of clues into XCom, JSON Lines or Parquet; ``asset_of_destination``
for a DAG scheduled on what it writes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_clue.api.request_validation import check_positive_int
from airflow_provider_clue.compat import BaseOperator, scheduled_on_assets
from airflow_provider_clue.log_masking import MasksPersonalFilters
from airflow_provider_clue.outputs.destination_sharing import check_scheduled_destination
from airflow_provider_clue.outputs.destinations import asset_of_destination, check_destination
from airflow_provider_clue.outputs.output_writers import XCOM_MAX_BYTES, XCOM_MAX_RECORDS
from airflow_provider_clue.outputs.phone_output import check_phone_output

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import timedelta

    from airflow.sdk import Context, ObjectStoragePath
    from airflow.sdk.definitions.mappedoperator import OperatorPartial

    from airflow_provider_clue.api.filters import ClueFilters
    from airflow_provider_clue.events.pulls import EventPull
    from airflow_provider_clue.hooks.clue import ClueHook
    from airflow_provider_clue.outputs.lineage import PullLineage
    from airflow_provider_clue.windows.run_window import ClueWindow

__all__ = ["ClueSearchOperator", "asset_of_destination"]  # the Asset of a destination, for its consumers

_PLACEHOLDER_FORMAT = "%Y-%m-%dT%H%M%S"
_SOURCES = {
    "explicit": "the created_at argument",
    "asset_events": "the windows announced by ClueEventTrigger (the run's triggering asset events)",
    "partition": "the run's partition (its period)",
    "data_interval": "the run's data interval",
    "schedule": "the schedule (its latest complete interval at the run)",
}


class ClueSearchOperator(MasksPersonalFilters, BaseOperator):
    """Pull the clues created in one window, every record once, into XCom or object storage.

    **The window** is half-open, ``[start, end)``, and is sent to the API (inclusive, one-second
    resolution) as ``[start, end - 1 s]`` in the connection's zone: ``created_at`` when given, else
    the run's window by the rule of :doc:`/windows` (``docs/windows.md``: asset events of
    ``ClueEventTrigger``, partitions, data intervals, the schedule's latest complete interval; a
    run of an event-driven pull runs one instance at a time unless ``max_active_tis_per_dag`` is
    set). The window used is logged and returned.

    **The output**: with no ``destination`` the records are returned through XCom, refused past
    ``xcom_max_records`` records or ``xcom_max_bytes`` bytes. With a ``destination`` the records
    stream to that object as UTF-8 JSON Lines (gzip for ``.jsonl.gz``) or, for ``.parquet``, as
    Parquet (the ``[parquet]`` extra), appearing only when complete; a rerun of the same window
    replaces it, and an object of another window, account or stage is never replaced (a record
    beside each object, ``.<name>.clue.json``, says what it holds; a destination that several
    windows would share is refused when the DAG is parsed where the DAG file shows it). The summary
    ``{"uri", "count", "created_at": [start, end], "pulled_created_at", ...}`` is returned, and the
    destination's folder becomes the task's ``Asset`` outlet unless ``outlets`` are given, mapped
    tasks included.

    :param clue_conn_id: the ``clue`` connection.
    :param user_id: whose pool to read; the connection's login by default. Templated.
    :param stage: the pool stage. Templated.
    :param filters: the API's filters by their own names (not ``created_at``). Templated.
    :param created_at: ``[start, end)``: datetimes, dates, ISO 8601 strings, or ``YYYY-MM-DD HH:MM:SS``
        in the connection's zone. Templated.
    :param lookback: moves the start back to catch late-arriving records; the windows of
        consecutive runs then overlap, so deduplicate the outputs downstream (by ``id``). The
        placeholders and ``created_at`` of the summary still name the run's own window;
        ``pulled_created_at`` says where the pull began.
    :param destination: a URI (``file://``, ``s3://``, ``gs://``... anything ``ObjectStoragePath``
        writes) or an ``ObjectStoragePath``, ending in ``.jsonl``, ``.jsonl.gz``, ``.ndjson`` or
        ``.parquet``. ``{start}``, ``{end}``, ``{start_date}``, ``{user_id}`` and ``{stage}`` are
        filled in from the run's window (in the connection's zone). Templated.
    :param destination_conn_id: the connection of the destination's storage (e.g. ``aws_default``).
    :param per_page: the page size to ask for; the connection's by default.
    :param max_records: stop after this many records.
    :param phone_output: ``raw`` (default: as the API sends them), ``mask`` (``138****8000``) or
        ``hash`` (``hmac-sha256:<hex>``, keyed by the connection extra ``phone_hash_secret``, so
        the same number gives the same value across runs), for outputs that must not hold raw
        phone numbers.
    :param max_concurrency: pages fetched at once (1 to 32); the connection's ``max_concurrency``
        extra (default 4) when not given. The API's 429s lower it for a while.
    :param xcom_max_records: the most records returned through XCom.
    :param xcom_max_bytes: the most bytes (as JSON) returned through XCom.
    """

    template_fields: Sequence[str] = ("user_id", "stage", "filters", "created_at", "destination")
    template_fields_renderers: ClassVar[dict[str, str]] = {"filters": "json", "created_at": "json"}
    ui_color = "#e8f4fd"

    def __init__(
        self,
        *,
        clue_conn_id: str = "clue_default",
        user_id: str | None = None,
        stage: str = "clue",
        filters: Mapping[str, Any] | ClueFilters | None = None,
        created_at: Sequence[Any] | None = None,
        lookback: timedelta | None = None,
        destination: str | ObjectStoragePath | None = None,
        destination_conn_id: str | None = None,
        per_page: int | None = None,
        max_records: int | None = None,
        max_concurrency: int | None = None,
        phone_output: str = "raw",
        xcom_max_records: int = XCOM_MAX_RECORDS,
        xcom_max_bytes: int = XCOM_MAX_BYTES,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.clue_conn_id = clue_conn_id
        self.user_id = user_id
        self.stage = stage
        self.filters = filters
        self.created_at = created_at
        self.lookback = lookback
        self.destination = destination
        self.destination_conn_id = destination_conn_id
        self.per_page = per_page
        self.max_records = max_records
        self.max_concurrency = max_concurrency
        self.phone_output = check_phone_output(phone_output)
        self.xcom_max_records = check_positive_int("xcom_max_records", xcom_max_records)
        self.xcom_max_bytes = check_positive_int("xcom_max_bytes", xcom_max_bytes)
        self._lineage: PullLineage | None = None
        if destination is not None:
            check_destination(destination)
            if self.has_dag():  # type: ignore[no-untyped-call]
                check_scheduled_destination(destination, created_at, self.dag.timetable)
            if not kwargs.get("outlets") and (asset := asset_of_destination(destination)) is not None:
                self.outlets = [asset]
        if created_at is None and self.has_dag() and scheduled_on_assets(self.dag.timetable):  # type: ignore[no-untyped-call]
            self._follow_watcher()

    def _follow_watcher(self) -> None:
        """A pull of a DAG scheduled on assets carries on from its own record (``events.pulls``): one instance
        at a time, unless the DAG file says otherwise; and warnings for a schedule it cannot work with."""
        from airflow_provider_clue.events.pulls import warn_about_schedule

        if self.max_active_tis_per_dag is None:
            self.max_active_tis_per_dag = 1
        warn_about_schedule(self.dag.timetable, f"{self.dag.dag_id}.{self.task_id}")

    @classmethod
    def partial(cls, **kwargs: Any) -> OperatorPartial:
        """As ``BaseOperator.partial``; ``expand`` then refuses destinations that mapped instances would
        share and declares the destination's Asset as the mapped task's outlet."""
        from airflow_provider_clue.mapped_pulls import CluePartial

        if kwargs.get("destination") is not None:
            check_destination(kwargs["destination"])
        for limit in ("xcom_max_records", "xcom_max_bytes"):
            if limit in kwargs:
                check_positive_int(limit, kwargs[limit])
        return CluePartial.of(super().partial(**kwargs))

    def execute(self, context: Context) -> Any:
        from airflow_provider_clue.api.filters import ClueFilters
        from airflow_provider_clue.hooks.clue import ClueHook
        from airflow_provider_clue.outputs.destinations import (
            assets_holding,
            destination_path,
            plain_uri,
            prepare_destination,
        )
        from airflow_provider_clue.outputs.lineage import PullLineage
        from airflow_provider_clue.outputs.object_records import ObjectRecord, check_object, record_object
        from airflow_provider_clue.outputs.output_writers import records_for_xcom, write_records
        from airflow_provider_clue.outputs.phone_output import phone_transform
        from airflow_provider_clue.windows.run_window import resolve_window

        hook = ClueHook(clue_conn_id=self.clue_conn_id, max_concurrency=self.max_concurrency)
        zone = hook.settings.zone
        window = resolve_window(self.created_at, context, zone=zone)
        event_pull = self._event_pull(context, window)
        if event_pull is not None:
            window = event_pull.window  # type: ignore[assignment]
        pulled = window.widened(self.lookback)
        bounds = pulled.api_bounds(zone)
        filters = ClueFilters.without_window(self.rendered_filters, zone=zone)
        query = hook.query(
            filters=filters.with_created_at(bounds), user_id=self.user_id, stage=self.stage, per_page=self.per_page
        )
        if self.max_records is not None:
            check_positive_int("max_records", self.max_records)
        transform = phone_transform(self.phone_output, secret=hook.settings.phone_hash_secret)
        start, end, pulled_start = (moment.astimezone(zone) for moment in (window.start, window.end, pulled.start))
        path = record = None
        if self.destination is not None:
            placeholders = {
                "start": start.strftime(_PLACEHOLDER_FORMAT),
                "end": end.strftime(_PLACEHOLDER_FORMAT),
                "start_date": start.strftime("%Y-%m-%d"),
                "user_id": query.user_id,
                "stage": query.stage,
            }
            path = destination_path(self.destination, conn_id=self.destination_conn_id, placeholders=placeholders)
            prepare_destination(path)
        query = hook.resolve(query)  # reads the pool's template for component filters: after every local check
        if path is not None:
            shaped_by = self._shaped_by(hook, query.filters)
            record = ObjectRecord.of(start, end, query.user_id, query.stage, shaped_by=shaped_by)
            check_object(path, record, plain_uri(path))
        self.log.info(
            "Window [%s, %s) from %s%s, sent to the API as created_at [%s, %s] (%s)",
            start.isoformat(), end.isoformat(), _SOURCES[window.source],
            f", read from {pulled_start.isoformat()} (lookback)" if pulled is not window else "",
            bounds[0], bounds[1], zone.key,
        )
        pull = hook.pull(query, max_records=self.max_records)
        self._lineage = PullLineage(
            hook.settings.base_url, query.user_id, query.stage, None if path is None else plain_uri(path)
        )
        if path is None or record is None:
            returned = records_for_xcom(
                pull, max_records=self.xcom_max_records, max_bytes=self.xcom_max_bytes, transform=transform
            )
            if event_pull is not None:
                event_pull.commit()
            return returned
        records = pull.records()
        uri = plain_uri(path)
        count = write_records(
            records if transform is None else map(transform, records), path,
            before_commit=lambda: record_object(path, record, uri),
        )
        if event_pull is not None:
            event_pull.commit()
        written: dict[str, Any] = {"uri": uri, "count": count, "created_at": [start.isoformat(), end.isoformat()]}
        self.log.info("Wrote %d records to %s", count, uri)
        for asset in assets_holding(self.outlets, uri):
            context["outlet_events"][asset].extra = written
        return {
            **written,
            "pulled_created_at": [pulled_start.isoformat(), end.isoformat()],
            "api_created_at": list(bounds),
            "user_id": query.user_id,
            "stage": query.stage,
            "stats": pull.stats.as_dict(),
        }

    def _event_pull(self, context: Context, window: ClueWindow) -> EventPull | None:
        """For a run of a watcher's events, the window from this task's last pull to the watcher's latest
        window (``events.pulls``); skips the run when an earlier one pulled all of it."""
        from airflow_provider_clue.compat import AirflowSkipException
        from airflow_provider_clue.events.pulls import plan_event_pull, watcher_of

        watcher = watcher_of(context) if window.source == "asset_events" else None
        if watcher is None:
            return None
        event_pull = plan_event_pull(context, watcher, window)
        if event_pull.window is None:
            raise AirflowSkipException(
                f"Nothing new to pull: this run's windows end by {window.end.isoformat()}, and {event_pull.reason}"
            )
        self.log.info("This run's events announced [%s, %s); pulling from %s", window.start.isoformat(),
                      window.end.isoformat(), event_pull.reason)
        return event_pull

    def _shaped_by(self, hook: ClueHook, filters: ClueFilters) -> dict[str, Any]:
        """What, beside the window, account and stage, decides what this pull writes (for its object's record)."""
        import hashlib

        secret = hook.settings.phone_hash_secret if self.phone_output == "hash" else None
        sent = filters.to_json_body()
        sent.pop("created_at", None)  # the window is the record's own
        # components by their resolved ids (names are not sent): after a component is renamed in the
        # pool and then in the DAG, a rerun is the same pull and replaces its object
        return {
            "filters": sent,
            "phone_output": self.phone_output,
            "phone_key": hashlib.sha256(secret.encode()).hexdigest() if secret else None,
            "max_records": self.max_records,
            "lookback": self.lookback.total_seconds() if self.lookback else None,
        }

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage datasets (when the OpenLineage provider is installed): the pool read, the object written."""
        from airflow_provider_clue.outputs.lineage import operator_lineage

        return operator_lineage(self._lineage)
