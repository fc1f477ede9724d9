"""Keep the query string of ``get_customer`` URLs out of the HTTP libraries' own log lines.

With ``filters_in="query"`` the query string carries the phone and e-mail filters; urllib3 logs
each request's URL at DEBUG and httpx at INFO (Airflow keeps httpx at WARNING, but a user's
logging setup may not). The path stays, so the lines still say which API was called.
"""

from __future__ import annotations

import logging

API_PATH = "/get_customer?"


class QueryStringHidden(logging.Filter):
    """Cut ``?...`` off any argument of a record that is a ``get_customer`` URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(_without_query(argument) for argument in record.args)
        return True


def _without_query(argument: object) -> object:
    if isinstance(argument, (int, float)) or argument is None:
        return argument
    text = str(argument)
    return text.split("?", 1)[0] if API_PATH in text else argument


def hide_query_strings(logger_name: str) -> None:
    """Add :class:`QueryStringHidden` to ``logger_name`` (once)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(existing, QueryStringHidden) for existing in logger.filters):
        logger.addFilter(QueryStringHidden())
