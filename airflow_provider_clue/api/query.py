"""One validated query of ``get_customer``, built from a call's arguments and the connection's defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from airflow_provider_clue.api.filters import ClueFilters
from airflow_provider_clue.api.request_validation import check_per_page, check_stage, check_user_id

if TYPE_CHECKING:
    from airflow_provider_clue.api.connection_settings import ClueConnectionSettings


@dataclass(frozen=True)
class CustomerQuery:
    """One validated query of ``get_customer``: whose pool, which stage, which filters, page size."""

    user_id: str
    stage: str
    filters: ClueFilters
    per_page: int

    @property
    def path(self) -> str:
        return (
            f"/agent-api/user/{quote(self.user_id, safe='')}/type/{quote(self.stage, safe='')}/get_customer"
        )


def build_query(
    settings: ClueConnectionSettings,
    *,
    filters: Any = None,
    user_id: str | None = None,
    stage: str = "clue",
    per_page: int | None = None,
) -> CustomerQuery:
    """Validate a query's arguments (no request is sent); defaults come from the connection."""
    return CustomerQuery(
        user_id=check_user_id(settings.user_id if user_id is None else user_id),
        stage=check_stage(stage),
        filters=ClueFilters.from_mapping(filters, zone=settings.zone),
        per_page=check_per_page(settings.per_page if per_page is None else per_page),
    )


class BuildsQueries:
    """What both clients share: queries validated against their connection's defaults."""

    settings: ClueConnectionSettings

    def query(
        self,
        *,
        filters: Any = None,
        user_id: str | None = None,
        stage: str = "clue",
        per_page: int | None = None,
    ) -> CustomerQuery:
        """Validate a query's arguments (no request is sent); defaults come from the connection."""
        return build_query(self.settings, filters=filters, user_id=user_id, stage=stage, per_page=per_page)
