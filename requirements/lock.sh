#!/usr/bin/env bash
# Regenerates the hashed locks from pyproject.toml's ranges (plus planned.in and build.in).
# Needs uv (https://docs.astral.sh/uv/; `python3 -m pip install uv`) and network access to PyPI.
# --universal writes one lock for every platform (markers such as sys_platform == 'win32' are
# kept) with the hashes of every wheel of each pinned release: Linux, Windows and macOS alike.
# Versions already in a lock are kept unless --upgrade (or --upgrade-package NAME) is passed.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-uv}
lock() {
  out=$1; shift
  "$UV" pip compile --universal --generate-hashes --python-version 3.11 --quiet \
    --custom-compile-command "bash requirements/lock.sh" \
    pyproject.toml requirements/planned.in "$@" -o "requirements/$out" "${EXTRA[@]}"
}
EXTRA=("$@")
lock app.lock
lock test.lock --extra test requirements/build.in
lock installer.lock --extra installer requirements/build.in
