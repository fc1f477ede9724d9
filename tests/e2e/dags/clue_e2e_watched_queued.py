"""End-to-end, an Airflow DAG of ClueEventTrigger's windows with one active run at a time, each held 20 s."""

from clue_e2e_watched import watched_pull

watched_pull("clue_e2e_watched_queued", "clue_e2e_watched_queued", hold=20.0, max_active_runs=1)
