"""A real Airflow for DAG tests: a SQLite metadata DB and a dags folder of the example and test DAGs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# Set before anything imports Airflow. Import this module as ``tests.airflow_env`` only (never
# conftest: pytest imports that under another name, which would run this twice).
AIRFLOW_HOME = tempfile.mkdtemp(prefix="clue-airflow-home-")
DAGS_FOLDER = os.path.join(AIRFLOW_HOME, "dags")
OUTPUT_ROOT = os.path.join(AIRFLOW_HOME, "output")
os.environ["AIRFLOW_HOME"] = AIRFLOW_HOME
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = DAGS_FOLDER
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["CLUE_OUTPUT_ROOT"] = f"file://{OUTPUT_ROOT}"
INTERVAL_VARIANT = "clue_daily_pull_intervals"


def prepare_dags_folder(dags_folder: Path) -> None:
    """Copy the example DAGs (how-tos too) and test DAGs, plus the daily pull under ``CronDataIntervalTimetable``."""
    dags_folder.mkdir(parents=True, exist_ok=True)
    # Airflow 2 puts the dags folder on sys.path when it is imported, before the folder exists: the
    # import system then remembers it as no place to import from, until told otherwise
    sys.path_importer_cache.pop(str(dags_folder), None)
    examples = [*sorted((REPO / "example_dags").glob("*.py")), *sorted((REPO / "example_dags" / "howto").glob("*.py"))]
    for source in [*examples, *sorted((REPO / "tests" / "dags").glob("*.py"))]:
        shutil.copy(source, dags_folder / source.name)
    example = (REPO / "example_dags" / "clue_daily_pull.py").read_text()
    variant = example.replace(
        'schedule="0 0 * * *"', 'schedule=CronDataIntervalTimetable("0 0 * * *", timezone="Asia/Shanghai")'
    )
    variant = variant.replace("def clue_daily_pull()", f"def {INTERVAL_VARIANT}()")
    variant = variant.replace("\nclue_daily_pull()", f"\n{INTERVAL_VARIANT}()")
    variant = variant.replace(
        "import pendulum\n", "import pendulum\nfrom airflow.timetables.interval import CronDataIntervalTimetable\n", 1
    )
    assert variant.count("CronDataIntervalTimetable") == 2 and f"{INTERVAL_VARIANT}()" in variant
    (dags_folder / f"{INTERVAL_VARIANT}.py").write_text(variant)
    # The waiting example checks every 5 minutes; tests check every second.
    waiting = dags_folder / "clue_wait_then_pull.py"
    waiting.write_text(waiting.read_text().replace("poke_interval=300", "poke_interval=1"))


def migrate_metadata_db() -> None:
    """``airflow db migrate``; on Airflow 3.0 also ``airflow dags reserialize``, since ``dag.test()`` there
    neither writes the DAG to the metadata DB nor activates its assets, as the dag-processor would
    (apache/airflow#51644: a task with outlets fails with AirflowInactiveAssetInInletOrOutletException),
    with the dags folder on the path as the dag-processor puts it, so DAG files import their neighbours."""
    from tests.version_gates import DAG_TEST_WRITES_THE_DAG

    commands = [["db", "migrate"]] if DAG_TEST_WRITES_THE_DAG else [["db", "migrate"], ["dags", "reserialize"]]
    airflow = Path(sys.executable).with_name("airflow")
    for command in commands:
        env = {**os.environ, "PYTHONPATH": os.environ["AIRFLOW__CORE__DAGS_FOLDER"]}
        result = subprocess.run([str(airflow), *command], capture_output=True, text=True, timeout=300, env=env)
        if result.returncode:
            raise RuntimeError(f"airflow {' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def load_dag(dag_id: str) -> Any:
    """The DAG ``dag_id`` as the dags folder defines it."""
    from tests.version_gates import DagBag

    dags_folder = os.environ["AIRFLOW__CORE__DAGS_FOLDER"]
    if dags_folder not in sys.path:
        sys.path.append(dags_folder)  # as Airflow's bundles do, so DAG files can import their neighbours
    bag = DagBag(dag_folder=dags_folder)
    if dag_id not in bag.dags:
        raise LookupError(f"{dag_id} not in the dags folder; import errors: {bag.import_errors}")
    return bag.dags[dag_id]


def run_ok(dag_id: str, **kwargs: Any) -> Any:
    """``dag.test(**kwargs)`` of ``dag_id``, which must succeed (``logical_date`` is 2.x's ``execution_date``)."""
    from tests.version_gates import DAG_TEST_DATE

    if "logical_date" in kwargs:
        kwargs[DAG_TEST_DATE] = kwargs.pop("logical_date")
    run = load_dag(dag_id).test(**kwargs)
    assert run.state == "success", f"{dag_id} run ended {run.state}"
    return run


def read_ids(path: Path) -> list[str]:
    """The ids of a JSON Lines file, in its order."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line)["id"] for line in lines]
