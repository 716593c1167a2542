#!/usr/bin/env bash
# Records Samples/runs/sweep.jsonl: a real 20-run sweep of the built-in engine on modular addition,
# hidden width {64, 128} × learning rate {1e-3, 2e-3, 3e-3, 5e-3, 1e-2} × seed {0, 1}, 1500 steps
# each, one after another into one recording (the runs panel, the run query and the many-run
# snapshots are tested on it). The default run's spectrum, probe rounds, Fourier measures and noise
# scale are off: curves only.
# Run from the repository root after `swift build -c release`:
#   Samples/runs/make_sweep.sh [path/to/trainscope]
set -euo pipefail
bin=${1:-.build/release/trainscope}
out=Samples/runs/sweep.jsonl
rm -f "$out"
for hidden in 64 128; do
  for lr in 0.001 0.002 0.003 0.005 0.01; do
    for seed in 0 1; do
      name="sweep-w${hidden}-lr${lr}-s${seed}"
      echo "$name"
      "$bin" run --preset grokking --headless --steps 1500 --name "$name" --record "$out" \
        --set hidden="$hidden" --set lr="$lr" --set seed="$seed" \
        --set log_every=25 --set eval_every=25 --set histogram_every=0 --set spectrum_every=0 --set probe_every=0 --set fourier_every=0 --set noise_scale_every=0 > /dev/null
    done
  done
done
wc -c "$out"
