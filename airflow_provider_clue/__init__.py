"""Apache Airflow provider for the clue (sales lead) customer-pool API.

Kept free of heavy imports: Airflow reads ``get_provider_info`` while discovering providers.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.2.0.dev0"  # the next release, in development: 0.1.0 was released 2026-11-24

__all__ = ["__version__", "get_provider_info"]


def get_provider_info() -> dict[str, Any]:
    """The provider's metadata for Airflow's provider discovery (entry point ``apache_airflow_provider``)."""
    from airflow_provider_clue.provider_info import provider_info

    return provider_info(__version__)
