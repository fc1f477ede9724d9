"""End-to-end, an Airflow DAG of ClueEventTrigger's windows that the test pauses and unpauses."""

from clue_e2e_watched import watched_pull

watched_pull("clue_e2e_watched_paused", "clue_e2e_watched_paused")
