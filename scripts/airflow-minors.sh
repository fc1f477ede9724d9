# Sourced: the Airflow minors CI proves, each on its newest patch, and the date its dependency set is
# resolved at (uv's --exclude-newer): a date soon after that patch's release, so every dependency is a
# release that existed when that Airflow was tested, and newer ones that break it are left out.
AIRFLOW_MINORS=(2.11 3.0 3.1 3.2 3.3)
AIRFLOW_NEWEST_MINOR=3.3
airflow_patch() {
  case "$1" in 2.11) echo 2.11.2 ;; 3.0) echo 3.0.6 ;; 3.1) echo 3.1.8 ;; 3.2) echo 3.2.2 ;; 3.3) echo 3.3.2 ;;
    *) echo "unsupported Airflow minor: $1 (supported: ${AIRFLOW_MINORS[*]})" >&2; return 1 ;; esac
}
airflow_release_date() {
  case "$1" in 2.11) echo 2026-04-15 ;; 3.0) echo 2025-09-01 ;; 3.1) echo 2026-04-15 ;; 3.2) echo 2026-06-01 ;; 3.3) echo 2026-10-01 ;;
    *) echo "unsupported Airflow minor: $1 (supported: ${AIRFLOW_MINORS[*]})" >&2; return 1 ;; esac
}
