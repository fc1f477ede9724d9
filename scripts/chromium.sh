# Sourced by test.sh: make sure Debian's chromium is installed for the browser test (tests/e2e).
# Installs it with apt-get (as root, or through sudo) when missing; no browser is downloaded otherwise.
if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the connection-form test (a minute or two)..."
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
