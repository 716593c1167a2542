#!/usr/bin/env bash
# Engine throughput vs JAX (jit, CPU) on the identical grokking MLP, in one run on one machine.
# Creates Benchmarks/.venv with jax on first use. Both sides are pinned to the same CPUs.
# Usage: Benchmarks/engine_vs_jax.sh [--steps N] [--cpus LIST]   (default 300 steps, CPUs 0,1)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=300; cpus=0,1
while [ $# -gt 0 ]; do case "$1" in --steps) steps=$2; shift 2;; --cpus) cpus=$2; shift 2;; *) echo "unknown option $1" >&2; exit 2;; esac; done
swift build -c release --product trainscope-bench >/dev/null
if [ ! -x Benchmarks/.venv/bin/python ]; then
  python3 -m venv Benchmarks/.venv
  Benchmarks/.venv/bin/pip install -q jax
fi
echo "cpus $cpus"
taskset -c "$cpus" .build/release/trainscope-bench --steps "$steps" | tee /tmp/trainscope-engine.txt
for threads in 1 2; do
  XLA_FLAGS="--xla_cpu_multi_thread_eigen=$([ $threads = 1 ] && echo false || echo true) intra_op_parallelism_threads=$threads" \
    taskset -c "$cpus" Benchmarks/.venv/bin/python Benchmarks/reference/grokking_jax.py --steps "$steps" \
    | sed "s/jax_steps_per_s/jax_steps_per_s_${threads}thread/" | tee -a /tmp/trainscope-jax.txt
done
python3 - <<'PY'
vals = {}
for path in ["/tmp/trainscope-engine.txt", "/tmp/trainscope-jax.txt"]:
    for line in open(path):
        parts = line.split()
        if len(parts) == 2:
            try: vals[parts[0]] = float(parts[1])
            except ValueError: pass
best_engine = max(vals["engine_steps_per_s_1thread"], vals["engine_steps_per_s_2threads"])
best_jax = max(vals["jax_steps_per_s_1thread"], vals["jax_steps_per_s_2thread"])
print(f"ratio_engine_over_jax_1thread {vals['engine_steps_per_s_1thread'] / vals['jax_steps_per_s_1thread']:.2f}")
print(f"ratio_engine_over_jax_best {best_engine / best_jax:.2f}")
PY
rm -f /tmp/trainscope-engine.txt /tmp/trainscope-jax.txt
