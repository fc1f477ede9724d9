"""Destinations that two windows, accounts or stages would share, refused when the DAG is parsed.

Each object holds one window of one account's pool stage, so a destination must name whatever
varies between the pulls that write it: the window (``{start}``, ``{end}``, or ``{start_date}``
when windows start on different days), ``{user_id}``, ``{stage}``. What a DAG file shows is checked
here; what only a run shows (a template, a window from an XCom) is checked at run time by the
record beside each object (:mod:`airflow_provider_clue.outputs.object_records`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider_clue.api.api_time import DEFAULT_TIMEZONE, load_zone
from airflow_provider_clue.compat import scheduled_on_assets
from airflow_provider_clue.exceptions import ClueValidationError
from airflow_provider_clue.outputs.destinations import (
    WINDOW_PLACEHOLDERS,
    destination_uri,
    is_templated,
    placeholders_in,
)

# Mapped arguments that change which clues an instance pulls, and the placeholders that tell them apart.
_SHOWN_BY: dict[str, tuple[str, ...]] = {
    "created_at": WINDOW_PLACEHOLDERS,
    "user_id": ("user_id",),
    "clue_conn_id": ("user_id",),
    "stage": ("stage",),
}
# Mapped arguments that change what an instance writes that no placeholder names.
_SHOWN_BY_MAP_INDEX = ("filters", "lookback", "max_records", "phone_output")
_MAP_INDEX_HINT = "'{{ ti.map_index }}'"


def check_mapped_destination(destination: Any, mapped: Mapping[str, Any]) -> None:
    """Refuse ``partial(destination=...).expand(**mapped)`` if two of its instances would write one object.

    :param destination: the destination given to ``partial()`` (``None``: XCom, or mapped itself).
    :param mapped: the arguments given to ``expand()``, by name (lists, or XComArgs known only at run time).
    :raises ClueValidationError: on ``destination``.
    """
    others = {name: value for name, value in mapped.items() if name != "destination"}
    if "destination" not in mapped:
        if destination is not None:
            _check_shows(_text_of(destination), others)
        return
    destinations = mapped["destination"]
    if not isinstance(destinations, Sequence) or isinstance(destinations, str):
        return  # an XComArg: each instance's object is checked by the record beside it
    texts = [_text_of(item) for item in destinations]
    for text in texts:
        _check_shows(text, others)
    _refuse_repeated(texts)


def check_mapped_kwargs_destination(destination: Any, instances: Sequence[Mapping[str, Any]]) -> None:
    """Refuse ``partial(destination=...).expand_kwargs(instances)`` if two instances would write one object.

    Instances that would write the same destination must differ only in what it names.

    :raises ClueValidationError: on ``destination``.
    """
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for instance in instances:
        effective = instance.get("destination", destination)
        if effective is not None:
            groups.setdefault(_text_of(effective), []).append(instance)
    for text, members in groups.items():
        if len(members) < 2:
            continue
        names = {name for member in members for name in member if name != "destination"}
        varying = {name: None for name in names if any(m.get(name) != members[0].get(name) for m in members)}
        if not varying:
            _refuse_repeated([text, text])
        _check_shows(text, varying)


def _refuse_repeated(texts: Sequence[str]) -> None:
    repeated = sorted({text for text in texts if texts.count(text) > 1})
    if repeated:
        raise ClueValidationError(
            "destination", f"{repeated[0]!r} is given to more than one mapped instance: they would overwrite each other"
        )


def _check_shows(text: str, mapped: Mapping[str, Any]) -> None:
    """``text`` tells apart the instances of a task mapped over ``mapped``'s arguments."""
    if is_templated(text) and "map_index" in text:
        return
    shown = placeholders_in(text)
    for name in mapped:
        placeholders = _SHOWN_BY.get(name)
        if placeholders is not None and not shown & set(placeholders):
            wanted = " or ".join(f"{{{placeholder}}}" for placeholder in placeholders)
            raise ClueValidationError(
                "destination",
                f"the task is mapped over {name}, but {text!r} has no {wanted}: every mapped instance would write "
                f"the same object; add {{{placeholders[0]}}} (or {_MAP_INDEX_HINT}) to it",
            )
        if name in _SHOWN_BY_MAP_INDEX:
            raise ClueValidationError(
                "destination",
                f"the task is mapped over {name}, which no placeholder names, so every mapped instance would write "
                f"{text!r}; add {_MAP_INDEX_HINT} to it",
            )


def check_scheduled_destination(destination: Any, created_at: Any, timetable: Any) -> None:
    """Refuse a destination that the runs of a schedule would share.

    Applies when the window follows the run (no ``created_at``, or a templated one): a destination
    without ``{start}`` or ``{end}`` must then have ``{start_date}`` and a schedule whose windows
    start on different days, or a template (checked at run time). A DAG scheduled on assets (its
    runs pull the windows their events announced, of any length) needs ``{start}`` or ``{end}``.

    :raises ClueValidationError: on ``destination``.
    """
    if destination is None or (created_at is not None and not _templated_value(created_at)):
        return
    from airflow_provider_clue.windows.schedule_grid import grid_of  # croniter: only for a scheduled destination

    text = _text_of(destination)
    shown = placeholders_in(text)
    if shown & {"start", "end"} or is_templated(text):
        return
    if scheduled_on_assets(timetable):
        raise ClueValidationError(
            "destination",
            f"the DAG is scheduled on assets, so each run pulls the windows its events announced (ClueEventTrigger), "
            f"windows of any length, but {text!r} names none of them: add {{start}} and {{end}} to it",
        )
    grid = grid_of(timetable)
    if grid is None:
        return
    if "start_date" not in shown:
        raise ClueValidationError(
            "destination",
            f"{text!r} names no window, so every run of the schedule would write the same object; add {{start_date}} "
            "(daily or longer schedules) or {start} to it",
        )
    if grid.starts_more_than_one_window_a_day():
        reason = "the schedule starts more than one window a day"
    elif grid.starts_more_than_one_window_a_day(day_zones=(load_zone(DEFAULT_TIMEZONE),)):
        reason = (
            f"when summer time begins or ends, the schedule starts two windows on one day in {DEFAULT_TIMEZONE} "
            "(the connection's default zone, whose dates {start_date} gives)"
        )
    else:
        return
    raise ClueValidationError(
        "destination",
        f"{reason}, but {text!r} names them by {{start_date}} alone, so those runs would write the same object; "
        "use {start} (YYYY-MM-DDTHHMMSS) instead",
    )


def _text_of(destination: Any) -> str:
    """The destination as its URI, or as written when it is not one (for the messages)."""
    uri = destination_uri(destination)
    return repr(destination) if uri is None else uri


def _templated_value(value: Any) -> bool:
    if isinstance(value, str):
        return is_templated(value)
    if isinstance(value, Sequence):
        return any(_templated_value(item) for item in value)
    return not isinstance(value, (int, float)) and hasattr(value, "resolve")  # an XComArg: known at run time
