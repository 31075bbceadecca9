#!/usr/bin/env bash
# Build the wheel and the sdist, install the wheel (not the source tree) into a fresh venv, and use
# it the way a user would: import it and %load_ext it in an IPython shell. A packaging mistake (a
# module or data file left out, a dependency missing from the metadata) fails here, not for a user.
#   PY      the dev venv's python, which has `build` (default .venv/bin/python)
#   PYTHON  the python the fresh venv is made from (default python3)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PYTHON=${PYTHON:-python3}
work=$(mktemp -d -t gemini-wheel.XXXXXX)
trap 'rm -rf "$work"' EXIT

"$PY" -m build --outdir "$work/dist" . > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
wheel=$(ls "$work"/dist/*.whl)
sdist=$(ls "$work"/dist/*.tar.gz)
echo "built $(basename "$wheel") and $(basename "$sdist")"

"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --progress-bar off "$wheel" > "$work/pip.log" 2>&1 \
  || { cat "$work/pip.log"; exit 1; }
# Run from an empty folder so nothing can be imported from the source tree by accident.
(cd "$work" && "$work/venv/bin/python" "$OLDPWD/.ci/wheel_smoke.py" "$sdist")
