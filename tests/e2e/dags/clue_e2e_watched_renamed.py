"""End-to-end, an Airflow DAG of ClueEventTrigger's windows whose asset the test renames mid-stream."""

from clue_e2e_watched import watched_pull

watched_pull("clue_e2e_watched_renamed", "clue_e2e_watched_renamed_a1")
