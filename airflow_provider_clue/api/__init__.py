"""The clue API client, free of Airflow: settings, filters, the request/response core, its two
transports (``requests`` for tasks, ``httpx`` for the triggerer), retry and rate policy, paging and
pulls. Nothing in this package imports Airflow (``tests/unit/test_layers.py`` checks it)."""
