#!/usr/bin/env bash
# Cost of a Hessian-vector product relative to a gradient on the grokking MLP, the wall time of
# top-5 + trace + density there, and the same HVP in JAX (jvp of grad, jit) in the same run.
# Usage: Benchmarks/hvp_cost.sh [--cpus LIST]   (default CPU 0; creates Benchmarks/.venv with jax)
set -euo pipefail
cd "$(dirname "$0")/.."
cpus=0
[ "${1:-}" = "--cpus" ] && cpus=$2
swift build -c release --product trainscope-bench >/dev/null
if [ ! -x Benchmarks/.venv/bin/python ]; then
  python3 -m venv Benchmarks/.venv
  Benchmarks/.venv/bin/pip install -q jax
fi
taskset -c "$cpus" .build/release/trainscope-bench --curvature | tee /tmp/trainscope-hvp.txt
XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \
  taskset -c "$cpus" Benchmarks/.venv/bin/python Benchmarks/reference/grokking_hvp_jax.py | tee -a /tmp/trainscope-hvp.txt
python3 - <<'PY'
vals = dict(line.split() for line in open("/tmp/trainscope-hvp.txt") if len(line.split()) == 2)
print(f"ratio_engine_hvp_over_jax_hvp {float(vals['engine_hvp_ms']) / float(vals['jax_hvp_ms']):.2f}")
PY
rm -f /tmp/trainscope-hvp.txt
