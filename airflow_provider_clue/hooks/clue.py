"""ClueHook: read a customer pool of the clue API through an Airflow connection."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from airflow_provider_clue.api.client import ClueClient
from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
from airflow_provider_clue.api.pull import Pull
from airflow_provider_clue.api.request_validation import check_max_concurrency, check_positive_int
from airflow_provider_clue.compat import BaseHook
from airflow_provider_clue.exceptions import ClueError

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from airflow_provider_clue.api.envelope import Record
    from airflow_provider_clue.api.filters import ClueFilters
    from airflow_provider_clue.api.query import CustomerQuery


class ClueHook(BaseHook):
    """Read clues (sales leads) from the customer-pool API.

    Every argument is checked before a request is sent; one ``requests.Session`` serves all
    pages; transient errors (429, 5xx, dropped connections, non-JSON bodies) are retried with
    backoff, bounded by the connection's ``max_retries`` and ``max_retry_wait``. A pull fetches
    up to ``max_concurrency`` pages at once, fewer while the API answers 429, and sends no more
    than the connection's ``rate_limit`` requests per second. One hook may serve several pulls at
    once, from several threads: the limits then hold for all of them together.

    :param clue_conn_id: the ``clue`` connection: host is the base URL, password the API token,
        login the default ``user_id``; extras as listed in ``get_provider_info()``.
    :param max_concurrency: requests in flight at once (1 to 32); the connection's
        ``max_concurrency`` extra (default 4) when not given.
    :param template_max_age: seconds a read of the pool's template serves component filters by name;
        a hook that checks again and again (a sensor's) reads it anew when older. ``None`` (default):
        read once for the hook's life, and once more when a name is not found.
    """

    conn_name_attr = "clue_conn_id"
    default_conn_name = "clue_default"
    conn_type = "clue"
    hook_name = "Clue"

    def __init__(
        self,
        clue_conn_id: str = default_conn_name,
        *,
        max_concurrency: int | None = None,
        template_max_age: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.clue_conn_id = clue_conn_id
        self.template_max_age = template_max_age
        self.max_concurrency = None if max_concurrency is None else check_max_concurrency(max_concurrency)
        self._lock = threading.RLock()  # cached_property has no lock since Python 3.12
        self._settings: ClueConnectionSettings | None = None
        self._client: ClueClient | None = None
        self._filters_proven = False  # a count's probe showed the server applies the filters (count_customers)

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """The form's extras on Airflow 3.0 and 3.1; 3.2+ read ``conn-fields`` and never call this."""
        from airflow_provider_clue.connection_form import connection_form_widgets

        return connection_form_widgets()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """The standard fields' labels on Airflow 3.0 and 3.1; 3.2+ read ``ui-field-behaviour``."""
        from airflow_provider_clue.api.connection_settings import FIELD_BEHAVIOUR

        return FIELD_BEHAVIOUR

    @property
    def settings(self) -> ClueConnectionSettings:
        """The connection's validated settings, read once (by whichever thread asks first)."""
        with self._lock:
            if self._settings is None:
                self._settings = self._read_settings()
            return self._settings

    @property
    def client(self) -> ClueClient:
        """The HTTP client, built once; its session and limits serve every call and pull of this hook."""
        with self._lock:
            if self._client is None:
                self._client = ClueClient(self.settings, logger=self.log, template_max_age=self.template_max_age)
            return self._client

    def _read_settings(self) -> ClueConnectionSettings:
        """Read and check the connection; mask the token (as it is sent) and the hash secret in logs."""
        from airflow_provider_clue.compat import mask_secret

        connection = self.get_connection(self.clue_conn_id)
        settings = ClueConnectionSettings.from_connection(connection)
        if settings.token != connection.password:  # Airflow masks the password as given; this is it trimmed
            mask_secret(settings.token)
        if settings.phone_hash_secret:
            mask_secret(settings.phone_hash_secret)
        if self.max_concurrency is not None:
            settings = replace(settings, max_concurrency=self.max_concurrency)
        return settings

    def query(
        self,
        *,
        filters: Mapping[str, Any] | ClueFilters | None = None,
        user_id: str | None = None,
        stage: str = "clue",
        per_page: int | None = None,
    ) -> CustomerQuery:
        """Validate a query (no request is sent) and mask the phone and e-mail it filters on in logs."""
        from airflow_provider_clue.log_masking import mask_personal_filters

        query = self.client.query(filters=filters, user_id=user_id, stage=stage, per_page=per_page)
        mask_personal_filters(query.filters)
        return query

    def get_customer(
        self,
        *,
        page: int = 1,
        per_page: int | None = None,
        filters: Mapping[str, Any] | ClueFilters | None = None,
        user_id: str | None = None,
        stage: str = "clue",
    ) -> dict[str, Any]:
        """Fetch one page and return its validated envelope (``code``, ``status``, ``meta``, ``data``).

        :param page: the 1-based page number.
        :param per_page: page size asked for; the server may clamp it (read ``meta.per_page``).
        :param filters: the API's filters by their own names, or a ``ClueFilters``.
        :param user_id: whose pool to read; the connection's login by default.
        :param stage: the pool stage, ``clue`` by default.
        """
        query = self.query(filters=filters, user_id=user_id, stage=stage, per_page=per_page)
        return self.client.get_page(query, page).envelope

    def iter_customers(
        self,
        *,
        filters: Mapping[str, Any] | ClueFilters | None = None,
        user_id: str | None = None,
        stage: str = "clue",
        per_page: int | None = None,
        max_records: int | None = None,
    ) -> Iterator[Record]:
        """Yield every matching record exactly once, paging as the server's ``meta`` says.

        The arguments are validated when this is called, before the first record is asked for.

        :param max_records: stop after this many distinct records.
        """
        if max_records is not None:
            check_positive_int("max_records", max_records)
        query = self.query(filters=filters, user_id=user_id, stage=stage, per_page=per_page)
        return self.pull(query, max_records=max_records).records()

    def get_components(self, *, user_id: str | None = None) -> list[dict[str, Any]]:
        """The pool's component template (``GET /agent-api/user/{user_id}/customer/create``): each
        component as the API sends it (``id``, ``name``, ``type``, ``sort``, ``validate`` and any
        other key), with the same auth, retries, errors and timeouts as :meth:`get_customer`.

        :param user_id: whose pool; the connection's login by default.
        """
        return self.client.get_components(user_id)

    def resolve(self, query: CustomerQuery) -> CustomerQuery:
        """``query`` with its component filters (by name or id) resolved through the pool's template:
        read once for this hook's life, and checked against each component's type. Every call and
        pull of this hook does this itself; call it to know the ids before the first page.

        :raises ClueValidationError: (field ``filters.components``) for a name or id the template
            does not hold (a component renamed or deleted since?), or a value its type refuses.
        """
        return self.client.resolve(query)

    def pull(self, query: CustomerQuery, *, max_records: int | None = None) -> Pull:
        """A :class:`Pull` of ``query`` with this hook's client and concurrency (nothing is sent yet)."""
        return Pull(self.client, query, logger=self.log, max_records=max_records)

    def count_customers(
        self,
        *,
        filters: Mapping[str, Any] | ClueFilters | None = None,
        user_id: str | None = None,
        stage: str = "clue",
    ) -> int:
        """The number of matching records (``meta.total``), read with one one-record request; the first
        count of a hook whose filters travel in the request body is proven with one more (a count of a
        second in which no clue can exist must be 0: ``api.filter_probe``)."""
        from airflow_provider_clue.api.filter_probe import check_probe, needs_probe, probe_query

        query = self.query(filters=filters, user_id=user_id, stage=stage, per_page=1)
        total = self.client.get_page(query, 1).meta.total
        if not self._filters_proven and needs_probe(self.settings, query, total):
            check_probe(self.client.get_page(probe_query(query), 1), total, query.path)
            self._filters_proven = True
        return total

    def test_connection(self) -> tuple[bool, str]:
        """Check the base URL, token and default user by counting the default user's clues."""
        try:
            if not self.settings.user_id:
                return False, "The connection has no User ID (login); set it to the user's UUID to test."
            total = self.count_customers()
        except ClueError as err:
            return False, str(err)
        return True, f"Connection OK: {total} records in stage 'clue' for user {self.settings.user_id}."
