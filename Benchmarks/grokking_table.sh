#!/usr/bin/env bash
# Measures the grokking preset: steps and seconds to 99% train and 99% test accuracy, for the
# default weight decay and for weight_decay=0, over three seeds. Prints a Markdown table.
# Usage: Benchmarks/grokking_table.sh [path/to/trainscope]   (build first: swift build -c release)
set -euo pipefail
bin=${1:-.build/release/trainscope}
out=$(mktemp -d)
for wd in default 0; do
  for seed in 0 1 2; do
    args=(run --preset grokking --headless --set "seed=$seed" --record "$out/wd-$wd-seed-$seed.jsonl")
    [ "$wd" = default ] || args+=(--set "weight_decay=$wd")
    "$bin" "${args[@]}" >/dev/null
  done
done
python3 - "$out" <<'PY'
import json, sys, glob, os
out = sys.argv[1]
print("| weight decay | seed | 99% train: step | 99% train: s | 99% test: step | 99% test: s | test acc at end | steps/s |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for wd in ["default", "0"]:
    for seed in [0, 1, 2]:
        events = [json.loads(l) for l in open(f"{out}/wd-{wd}-seed-{seed}.jsonl")]
        run = next(e for e in events if e["type"] == "run")
        t0 = run["time"]
        phases = {e["name"]: e for e in events if e["type"] == "phase"}
        scalars = [e for e in events if e["type"] == "scalars"]
        last = scalars[-1]
        test_acc = next(e["values"]["test/acc"] for e in reversed(scalars) if "test/acc" in e["values"])
        def cell(name):
            p = phases.get(name)
            return (str(p["step"]), f'{p["time"] - t0:.1f}') if p else ("never", "-")
        m, g = cell("memorization"), cell("generalization")
        rate = last["step"] / (last["time"] - t0)
        label = f'{run["config"]["weight_decay"]:g}' + (" (default)" if wd == "default" else "")
        print(f"| {label} | {seed} | {m[0]} | {m[1]} | {g[0]} | {g[1]} | {test_acc:.3f} | {rate:.0f} |")
PY
rm -rf "$out"
