#!/usr/bin/env bash
# Regenerate the real-writer fixtures (summarywriter/, lightning_logs/, hf_output/, mlruns/) and expected.json.
# Uses its own venv, Benchmarks/.venv-writers (git-ignored; several GB because PyPI's torch wheel pulls the
# CUDA runtime packages; nothing here uses a GPU). Created and filled with the pinned versions on first use.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
VENV=Benchmarks/.venv-writers
PINS=(
  torch==2.15.0
  tensorboard==2.21.0
  lightning==2.6.6
  transformers==5.24.0
  accelerate==1.15.0
  mlflow-skinny==3.17.2
  numpy==2.4.6
  PyYAML==6.0.4
  pillow==13.0.0
  protobuf==7.36.2
)
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
# Install only when some pin is not met (a no-op check takes ~1 s; the install several minutes).
if ! "$VENV/bin/python" - "${PINS[@]}" <<'PY' 2>/dev/null
import sys, importlib.metadata as m
for pin in sys.argv[1:]:
    name, version = pin.split("==")
    if m.version(name) != version:
        sys.exit(1)
PY
then
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PINS[@]}" >/dev/null
fi
exec "$VENV/bin/python" Tests/IngestTests/Fixtures/writers/make_fixtures.py "$@"
