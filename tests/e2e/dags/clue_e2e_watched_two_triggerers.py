"""End-to-end, an Airflow DAG of ClueEventTrigger's windows while two triggerers run and one stalls."""

from clue_e2e_watched import watched_pull

watched_pull("clue_e2e_watched_two_triggerers", "clue_e2e_watched_two_triggerers")
