#!/usr/bin/env bash
# CI: install PyInstaller (the [installer] extra, at the versions and hashes of
# requirements/installer.lock), build the frozen Linux bundle, smoke-test it.
# Called by .ci/run after the tests. About 1-2 minutes on 2 cores.
#
# Python: $CENTRE_DESK_PYTHON if set, else the .venv that .ci/test made, else python3.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${CENTRE_DESK_PYTHON:-}
if [ -z "$PY" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi

echo "== installer: pip install --require-hashes -r requirements/installer.lock ($PY)"
# The bundle is built from the locked, hashed versions, not whatever the index offers today.
"$PY" -m pip install --quiet --require-hashes -r requirements/installer.lock
"$PY" -m pip install --quiet --no-deps --no-build-isolation -e .

echo "== installer: build (python installer/build.py)"
"$PY" installer/build.py

echo "== installer: smoke test of the frozen bundle"
"$PY" installer/smoke_test.py
