"""ClueSensor: wait until enough clues have arrived, on a worker or (deferrable) in the triggerer."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_clue.compat import BaseSensorOperator, PokeReturnValue
from airflow_provider_clue.log_masking import MasksPersonalFilters

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from airflow.sdk import Context

    from airflow_provider_clue.api.filters import ClueFilters
    from airflow_provider_clue.clue_count import WaitCondition
    from airflow_provider_clue.hooks.clue import ClueHook


class ClueSensor(MasksPersonalFilters, BaseSensorOperator):
    """Wait until at least ``min_count`` clues match ``filters`` in a creation-time window.

    The window is ``created_at`` when given (half-open ``[start, end)``, as in
    ``ClueSearchOperator``); otherwise it runs from the start of the run's window (the operator's
    rule, :doc:`/windows`) up to *now*, re-read at each check. Each check is one request for one
    record, reading ``meta.total``.

    ``mode="poke"`` and ``mode="reschedule"`` check on a worker; ``deferrable=True`` checks once on
    the worker and then hands the wait to :class:`ClueTrigger` in the triggerer, with ``timeout``
    carried over so that expiry is the sensor's timeout. Transient API errors (429, 5xx, dropped
    connections) are retried within a check by the connection's retry policy; a refused token, a
    rejected request or bad input fails the task at once (``AirflowFailException``: no task
    retries; with ``soft_fail`` it is skipped, as Airflow documents for sensors).

    Returns (XCom) ``{"count": N, "created_at": [start, end]}`` (ISO 8601, the connection's zone).

    :param clue_conn_id: the ``clue`` connection.
    :param user_id: whose pool to watch; the connection's login by default. Templated.
    :param stage: the pool stage. Templated.
    :param filters: the API's filters by their own names (not ``created_at``). Templated.
    :param created_at: ``[start, end)``, as for ``ClueSearchOperator``. Templated.
    :param min_count: how many matching clues end the wait.
    :param deferrable: wait in the triggerer instead of holding a worker slot.
    """

    template_fields: Sequence[str] = ("user_id", "stage", "filters", "created_at")
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
        min_count: int = 1,
        deferrable: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.clue_conn_id = clue_conn_id
        self.user_id = user_id
        self.stage = stage
        self.filters = filters
        self.created_at = created_at
        self.min_count = min_count
        self.deferrable = deferrable

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        checked = self._first_poke(context)
        if isinstance(checked, PokeReturnValue) and checked.is_done:
            return checked.xcom_value
        from airflow_provider_clue.triggers.clue import ClueTrigger

        condition = self._condition(context)
        self.defer(
            trigger=ClueTrigger(
                clue_conn_id=self.clue_conn_id, poke_interval=float(self.poke_interval), **condition.as_kwargs()
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=float(self.timeout)),
        )

    def _first_poke(self, context: Context) -> PokeReturnValue:
        """The worker's check before deferring, with ``soft_fail``/``never_fail`` as in poke mode."""
        from airflow_provider_clue.compat import AirflowFailException, AirflowSkipException

        try:
            return self.poke(context)
        except AirflowFailException as err:
            if self.soft_fail or self.never_fail:
                raise AirflowSkipException(f"Skipping: {err}") from err
            raise

    def resume_execution(self, next_method: str, next_kwargs: dict[str, Any] | None, context: Context) -> Any:
        """Honour ``soft_fail`` / ``never_fail`` when the deferred wait expires, as poke mode does
        (Airflow 3.0 raises the sensor timeout past its own check; 3.1+ skip before this sees it)."""
        from airflow_provider_clue.compat import AirflowSensorTimeout, AirflowSkipException

        try:
            return super().resume_execution(next_method, next_kwargs, context)
        except AirflowSensorTimeout as err:
            if self.soft_fail or self.never_fail:
                raise AirflowSkipException(f"Skipping: {err}") from err
            raise

    def poke(self, context: Context) -> PokeReturnValue:
        from airflow_provider_clue.clue_count import count_clues

        with _fail_fast():
            condition = self._condition(context)
            hook = self.hook
            query = hook.query(
                filters=condition.filters, user_id=condition.user_id, stage=condition.stage, per_page=1
            )
            result = count_clues(hook.client, query, condition, hook.settings.zone, probe=True)
        self.log.info(
            "%d clues in [%s, %s); waiting for %d", result.count, *result.created_at, condition.min_count,
        )
        return PokeReturnValue(is_done=result.count >= condition.min_count, xcom_value=result.as_xcom())

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger: return its count, or fail with its error."""
        from airflow_provider_clue.compat import AirflowException, AirflowFailException

        if event.get("status") == "success":
            self.log.info("%d clues were created in [%s, %s)", event["count"], *event["created_at"])
            return {"count": event["count"], "created_at": event["created_at"]}
        message = f"ClueTrigger failed: {event.get('message', 'no message')}"
        raise AirflowFailException(message) if event.get("fatal") else AirflowException(message)

    @cached_property
    def hook(self) -> ClueHook:
        """The hook of every poke: it reads the pool's template again when its copy is older than
        ``REPEATED_CHECKS_TEMPLATE_AGE``, so a component deleted while the sensor waits fails a poke."""
        from airflow_provider_clue.api.component_filters import REPEATED_CHECKS_TEMPLATE_AGE
        from airflow_provider_clue.hooks.clue import ClueHook

        return ClueHook(clue_conn_id=self.clue_conn_id, template_max_age=REPEATED_CHECKS_TEMPLATE_AGE)

    def _condition(self, context: Context) -> WaitCondition:
        """The rendered arguments as a condition; the default window is the run's start to now."""
        from airflow_provider_clue.api.filters import ClueFilters
        from airflow_provider_clue.clue_count import WaitCondition
        from airflow_provider_clue.windows.run_window import explicit_window, run_window

        zone = self.hook.settings.zone
        filters = ClueFilters.without_window(self.rendered_filters, zone=zone)
        if self.created_at is not None:
            window = explicit_window(self.created_at, zone)
            window.api_bounds(zone)  # a fixed window with no whole second in it would never fill
            start, end = window.start.isoformat(), window.end.isoformat()
        else:
            start, end = run_window(context, ended=False).start.isoformat(), None
        return WaitCondition(
            start=start, end=end, min_count=self.min_count, filters=filters.to_json_body(),
            user_id=self.user_id, stage=self.stage,
        )


@contextmanager
def _fail_fast() -> Iterator[None]:
    """Turn errors that a retry cannot fix (bad input, refused token, rejected request) into
    ``AirflowFailException``; transient ones propagate as they are, so Airflow's task retries apply."""
    from airflow_provider_clue.compat import AirflowFailException
    from airflow_provider_clue.exceptions import ClueError

    try:
        yield
    except ClueError as err:
        if getattr(err, "retryable", False):
            raise
        raise AirflowFailException(str(err)) from err
