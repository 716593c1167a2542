#!/usr/bin/env bash
# The engine against JAX (jit), PyTorch eager and torch.compile on the models of three presets
# (grokking MLP, transformer, eos), at one thread and at two, all in one run on the same CPUs;
# then Hessian-vector products against JAX's, trainer steps/s with spectrum tracking, and
# OpenBLAS sgemm's rate on the grokking step's shapes. Prints `key value` lines as it goes and a
# Markdown table at the end.
#
# Python peers run in .venv-python (scripts/python-env.sh --torch makes it: jax, numpy and a CPU
# build of torch); without torch the PyTorch columns say so. Each peer and the engine time a bare
# training step (loss, gradient, the preset's update) after a warm-up, compilation excluded.
#
# Usage: Benchmarks/engine_vs_jax.sh [--steps N] [--cpus LIST]   (default 200 steps, CPUs 0,1)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=200; cpus=0,1
while [ $# -gt 0 ]; do case "$1" in --steps) steps=$2; shift 2;; --cpus) cpus=$2; shift 2;; *) echo "unknown option $1" >&2; exit 2;; esac; done
swift build -c release --product trainscope-bench >/dev/null
torch=1
scripts/python-env.sh --torch || { status=$?; [ $status = 3 ] || exit $status; torch=0; }
py=$PWD/.venv-python/bin/python
bench=.build/release/trainscope-bench
out=$(mktemp)
trap 'rm -f "$out" "$out.so"' EXIT
record() { tee -a "$out"; }
# One thread runs on one core (XLA keeps a thread pool whatever its flags say), two on two.
pin() { taskset -c "$cpus" "$@"; }
pinned() { local threads=$1; shift; if [ "$threads" = 1 ]; then taskset -c "${cpus%%,*}" "$@"; else taskset -c "$cpus" "$@"; fi; }
xla() { echo "--xla_cpu_multi_thread_eigen=$([ "$1" = 1 ] && echo false || echo true) intra_op_parallelism_threads=$1"; }

echo "cpus $cpus steps $steps" | record
for model in grokking transformer eos; do
  for threads in 1 2; do
    pinned "$threads" $bench --model "$model" --threads "$threads" --steps "$steps" | sed "s/^\([a-z_]*\) /\1_${model}_${threads} /" | record
    (cd Benchmarks/reference && XLA_FLAGS=$(xla "$threads") pinned "$threads" "$py" peers_jax.py --model "$model" --steps "$steps") \
      | sed "s/^\(jax_steps_per_s\) /\1_${model}_${threads} /" | record
    if [ $torch = 1 ]; then
      for mode in eager compile; do
        (cd Benchmarks/reference && OMP_NUM_THREADS=$threads pinned "$threads" "$py" peers_torch.py --model "$model" --threads "$threads" \
           --steps "$steps" $([ $mode = compile ] && echo --compile) 2>/dev/null || echo "torch_steps_per_s failed") \
          | sed "s/^\(torch_steps_per_s\) /torch_${mode}_steps_per_s_${model}_${threads} /" | record
      done
    fi
  done
done
gcc -O2 -shared -fPIC -o "$out.so" Benchmarks/allocation_counter.c
LD_PRELOAD="$out.so" pinned 1 $bench --allocations | record
for threads in 1 2; do
  pinned "$threads" $bench --curvature --threads "$threads" --repeats 30 | sed "s/^\([a-z0-9_]*\) /\1_${threads} /" | record
  (cd Benchmarks/reference && XLA_FLAGS=$(xla "$threads") pinned "$threads" "$py" peers_jax.py --model grokking --hvp --steps 30) \
    | sed "s/^\(jax_hvp_ms\) /\1_${threads} /" | record
done
pin $bench --spectrum-rates --steps "$steps" | record
pin $bench --steps "$steps" | grep -E "^(model|sgemm|engine_gflops)" | record

python3 - "$out" "$torch" <<'PY'
import sys
vals = {}
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 2:
        try: vals[parts[0]] = float(parts[1])
        except ValueError: pass
torch = sys.argv[2] == "1"
def get(key): return vals.get(key)
def fmt(x): return "–" if x is None else f"{x:.1f}"
def ratio(a, b): return "–" if a is None or b is None or b == 0 else f"{a / b:.2f}"
print()
print("| model | threads | engine (compiled) | engine (eager) | JAX jit | PyTorch eager | torch.compile | engine / JAX | engine / PyTorch eager | engine / torch.compile |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for model in ["grokking", "transformer", "eos"]:
    for t in ["1", "2"]:
        e, ee, j = get(f"engine_steps_per_s_{model}_{t}"), get(f"engine_eager_steps_per_s_{model}_{t}"), get(f"jax_steps_per_s_{model}_{t}")
        pe, pc = get(f"torch_eager_steps_per_s_{model}_{t}"), get(f"torch_compile_steps_per_s_{model}_{t}")
        print(f"| {model} | {t} | {fmt(e)} | {fmt(ee)} | {fmt(j)} | {fmt(pe) if torch else 'no torch'} | {fmt(pc) if torch else 'no torch'} "
              f"| {ratio(e, j)} | {ratio(e, pe)} | {ratio(e, pc)} |")
    best = lambda key: max((get(f"{key}_{model}_{t}") or 0) for t in ["1", "2"]) or None
    print(f"| {model} | best | {fmt(best('engine_steps_per_s'))} | {fmt(best('engine_eager_steps_per_s'))} | {fmt(best('jax_steps_per_s'))} "
          f"| {fmt(best('torch_eager_steps_per_s'))} | {fmt(best('torch_compile_steps_per_s'))} "
          f"| {ratio(best('engine_steps_per_s'), best('jax_steps_per_s'))} | {ratio(best('engine_steps_per_s'), best('torch_eager_steps_per_s'))} "
          f"| {ratio(best('engine_steps_per_s'), best('torch_compile_steps_per_s'))} |")
print()
for t in ["1", "2"]:
    print(f"HVP on the grokking MLP ({t} thread{'s' if t == '2' else ''}): engine compiled {get(f'engine_compiled_hvp_ms_{t}')} ms, "
          f"engine eager (1 thread) {get(f'engine_hvp_ms_{t}')} ms, JAX {get(f'jax_hvp_ms_{t}')} ms; "
          f"engine compiled / JAX {ratio(get(f'engine_compiled_hvp_ms_{t}'), get(f'jax_hvp_ms_{t}'))}")
best_engine = min(x for x in [get("engine_compiled_hvp_ms_1"), get("engine_compiled_hvp_ms_2")] if x)
best_jax = min(x for x in [get("jax_hvp_ms_1"), get("jax_hvp_ms_2")] if x)
print(f"HVP best thread count each: engine {best_engine} ms, JAX {best_jax} ms; engine / JAX {ratio(best_engine, best_jax)}")
print("trainer steps/s on the grokking preset as shipped (views, evaluation every 10 steps), by spectrum_every: "
      + ", ".join(f"spectrum every {k}: {fmt(get(f'engine_trainer_steps_per_s_spectrum_every_{k}'))}" for k in ["0", "100", "10"]))
print(f"heap allocations per compiled gradient run (results in place): {get('allocations_per_compiled_run_in_place')} with one thread, "
      f"{get('allocations_per_compiled_run_in_place_2threads')} with two; "
      f"per trainer gradient pass, compiled {get('allocations_per_trainer_gradient_compiled')}, eager {get('allocations_per_trainer_gradient_eager')}")
flops = 6 * 2822 * 128 * 97
e1 = get("engine_steps_per_s_grokking_1")
if e1 and get("sgemm_gflops_1thread"):
    print(f"grokking step GEMM-equivalent rate {e1 * flops / 1e9:.1f} GFLOP/s = {e1 * flops / 1e9 / get('sgemm_gflops_1thread'):.2f} of sgemm's "
          f"{get('sgemm_gflops_1thread')} GFLOP/s on the step's shapes (1 thread)")
PY
