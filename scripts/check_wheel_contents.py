"""Check a built wheel: it ships py.typed and the package, and nothing else at the top level."""

from __future__ import annotations

import sys
import zipfile


def main(wheel: str) -> int:
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/", 1)[0] for name in names}
    expected = ("airflow_provider_clue",)
    unexpected = sorted(name for name in top_level if name not in expected and not name.endswith(".dist-info"))
    problems = []
    if "airflow_provider_clue/py.typed" not in names:
        problems.append("py.typed is missing")
    if unexpected:
        problems.append(f"unexpected top-level entries (tests, example DAGs?): {unexpected}")
    for problem in problems:
        print(f"{wheel}: {problem}", file=sys.stderr)
    if not problems:
        print(f"{wheel}: {len(names)} files, top level {sorted(top_level)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
