#!/usr/bin/env bash
# The Python half of `make test`: mypy --strict on the package, its standard-library and JAX tests
# (Tests/python), and its torch, transformers and lightning tests (Tests/python_torch) when a CPU
# build of torch can be had (scripts/python-env.sh). TRAINSCOPE_BIN names the binary the tests
# drive (default .build/debug/trainscope).
set -euo pipefail
cd "$(dirname "$0")/.."
export TRAINSCOPE_BIN=${TRAINSCOPE_BIN:-.build/debug/trainscope}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
py=.venv-python/bin/python
torch=1
scripts/python-env.sh --torch || { status=$?; [ $status = 3 ] || exit $status; torch=0; }

if [ $torch = 1 ]; then
    (cd python && ../$py -m mypy)
else
    echo "trainscope: mypy skips the torch modules (no CPU build of torch here)" >&2
    (cd python && ../$py -m mypy --exclude 'trainscope/(torch|huggingface|lightning|distributed|tensorboard)')
fi
$py -m unittest discover -s Tests/python
if [ $torch = 1 ]; then
    $py -m unittest discover -s Tests/python_torch
else
    echo "trainscope: Tests/python_torch skipped: no CPU build of torch to install" >&2
fi
