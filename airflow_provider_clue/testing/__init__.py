"""A faithful stand-in for the clue API, for this project's tests and for users' own DAG tests.

``ClueEmulator`` serves the API over real HTTP on loopback; ``python -m airflow_provider_clue.testing``
runs it from the command line; the pytest fixture ``clue_emulator`` gives each test a fresh one.
``memory_variables()`` keeps the Variables that ``ClueEventTrigger`` and event-driven pulls use
in memory, so that both run without Airflow's API (the fixture ``clue_variables``).
"""

from __future__ import annotations

from airflow_provider_clue.testing.emulator import DEFAULT_TOKEN, DEFAULT_USER_ID, ClueEmulator
from airflow_provider_clue.testing.faults import FAULT_KINDS, FaultRates
from airflow_provider_clue.testing.server import LoggedRequest
from airflow_provider_clue.testing.throttle import ThrottleSettings
from airflow_provider_clue.testing.variables import MemoryVariables, memory_variables

__all__ = [
    "DEFAULT_TOKEN", "DEFAULT_USER_ID", "FAULT_KINDS", "ClueEmulator", "FaultRates", "LoggedRequest",
    "MemoryVariables", "ThrottleSettings", "memory_variables",
]
