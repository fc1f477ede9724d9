"""ClueEmulator: a real HTTP server that behaves like the clue API, for tests and demos."""

from __future__ import annotations

import json
import os
import ssl
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_clue.api.api_time import DEFAULT_TIMEZONE, load_zone, parse_api_time
from airflow_provider_clue.testing.components import DEFAULT_COMPONENTS, ComponentTemplate, TemplateComponent
from airflow_provider_clue.testing.faults import (
    VENDOR_ERROR,
    FaultKind,
    FaultPlan,
    FaultRates,
    Responder,
    ScriptedResponse,
)
from airflow_provider_clue.testing.records import RecordFactory, wall_seconds_of
from airflow_provider_clue.testing.server import EmulatorServer, LoggedRequest, serve_in_thread
from airflow_provider_clue.testing.store import NotFound, PoolQuery, Record, RecordPool
from airflow_provider_clue.testing.throttle import LaravelThrottle, ThrottleSettings

if TYPE_CHECKING:
    from datetime import datetime

DEFAULT_TOKEN = "emulator-token"
"""The bearer token an emulator accepts unless given ``token``."""
DEFAULT_USER_ID = "40863af8-db4a-41c6-a269-eb5bc386d97f"
"""The account an emulator serves unless given ``user_ids``; ``airflow_env()`` puts it in the connection's login."""
DEFAULT_START = "2026-10-01 00:00:00"
DEFAULT_END = "2026-11-01 00:00:00"
SHUFFLE_TIES_VARIABLE = "CLUE_EMULATOR_SHUFFLE_TIES"
STRING_META_VARIABLE = "CLUE_EMULATOR_STRING_META"
PageListener = Callable[[str, str, int], None]


def shuffle_ties_default() -> bool:
    """The default of ``shuffle_ties``: on when :data:`SHUFFLE_TIES_VARIABLE` is ``1`` (for a whole test run)."""
    return _switch(SHUFFLE_TIES_VARIABLE)


def string_meta_default() -> bool:
    """The default of ``string_meta``: on when :data:`STRING_META_VARIABLE` is ``1`` (for a whole test run)."""
    return _switch(STRING_META_VARIABLE)


def _switch(variable: str) -> bool:
    setting = os.environ.get(variable, "").strip()
    if setting not in ("", "0", "1"):
        raise ValueError(f"{variable} must be 1 or 0, got {setting!r}")
    return setting == "1"


class ClueEmulator:
    """The clue API on loopback, with the semantics the provider assumes (``docs/api-assumptions.md``).

    Newest-first order, ``created_at`` inclusive at both ends in ``timezone``, ``per_page``
    clamped silently to ``max_per_page``, bearer auth (401 ``{"message": "Unauthenticated."}``),
    HTTP 422 for invalid filters, HTTP 200 with ``code`` 403/422 for an unknown user or stage,
    filters read from a JSON body or Laravel query arrays. Each account has a pool template
    (``GET /agent-api/user/{user_id}/customer/create``) whose components' values the records carry
    (:mod:`~airflow_provider_clue.testing.components`). Use it as a context manager::

        with ClueEmulator(records=500) as emulator:
            os.environ.update(emulator.airflow_env())
            ...

    :param records: records generated in each pool over ``[start, end)``: busier in working hours,
        quiet at night, a fifth of them (in pools of 500 or more) in bulk imports of 100 to 500
        records within one second (see :func:`~airflow_provider_clue.testing.arrivals.arrival_times`).
    :param seed: makes the records reproducible.
    :param token: the bearer token the server accepts.
    :param user_ids: the accounts that exist; each gets its own pool per stage.
    :param stages: the pool stages that exist.
    :param start: first creation time, ``YYYY-MM-DD HH:MM:SS`` in ``timezone``.
    :param end: end of creation times (exclusive), same format.
    :param max_per_page: the largest page the server honours.
    :param latency: seconds each API request waits before it is answered.
    :param faults: random fault rates (see :class:`FaultRates`).
    :param shuffle_ties: order records created in the same second differently on every request,
        as a database sorting on ``created_at`` alone may; by default on only when the environment
        variable ``CLUE_EMULATOR_SHUFFLE_TIES`` is ``1``.
    :param drop_request_bodies: ignore request bodies, as a proxy that drops GET bodies would.
    :param throttle: limit the token as Laravel's ``throttle`` middleware does (a fixed window of
        ``limit`` requests per ``window`` seconds, with its ``X-RateLimit-*`` and ``Retry-After``
        headers, see :mod:`~airflow_provider_clue.testing.throttle`); off by default.
    :param laravel_dates: send ``created_at`` and ``updated_at`` as Laravel serialises dates by
        default, ISO 8601 in UTC (``2026-10-04T04:00:00.000000Z``); filters still take
        ``YYYY-MM-DD HH:MM:SS`` in ``timezone``.
    :param components: each account's template: ``(name, type)`` pairs or a mapping of name to type
        (``text``, ``number``, ``date``); by default one of each type and two more texts.
    :param string_meta: send ``meta``'s numbers as strings (``"per_page": "15"``), as older Laravel
        echoes them; by default on only when ``CLUE_EMULATOR_STRING_META`` is ``1``.
    :param port: 0 picks a free port.
    :param tls_cert: ``(certificate file, key file)``: serve HTTPS with them (to test TLS checks).
    """

    def __init__(
        self,
        *,
        records: int = 1000,
        seed: int = 0,
        token: str = DEFAULT_TOKEN,
        user_ids: Sequence[str] = (DEFAULT_USER_ID,),
        stages: Sequence[str] = ("clue",),
        start: str = DEFAULT_START,
        end: str = DEFAULT_END,
        timezone: str = DEFAULT_TIMEZONE,
        max_per_page: int = 100,
        latency: float = 0.0,
        faults: FaultRates | None = None,
        shuffle_ties: bool | None = None,
        drop_request_bodies: bool = False,
        laravel_dates: bool = False,
        throttle: ThrottleSettings | None = None,
        components: Sequence[tuple[str, str]] | Mapping[str, str] = DEFAULT_COMPONENTS,
        string_meta: bool | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        tls_cert: tuple[str, str] | None = None,
    ) -> None:
        if not user_ids or not stages:
            raise ValueError("the emulator needs at least one user id and one stage")
        if max_per_page < 1 or records < 0 or latency < 0:
            raise ValueError("max_per_page must be >= 1; records and latency must be >= 0")
        self.token = token
        self.user_ids = tuple(user_ids)
        self.stages = tuple(stages)
        self.timezone = timezone
        self.max_per_page = max_per_page
        self.latency = latency
        self.drop_request_bodies = drop_request_bodies
        self.laravel_dates = laravel_dates
        self.string_meta = string_meta_default() if string_meta is None else string_meta
        self._templates = {
            user_id: ComponentTemplate(seed=seed, user_id=user_id, components=components) for user_id in self.user_ids
        }
        self.faults = FaultPlan(rates=faults or FaultRates(), seed=seed)
        self.throttle: LaravelThrottle | None = None
        self.set_throttle(throttle)
        if shuffle_ties is None:
            shuffle_ties = shuffle_ties_default()
        zone = load_zone(timezone)
        first, last = (int(parse_api_time(text, zone).timestamp()) for text in (start, end))
        if first >= last:
            raise ValueError(f"start {start!r} must be before end {end!r}")
        self._pools = {
            (user_id, stage): RecordPool(
                RecordFactory(seed=seed, user_id=user_id, stage=stage, zone=zone, template=self._templates[user_id]),
                count=records, start=first, end=last, shuffle_ties=shuffle_ties,
            )
            for user_id in self.user_ids
            for stage in self.stages
        }
        self._log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self._page_listeners: list[PageListener] = []
        self._address = (host, port)
        self._tls_cert = tls_cert
        self._server: EmulatorServer | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> ClueEmulator:
        """Start serving in a background thread; returns ``self``."""
        if self._server is None:
            self._server = EmulatorServer(self._address, self)
            if self._tls_cert is not None:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(*self._tls_cert)
                self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            serve_in_thread(self._server)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ClueEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:41234`` (``https://`` with ``tls_cert``)."""
        if self._server is None:
            raise RuntimeError("the emulator is not running; use it as a context manager or call start()")
        host, port = self._server.server_address[:2]
        return f"{'https' if self._tls_cert else 'http'}://{host!s}:{port}"

    @property
    def user_id(self) -> str:
        """The first (default) user id."""
        return self.user_ids[0]

    # -- connections -----------------------------------------------------------------------------

    def connection_json(self, **extra: Any) -> str:
        """A ``clue`` connection to this emulator in Airflow's JSON form, with ``extra`` set."""
        return json.dumps(
            {"conn_type": "clue", "host": self.url, "password": self.token, "login": self.user_id, "extra": extra}
        )

    def airflow_env(self, conn_id: str = "clue_default", **extra: Any) -> dict[str, str]:
        """``{"AIRFLOW_CONN_<ID>": <connection JSON>}`` to put into ``os.environ``."""
        return {f"AIRFLOW_CONN_{conn_id.upper()}": self.connection_json(**extra)}

    # -- data ------------------------------------------------------------------------------------

    def pool(self, user_id: str | None = None, stage: str = "clue") -> RecordPool:
        pool = self.pool_or_none(user_id or self.user_id, stage)
        if pool is None:
            raise NotFound(f"no pool for user {user_id!r} and stage {stage!r}")
        return pool

    def pool_or_none(self, user_id: str, stage: str) -> RecordPool | None:
        return self._pools.get((user_id, stage))

    def template(self, user_id: str | None = None) -> ComponentTemplate:
        """The pool template of ``user_id`` (the default user's by default)."""
        template = self._templates.get(user_id or self.user_id)
        if template is None:
            raise NotFound(f"no template for user {user_id!r}")
        return template

    def component_id(self, name: str, *, user_id: str | None = None) -> str:
        """The id of the component named ``name`` now."""
        return self.template(user_id).find(name).id

    def rename_component(self, name_or_id: str, new_name: str, *, user_id: str | None = None) -> TemplateComponent:
        """Rename a component while serving, as the vendor's edit page does; records show the new name."""
        return self.template(user_id).rename(name_or_id, new_name)

    def delete_component(self, name_or_id: str, *, user_id: str | None = None) -> TemplateComponent:
        """Delete a component while serving: the template and records no longer show it, filters on it match nothing."""
        return self.template(user_id).delete(name_or_id)

    def records(
        self, *, created_at: tuple[str, str] | None = None, user_id: str | None = None, stage: str = "clue"
    ) -> list[Record]:
        """The records the API would return for ``created_at`` (inclusive strings), newest first."""
        pool = self.pool(user_id, stage)
        query = PoolQuery()
        if created_at is not None:
            query = PoolQuery(created_from=wall_seconds_of(created_at[0]), created_to=wall_seconds_of(created_at[1]))
        return list(pool.records(query))

    def ids(self, **kwargs: Any) -> set[str]:
        """The ids of :meth:`records` with the same arguments."""
        return {str(record["id"]) for record in self.records(**kwargs)}

    def insert(
        self,
        count: int = 1,
        *,
        created_at: datetime | str | None = None,
        user_id: str | None = None,
        stage: str = "clue",
        **fields: Any,
    ) -> list[Record]:
        """Add ``count`` records created at ``created_at`` (default now), with ``fields`` overriding."""
        pool = self.pool(user_id, stage)
        moment = parse_api_time(created_at, pool.zone) if isinstance(created_at, str) else created_at
        return [pool.insert(fields, created_at=moment) for _ in range(count)]

    def delete(self, ids: Iterable[str], *, user_id: str | None = None, stage: str = "clue") -> int:
        """Remove records by id; returns how many existed."""
        return self.pool(user_id, stage).delete(ids)

    # -- faults, latency, request log ----------------------------------------------------------

    def fail_next(self, kind: FaultKind, times: int = 1) -> None:
        """Answer the next ``times`` API requests with fault ``kind``."""
        self.faults.fail_next(kind, times)

    def respond_next(
        self,
        status: int,
        body: bytes | str,
        *,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` API requests with this raw response, whatever they ask.

        For answers the API should never give (malformed envelopes, HTML pages, absurd ``meta``):
        the body is sent as given, ``content_type`` verbatim. Queued in turn with :meth:`fail_next`;
        logged in :attr:`requests` with fault ``"scripted"``; :meth:`clear_faults` forgets them.
        """
        self.faults.respond_next(ScriptedResponse.of(status, body, content_type=content_type, headers=headers), times)

    def business_error_next(
        self, code: int | str = VENDOR_ERROR[0], message: str = VENDOR_ERROR[1], *, times: int = 1
    ) -> None:
        """Answer the next ``times`` API requests with the API's own error in HTTP 200, shaped as the vendor
        documents it: ``{"code": 6007, "status": "error", "message": "2.0任务启动中,请先停止任务", "data": []}``."""
        body = json.dumps({"code": code, "status": "error", "message": message, "data": []}, ensure_ascii=False)
        self.respond_next(200, body, times=times)

    def respond_with(self, responder: Responder | None) -> None:
        """Answer each API request with ``responder(page)`` until :meth:`clear_faults` or ``respond_with(None)``.

        ``page`` is the page the request asks for (1 when it gives none). The responder returns
        ``(status, body)`` or a :class:`ScriptedResponse`, sent as given and logged with fault
        ``"scripted"``, or None to let the emulator answer as usual. It runs on the server's
        threads, concurrently when requests are, after queued faults and before random ones.
        """
        self.faults.respond_with(responder)

    def clear_faults(self) -> None:
        """Forget queued faults and responses and the responder; set every random fault rate to 0."""
        self.faults.clear()

    def set_faults(self, **rates: float | str) -> None:
        """Set random fault rates, e.g. ``set_faults(rate_limit=0.05, retry_after="1")``."""
        self.faults.set_rates(**rates)

    def set_throttle(self, settings: ThrottleSettings | None) -> None:
        """Limit the token from now on with fresh windows (see ``throttle`` above); ``None`` turns it off."""
        self.throttle = LaravelThrottle(settings) if settings is not None else None

    def on_page(self, listener: PageListener) -> None:
        """Call ``listener(user_id, stage, page)`` after each page is served (e.g. to insert records)."""
        self._page_listeners.append(listener)

    def after_page(self, user_id: str, stage: str, page: int) -> None:
        for listener in list(self._page_listeners):
            listener(user_id, stage, page)

    def record(self, entry: LoggedRequest) -> None:
        with self._log_lock:
            self._log.append(entry)

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every API request seen so far (control requests are not logged)."""
        with self._log_lock:
            return list(self._log)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()
