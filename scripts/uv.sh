# Sourced: make sure uv (pinned) is installed in .venvs/uv and set UV to it. Needs only python3 and pip.
UV_VERSION=0.13.9
UV=".venvs/uv/bin/uv"
if [ ! -x "$UV" ] || [ "$("$UV" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  "${PYTHON:-python3}" -m venv .venvs/uv
  .venvs/uv/bin/python -m pip install --quiet "uv==$UV_VERSION"
fi
