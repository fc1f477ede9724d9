# Sourced by test.sh: make sure Debian's PostgreSQL and Redis servers are installed for the distributed
# deployment (tests/e2e/celery_executor). Installs them with apt-get (as root, or through sudo) when
# missing; the tests start and stop their own throwaway instances, never the system's services.
missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian's ${missing[*]} for the CeleryExecutor deployment test (a minute or so)..."
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
