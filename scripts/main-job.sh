#!/usr/bin/env bash
# The main job: run the clue_daily_pull example DAG for yesterday (Asia/Shanghai) against the built-in
# API emulator, in a local SQLite Airflow under .airflow/ (git-ignored). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh

export AIRFLOW_HOME="$PWD/.airflow"
export AIRFLOW__CORE__DAGS_FOLDER="$PWD/example_dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export CLUE_OUTPUT_ROOT="file://$AIRFLOW_HOME/output"
mkdir -p "$AIRFLOW_HOME/logs"
py="$VENV/bin/python"

echo "Preparing the Airflow metadata database in $AIRFLOW_HOME ..."
"$VENV/bin/airflow" db migrate >"$AIRFLOW_HOME/logs/db-migrate.log" 2>&1 \
  || { tail -n 30 "$AIRFLOW_HOME/logs/db-migrate.log"; exit 1; }

# Yesterday in Asia/Shanghai, the emulator's 30 days of clues up to now, and a free port.
read -r day tick start now port < <("$py" - <<'PY'
import socket
import pendulum
now = pendulum.now("Asia/Shanghai")
today = now.start_of("day")
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
print(today.subtract(days=1).to_date_string(), today.isoformat(), today.subtract(days=30).format("YYYY-MM-DD[T]HH:mm:ss"),
      now.format("YYYY-MM-DD[T]HH:mm:ss"), port)
PY
)
token="main-job-token-$RANDOM$RANDOM"
"$py" -m airflow_provider_clue.testing --port "$port" --records 30000 --token "$token" \
  --start "${start/T/ }" --end "${now/T/ }" >"$AIRFLOW_HOME/logs/emulator.log" 2>&1 &
emulator_pid=$!
trap 'kill "$emulator_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q "serving" "$AIRFLOW_HOME/logs/emulator.log" 2>/dev/null && break
  sleep 0.1
done
grep -q "serving" "$AIRFLOW_HOME/logs/emulator.log" || { cat "$AIRFLOW_HOME/logs/emulator.log"; exit 1; }

export AIRFLOW_CONN_CLUE_DEFAULT="{\"conn_type\": \"clue\", \"host\": \"http://127.0.0.1:$port\", \"password\": \"$token\", \"login\": \"40863af8-db4a-41c6-a269-eb5bc386d97f\"}"

echo "Running clue_daily_pull for $day (the run at $tick) against the emulator on port $port ..."
"$VENV/bin/airflow" dags test clue_daily_pull "$tick" >"$AIRFLOW_HOME/logs/dags-test.log" 2>&1 \
  || { tail -n 40 "$AIRFLOW_HOME/logs/dags-test.log"; exit 1; }

output="$AIRFLOW_HOME/output/clue_daily_pull/$day.jsonl"
"$py" - "$output" "$port" "$day" <<'PY'
import json, sys, urllib.request
output, port, day = sys.argv[1], sys.argv[2], sys.argv[3]
with open(output, encoding="utf-8") as lines:
    ids = [json.loads(line)["id"] for line in lines]
request = urllib.request.Request(
    f"http://127.0.0.1:{port}/_emulator/records/query", method="POST",
    data=json.dumps({"created_at": [f"{day} 00:00:00", f"{day} 23:59:59"]}).encode(),
)
expected = set(json.load(urllib.request.urlopen(request))["ids"])
print(f"Output: {output}")
print(f"It holds {len(ids)} clues created on {day} (Asia/Shanghai); the emulator has {len(expected)} for that day.")
if len(ids) != len(set(ids)) or set(ids) != expected:
    sys.exit("MISMATCH: the output is not exactly the emulator's records for that day")
print(f"Airflow logs: {output.split('/output/')[0]}/logs/dags-test.log")
PY
