"""Mapped pulls: their destination's Asset as outlet, and destinations their instances would share refused.

Airflow does not run an operator's ``__init__`` for a mapped task when it parses the DAG, so what
``ClueSearchOperator.__init__`` declares for a plain task is declared here, in the arguments the
mapped task keeps (``partial_kwargs``): the scheduler then knows the task's outlet, registers the
Asset whether or not a DAG is scheduled on it yet, and records each mapped instance's event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from airflow_provider_clue.compat import OperatorPartial, scheduled_on_assets
from airflow_provider_clue.events.pulls import warn_about_schedule
from airflow_provider_clue.outputs.destination_sharing import (
    check_mapped_destination,
    check_mapped_kwargs_destination,
    check_scheduled_destination,
)
from airflow_provider_clue.outputs.destinations import asset_of_destination

if TYPE_CHECKING:
    from airflow.sdk.definitions.mappedoperator import MappedOperator


@attrs.define(kw_only=True, repr=False)
class CluePartial(OperatorPartial):
    """``ClueSearchOperator.partial(...)``: checks the mapping and declares the outlet on ``expand``."""

    outlets_given: bool = False

    @classmethod
    def of(cls, partial: OperatorPartial) -> CluePartial:
        """Take over ``partial`` (which is then marked as expanded, so Airflow does not warn about it)."""
        partial._expand_called = True
        return cls(
            operator_class=partial.operator_class, kwargs=partial.kwargs, params=partial.params,
            outlets_given=bool(partial.kwargs.get("outlets")),
        )

    def expand(self, **mapped_kwargs: Any) -> MappedOperator:
        self._expand_called = True  # a refused mapping is the error, not also a "never mapped" warning
        check_mapped_destination(self.kwargs.get("destination"), mapped_kwargs)
        self._prepare(mapped_kwargs)
        return super().expand(**mapped_kwargs)

    def expand_kwargs(self, kwargs: Any, *, strict: bool = True) -> MappedOperator:
        self._expand_called = True
        if isinstance(kwargs, Sequence) and all(isinstance(item, Mapping) for item in kwargs):
            check_mapped_kwargs_destination(self.kwargs.get("destination"), kwargs)
            names = {name for item in kwargs for name in item}
            self._prepare({name: [item[name] for item in kwargs if name in item] for name in names})
        else:
            self._prepare(None)  # an XComArg: what each instance gets is known at run time
        return super().expand_kwargs(kwargs, strict=strict)

    def _prepare(self, mapped: Mapping[str, Any] | None) -> None:
        """The schedule's check and the outlet; ``mapped`` holds each mapped argument's values, if known."""
        destination = self.kwargs.get("destination")
        dag = self.kwargs.get("dag")
        timetable = getattr(dag, "timetable", None)
        if mapped is not None and "created_at" not in mapped:
            check_scheduled_destination(destination, self.kwargs.get("created_at"), timetable)
        if self.kwargs.get("created_at") is None and scheduled_on_assets(timetable):
            # each instance carries on from its record (events.pulls); instances given created_at at run time
            # (expand_kwargs of an XComArg) merely wait their turn
            if self.kwargs.get("max_active_tis_per_dag") is None:
                self.kwargs["max_active_tis_per_dag"] = 1
            warn_about_schedule(timetable, f"{getattr(dag, 'dag_id', None)}.{self.kwargs.get('task_id')}")
        mapped = mapped or {}
        if not self.outlets_given:
            asset = self._asset(destination, mapped.get("destination"))
            if asset is not None:
                self.kwargs["outlets"] = [asset]

    @staticmethod
    def _asset(destination: Any, mapped_destinations: Any) -> Any:
        """The Asset every instance writes into, if the DAG file shows it."""
        if destination is not None:
            return asset_of_destination(destination)
        if isinstance(mapped_destinations, Sequence) and not isinstance(mapped_destinations, str):
            return asset_of_destination(list(mapped_destinations))
        return None  # an XComArg: pass outlets
