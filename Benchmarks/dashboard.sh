#!/usr/bin/env bash
# The dashboard at scale and its cost to training:
#  1. frame render time (state → buffer → diff) at 10³, 10⁵ and 10⁷ points per series, 8 series,
#     160×48, and resident memory while streaming 10⁷ scalars events (trainscope-dashboard-bench);
#  2. training steps/s of the grokking preset with the live dashboard attached (in tmux, 160×48)
#     against the same run headless, alternating, from the times in each run's recording.
# Usage: Benchmarks/dashboard.sh [--events N] [--steps N] [--repeats N]
# Many runs (frame time, memory and a run query at 10, 100 and 1,000 runs; about 7 GiB at 1,000):
#   .build/release/trainscope-dashboard-bench --many-runs [--points N]
set -euo pipefail
cd "$(dirname "$0")/.."
events=10000000 steps=1500 repeats=2
while [ $# -gt 0 ]; do
  case $1 in
    --events) events=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
swift build -c release --product trainscope-dashboard-bench >/dev/null
swift build -c release --product trainscope >/dev/null
bin=$PWD/.build/release/trainscope
.build/release/trainscope-dashboard-bench --events "$events"

work=$(mktemp -d)
trap 'tmux -L ts-bench kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
# Steps per second between the first and last scalars event of a recording.
rate() {
  python3 - "$1" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"type":"scalars"' in l]
print(f"{(rows[-1]['step'] - rows[0]['step']) / (rows[-1]['time'] - rows[0]['time']):.2f}")
PY
}
for i in $(seq "$repeats"); do
  "$bin" run --preset grokking --steps "$steps" --headless --record "$work/headless$i.jsonl" >/dev/null
  tmux -L ts-bench new-session -d -s b -x 160 -y 48 "$bin run --preset grokking --steps $steps --record $work/live$i.jsonl"
  until grep -q "\"step\":$steps," "$work/live$i.jsonl" 2>/dev/null; do sleep 0.5; done
  tmux -L ts-bench send-keys -t b q
  while tmux -L ts-bench has-session -t b 2>/dev/null; do sleep 0.2; done
  h=$(rate "$work/headless$i.jsonl"); l=$(rate "$work/live$i.jsonl")
  echo "run $i headless_steps_per_s $h live_steps_per_s $l ratio_live_over_headless $(python3 -c "print(f'{$l / $h:.3f}')")"
done
