#!/usr/bin/env bash
# Re-records the preset recordings in Samples/runs (each preset's whole run, every event) with the
# current engine; SampleRecordingTests checks that they start as the presets train today. `--record`
# appends, so each file is removed first. Run from the repository root after `swift build -c release`:
#   Samples/runs/make_presets.sh [path/to/trainscope] [PRESET…]   (default: every recorded preset)
# Samples/runs/make_sweep.sh records sweep.jsonl.
set -euo pipefail
bin=${1:-.build/release/trainscope}
shift || true
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(grokking eos pareto quantization lottery early-exit double-descent lag frugal scaling)
for preset in "${presets[@]}"; do
  out=Samples/runs/$preset.jsonl
  rm -f "$out"
  start=$SECONDS
  "$bin" run --preset "$preset" --headless --record "$out" > /dev/null
  echo "$preset: $(wc -l < "$out") events in $((SECONDS - start)) s"
done
