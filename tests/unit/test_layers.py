"""The API client (``airflow_provider_clue.api``) imports nothing from Airflow: it can be used, and
tested, without it. Checked in a fresh interpreter in which any import of ``airflow`` fails."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import textwrap

import airflow_provider_clue.api

API_MODULES = sorted(
    module.name for module in pkgutil.walk_packages(airflow_provider_clue.api.__path__, "airflow_provider_clue.api.")
)

BLOCK_AIRFLOW = textwrap.dedent(
    """
    import importlib, sys

    class NoAirflow:
        def find_spec(self, name, path=None, target=None):
            if name == "airflow" or name.startswith("airflow."):
                raise ImportError(f"the API client imported {name}")
            return None

    sys.meta_path.insert(0, NoAirflow())
    for name in sys.argv[1:]:
        importlib.import_module(name)
    leaked = sorted(name for name in sys.modules if name == "airflow" or name.startswith("airflow."))
    assert not leaked, leaked
    print(len(sys.argv) - 1)
    """
)


def test_every_module_of_the_api_client_imports_without_airflow():
    assert {"airflow_provider_clue.api.client", "airflow_provider_clue.api.async_client",
            "airflow_provider_clue.api.exchange", "airflow_provider_clue.api.pull",
            "airflow_provider_clue.api.transports.httpx_transport",
            "airflow_provider_clue.api.transports.requests_transport"} <= set(API_MODULES)
    done = subprocess.run(
        [sys.executable, "-c", BLOCK_AIRFLOW, *API_MODULES], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(len(API_MODULES))


def test_the_check_would_catch_a_module_that_imports_airflow():
    done = subprocess.run(
        [sys.executable, "-c", BLOCK_AIRFLOW, "airflow_provider_clue.hooks.clue"], capture_output=True, text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "the API client imported airflow" in done.stderr
