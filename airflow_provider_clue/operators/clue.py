"""ClueSearchOperator: pull one window of clues into XCom or a JSON Lines object."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import Asset, BaseOperator

from airflow_provider_clue.output_writers import XCOM_MAX_BYTES, XCOM_MAX_RECORDS
from airflow_provider_clue.phone_output import check_phone_output

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import timedelta

    from airflow.sdk import Context, ObjectStoragePath

    from airflow_provider_clue.filters import ClueFilters
    from airflow_provider_clue.lineage import PullLineage

_PLACEHOLDER_FORMAT = "%Y-%m-%dT%H%M%S"
_SOURCES = {
    "explicit": "the created_at argument",
    "data_interval": "the run's data interval",
    "schedule": "the schedule (the run's data interval is empty)",
}


class ClueSearchOperator(BaseOperator):
    """Pull the clues created in one window, every record once, into XCom or object storage.

    **The window** is half-open, ``[start, end)``, and is sent to the API (inclusive, one-second
    resolution) as ``[start, end - 1 s]`` in the connection's zone. Explicit ``created_at`` wins;
    otherwise the run's data interval when it is not empty; otherwise (``CronTriggerTimetable``,
    the default for cron strings in Airflow 3, and manual runs) the schedule's latest complete
    interval ending at or before the run (``[previous tick, this tick)``). A DAG with no schedule
    needs ``created_at``. The window used is logged and returned.

    **The output**: with no ``destination`` the records are returned through XCom, refused past
    ``xcom_max_records`` records or ``xcom_max_bytes`` bytes. With a ``destination`` the records
    stream to that object as UTF-8 JSON Lines (gzip for ``.jsonl.gz``) or, for ``.parquet``, as
    Parquet (the ``[parquet]`` extra), appearing only when complete; a rerun replaces it. The
    summary ``{"uri", "count", "created_at": [start, end], ...}`` is returned, and the destination's
    folder becomes the task's ``Asset`` outlet unless ``outlets`` are given.

    :param clue_conn_id: the ``clue`` connection.
    :param user_id: whose pool to read; the connection's login by default. Templated.
    :param stage: the pool stage. Templated.
    :param filters: the API's filters by their own names (not ``created_at``). Templated.
    :param created_at: ``[start, end)``: datetimes, ISO 8601 strings, or ``YYYY-MM-DD HH:MM:SS`` in
        the connection's zone. Templated.
    :param lookback: moves the start back to catch late-arriving records; the windows of
        consecutive runs then overlap, so deduplicate the outputs downstream (by ``id``).
    :param destination: a URI (``file://``, ``s3://``, ``gs://``... anything ``ObjectStoragePath``
        writes) or an ``ObjectStoragePath``. ``{start}``, ``{end}``, ``{start_date}``, ``{user_id}``
        and ``{stage}`` are filled in from the window (in the connection's zone). Templated.
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
        self.xcom_max_records = xcom_max_records
        self.xcom_max_bytes = xcom_max_bytes
        self._destination_asset: Asset | None = None
        self._lineage: PullLineage | None = None
        if destination is not None and not kwargs.get("outlets"):
            self._destination_asset = asset_of_destination(destination)
            if self._destination_asset is not None:
                self.outlets = [self._destination_asset]

    def execute(self, context: Context) -> Any:
        from airflow_provider_clue.filters import ClueFilters
        from airflow_provider_clue.hooks.clue import ClueHook
        from airflow_provider_clue.lineage import PullLineage
        from airflow_provider_clue.output_writers import destination_path, records_for_xcom, write_records
        from airflow_provider_clue.phone_output import phone_transform
        from airflow_provider_clue.request_validation import check_positive_int
        from airflow_provider_clue.run_window import resolve_window

        hook = ClueHook(clue_conn_id=self.clue_conn_id, max_concurrency=self.max_concurrency)
        zone = hook.settings.zone
        window = resolve_window(self.created_at, context, zone=zone, lookback=self.lookback)
        bounds = window.api_bounds(zone)
        filters = ClueFilters.without_window(self.filters, zone=zone)
        query = hook.client.query(
            filters=filters.with_created_at(bounds), user_id=self.user_id, stage=self.stage, per_page=self.per_page
        )
        if self.max_records is not None:
            check_positive_int("max_records", self.max_records)
        transform = phone_transform(self.phone_output, secret=hook.settings.phone_hash_secret)
        start, end = (moment.astimezone(zone) for moment in (window.start, window.end))
        path = None
        if self.destination is not None:
            placeholders = {
                "start": start.strftime(_PLACEHOLDER_FORMAT),
                "end": end.strftime(_PLACEHOLDER_FORMAT),
                "start_date": start.strftime("%Y-%m-%d"),
                "user_id": query.user_id,
                "stage": query.stage,
            }
            path = destination_path(self.destination, conn_id=self.destination_conn_id, placeholders=placeholders)
        self.log.info(
            "Window [%s, %s) from %s, sent to the API as created_at [%s, %s] (%s)",
            start.isoformat(), end.isoformat(), _SOURCES[window.source], bounds[0], bounds[1], zone.key,
        )
        pull = hook.pull(query, max_records=self.max_records)
        self._lineage = PullLineage(
            hook.settings.base_url, query.user_id, query.stage, None if path is None else _plain_uri(path)
        )
        if path is None:
            return records_for_xcom(
                pull, max_records=self.xcom_max_records, max_bytes=self.xcom_max_bytes, transform=transform
            )
        records = pull.records()
        count = write_records(records if transform is None else map(transform, records), path)
        written: dict[str, Any] = {
            "uri": _plain_uri(path), "count": count, "created_at": [start.isoformat(), end.isoformat()]
        }
        self.log.info("Wrote %d records to %s", count, written["uri"])
        if self._destination_asset is not None:
            context["outlet_events"][self._destination_asset].extra = written
        return {
            **written,
            "api_created_at": list(bounds),
            "user_id": query.user_id,
            "stage": query.stage,
            "stats": pull.stats.as_dict(),
        }


    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage datasets (when the OpenLineage provider is installed): the pool read, the object written."""
        from airflow_provider_clue.lineage import operator_lineage

        return operator_lineage(self._lineage)


def asset_of_destination(destination: str | ObjectStoragePath) -> Asset | None:
    """The ``Asset`` of a destination's fixed folder: the part before any placeholder or template.

    ``s3://bucket/clues/{{ ds }}.jsonl`` gives ``Asset("s3://bucket/clues")``; a destination whose
    scheme or bucket is templated gives ``None`` (pass ``outlets`` yourself).
    """
    if not isinstance(destination, str) and not hasattr(destination, "protocol"):
        return None  # not a destination at all: execute() says so, naming the field
    uri = destination if isinstance(destination, str) else _plain_uri(destination)
    fixed = uri.split("{", 1)[0]
    folder = fixed.rsplit("/", 1)[0] if "{" in uri else fixed
    scheme, _, rest = folder.partition("://")
    if not scheme or not rest.strip("/"):
        return None
    return Asset(uri=folder.rstrip("/"))


def _plain_uri(path: ObjectStoragePath) -> str:
    """``path`` as a URI without the connection id that ``ObjectStoragePath`` embeds."""
    return f"{path.protocol}://{path.path}" if path.protocol not in ("file", "local") else f"file://{path.path}"

