#!/usr/bin/env bash
# Build the docs site (Sphinx, MyST, sphinx-autoapi) warning-free: bash scripts/docs.sh [OUT_DIR]
# (default build/docs). Sets up .venv on first use and installs the pinned docs tools into it when
# missing. docutils is held at 0.22 (Sphinx 9.0 needs < 0.23; only twine's readme-renderer shares it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
OUT_DIR="${1:-build/docs}"
DOCS_TOOLS=(sphinx==9.0.4 myst-parser==5.2.0 sphinx-autoapi==3.9.0 astroid==4.4.0 docutils==0.22.4)
if ! "$VENV/bin/python" - "${DOCS_TOOLS[@]}" <<'PY'
import sys
from importlib.metadata import PackageNotFoundError, version

for pin in sys.argv[1:]:
    name, wanted = pin.split("==")
    try:
        if version(name) != wanted:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
then
  echo "Installing the docs tools into $VENV..."
  # the rest of the dependency set stays as constraints/ pins it; docutils is the one exception
  docs_constraints="$(mktemp)"
  trap 'rm -f "$docs_constraints"' EXIT
  grep -v '^docutils==' "$CONSTRAINTS" > "$docs_constraints"
  "$VENV/bin/python" -m pip install --quiet "${DOCS_TOOLS[@]}" -c "$docs_constraints"
fi
# -E: a fresh environment, so that pages of moved or removed modules never linger
"$VENV/bin/python" -m sphinx -W --keep-going -E -b html docs "$OUT_DIR"
