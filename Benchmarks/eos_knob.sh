#!/usr/bin/env bash
# The edge-of-stability knob story: trains `--preset eos` at its lr (0.5, 2/lr = 4) until step H,
# then halves lr (a checkpoint resumed with lr=0.25: bit-identical to turning the knob at step H)
# and trains to step 4000, for each H given. Prints the sharpness just before the change, the
# steps until it comes within 5% of the new 2/lr = 8, and its mean over steps 3000–4000.
# Usage: Benchmarks/eos_knob.sh [path/to/trainscope] [H ...]   (swift build -c release first)
set -euo pipefail
bin=$(realpath "${1:-.build/release/trainscope}")
shift || true
halves=("$@")
[ ${#halves[@]} -gt 0 ] || halves=(300 600 1500 2500)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "| lr halved at step | λmax at that step | steps until λmax ≥ 0.95 · 8 | mean λmax, steps 3000–4000 | as a fraction of 2/lr = 8 |"
echo "| --- | --- | --- | --- | --- |"
for h in "${halves[@]}"; do
  rm -rf "$out/ck" "$out"/*.jsonl
  "$bin" run --preset eos --headless --steps "$h" --set density_every=0 --checkpoint-dir "$out/ck" --record "$out/before.jsonl" >/dev/null 2>&1
  "$bin" run --resume "$out/ck/step-$(printf %07d "$h").safetensors" --headless --set lr=0.25 --steps 4000 --set density_every=0 \
    --record "$out/after.jsonl" >/dev/null 2>&1
  python3 - "$h" "$out/before.jsonl" "$out/after.jsonl" <<'PY'
import json, sys
h, before, after = int(sys.argv[1]), *sys.argv[2:]
top = lambda path: [(e["step"], e["top"][0]) for e in map(json.loads, open(path)) if e.get("type") == "spectrum"]
a, b = top(before), top(after)
reach = next((step for step, value in b if value >= 0.95 * 8), None)
tail = [value for step, value in b if step > 3000]
print(f"| {h} | {a[-1][1]:.2f} | {reach - h if reach else 'not by 4000'} | {sum(tail) / len(tail):.2f} | {sum(tail) / len(tail) / 8:.2f} |")
PY
done
