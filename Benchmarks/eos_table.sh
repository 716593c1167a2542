#!/usr/bin/env bash
# Edge of stability: runs `trainscope run --preset eos` at two learning rates and prints, for each,
# the steps until the sharpness reaches 2/η and the mean λmax·η/2 over the last third of training.
# Usage: Benchmarks/eos_table.sh [path/to/trainscope]   (build first: swift build -c release)
set -euo pipefail
bin=${1:-.build/release/trainscope}
out=$(mktemp -d)
for lr in 0.5 1; do
  "$bin" run --preset eos --headless --set "lr=$lr" --record "$out/eos-lr-$lr.jsonl" >/dev/null
done
python3 "$(dirname "$0")/eos_summary.py" "$out"/eos-lr-0.5.jsonl "$out"/eos-lr-1.jsonl
rm -rf "$out"
