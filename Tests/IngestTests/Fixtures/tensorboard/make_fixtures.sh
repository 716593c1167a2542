#!/usr/bin/env bash
# Regenerate the TensorBoard fixtures (event files, corrupt corpus, expected.json) in this directory.
# Uses Benchmarks/.venv (shared with the benchmarks); creates it / installs tensorboard on first use.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
if [ ! -x Benchmarks/.venv/bin/python ]; then
  python3 -m venv Benchmarks/.venv
fi
if ! Benchmarks/.venv/bin/python -c 'import tensorboard, numpy' 2>/dev/null; then
  Benchmarks/.venv/bin/pip install -q 'tensorboard==2.21.*' numpy
fi
exec Benchmarks/.venv/bin/python Tests/IngestTests/Fixtures/tensorboard/make_fixtures.py "$@"
