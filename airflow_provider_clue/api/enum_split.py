"""Split a query that time cannot split (one crowded second) by the API's enum filters.

The queries that fix one of ``operator``, ``sex``, ``is_follow`` or ``ai_call`` to each of its
codes partition the query when every record has one of those codes; then their ``meta.total``
values add up to its own, and that sum is the proof that no record (say one whose operator is
null) falls outside every part. A filter the user already fixed to one code is not split again;
where one dimension's parts fall short, the next open one may still cover the second.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from airflow_provider_clue.api.filters import FLAG_CODES, OPERATOR_CODES, SEX_CODES

if TYPE_CHECKING:
    from airflow_provider_clue.api.filters import ClueFilters

# The dimensions, in the order they are split: a carrier and a sex do not change, follow-up and
# AI-call states may (a record that changes part while the parts are read breaks the sum).
DIMENSIONS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("operator", tuple(OPERATOR_CODES)),
    ("sex", tuple(SEX_CODES)),
    ("is_follow", tuple(FLAG_CODES)),
    ("ai_call", tuple(FLAG_CODES)),
)
_LISTS = ("operator", "sex")


@dataclass(frozen=True)
class EnumSplit:
    """The parts of a query by one enum filter: ``dimension`` fixed to each of ``codes`` in turn."""

    dimension: str
    codes: tuple[int, ...]
    parts: tuple[ClueFilters, ...]

    def shortfall(self, totals: list[int], expected: int) -> str | None:
        """What does not add up when the parts' ``meta.total`` values are ``totals`` (None: they add up)."""
        if sum(totals) == expected:
            return None
        shown = ", ".join(f"{code}: {total}" for code, total in zip(self.codes, totals, strict=True))
        outside = (
            f"records whose {self.dimension} is none of {', '.join(map(str, self.codes))}, e.g. null, are in no "
            "part, or records changed while the parts were read"
        )
        return (
            f"the parts by {self.dimension} ({shown}) add up to {sum(totals)}, not to the {expected} records "
            f"the second holds ({outside if sum(totals) < expected else 'records changed while the parts were read'})"
        )


def enum_split(filters: ClueFilters, *, short: frozenset[str] = frozenset()) -> EnumSplit | None:
    """Split ``filters`` by the first dimension they leave open, but those known to fall ``short`` of
    covering the records (None when there is none)."""
    for name, codes in DIMENSIONS:
        if name in short:
            continue
        allowed = _allowed(filters, name, codes)
        if len(allowed) > 1:
            return EnumSplit(name, allowed, tuple(_fixed(filters, name, code) for code in allowed))
    return None


def fixed_codes(filters: ClueFilters) -> str:
    """The enum filters fixed to one code, e.g. ``"operator 3, sex 1"`` (empty when none is)."""
    return ", ".join(
        f"{name} {allowed[0]}" for name, codes in DIMENSIONS if len(allowed := _allowed(filters, name, codes)) == 1
    )


def _fixed(filters: ClueFilters, name: str, code: int) -> ClueFilters:
    change: dict[str, Any] = {name: (code,) if name in _LISTS else code}
    return replace(filters, **change)


def _allowed(filters: ClueFilters, name: str, codes: tuple[int, ...]) -> tuple[int, ...]:
    value = getattr(filters, name)
    if value is None:
        return codes
    return tuple(value) if isinstance(value, tuple) else (value,)
