#!/usr/bin/env bash
# Fuzzes every parser for SECONDS each (default 600), two at a time at low priority, with the
# deterministic mutational harness (Benchmarks/FuzzHarness). Findings (crashing or stalling
# inputs) land in Benchmarks/fuzz-findings/; the summary lines go to stdout.
#   Benchmarks/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
swift build -c release --product trainscope-fuzz >&2
fuzz=.build/release/trainscope-fuzz
targets=(ndjson tfevents csv trainer_state hparams mlflow safetensors rules check theme config)
run() { nice -n 19 "$fuzz" "$1" "$seconds" || echo "$1: CRASHED (exit $?); input saved in Benchmarks/fuzz-findings/$1-crash.bin"; }
for ((i = 0; i < ${#targets[@]}; i += 2)); do
    run "${targets[i]}" &
    if ((i + 1 < ${#targets[@]})); then run "${targets[i + 1]}" & fi
    wait
done
