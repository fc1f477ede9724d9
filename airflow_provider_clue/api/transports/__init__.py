"""The two ways of sending an :class:`~airflow_provider_clue.api.exchange.ApiRequest`.

``requests`` for tasks (:mod:`.requests_transport`), ``httpx`` for the triggerer's event loop
(:mod:`.httpx_transport`). Each only sends bytes and names the kind of failure it saw; what an
answer means is decided in :mod:`airflow_provider_clue.api.exchange`.
"""
