#!/usr/bin/env bash
# External sources at scale (issue #9):
#  1. NDJSON ingest rate through IngestHub (what watch, snapshot and check use) on one core (the
#     hub's threads pinned to CPU 0, the socket's producer thread to CPU 1), from a file and over a
#     Unix socket, next to a bare newline scan, the decoder alone and the general JSON parser on the
#     same bytes; every path must deliver the general parser's values bit for bit
#     (trainscope-ingest-bench);
#  2. opening a TensorBoard log of 10^6 scalars (10 tags x 100,000 steps, PyTorch SummaryWriter
#     style, written by the tensorboard package's own EventFileWriter): `trainscope snapshot LOG
#     --format json` against TensorBoard's EventAccumulator.Reload() on the same file, as a ratio.
# Usage: Benchmarks/ingest.sh [--events N] [--steps N] [--repeats N]   (defaults 2000000, 100000, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
events=2000000 steps=100000 repeats=3
while [ $# -gt 0 ]; do
  case $1 in
    --events) events=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
swift build -c release --product trainscope-ingest-bench >/dev/null
swift build -c release --product trainscope >/dev/null
work=${TMPDIR:-/tmp}/trainscope-ingest-bench
mkdir -p "$work"
for i in $(seq "$repeats"); do
  .build/release/trainscope-ingest-bench --events "$events" --dir "$work"
done

log=$work/tensorboard-$steps
python3 Benchmarks/tensorboard_open.py "$log" --steps "$steps" >/dev/null   # generate once (and warm the page cache)
for i in $(seq "$repeats"); do
  start=$(date +%s.%N)
  .build/release/trainscope snapshot "$log" --format json -o "$work/tb.json"
  end=$(date +%s.%N)
  ours=$(python3 -c "print(f'{$end - $start:.3f}')")
  theirs=$(python3 Benchmarks/tensorboard_open.py "$log" --steps "$steps" | sed -n 's/.*eventaccumulator_seconds=\([0-9.]*\).*/\1/p')
  scalars=$(python3 -c "
import json; d = json.load(open('$work/tb.json'))
print(sum(s['points'] for r in d['runs'] for s in r['series']))")
  echo "tensorboard log of $((steps * 10)) scalars: trainscope snapshot --format json ${ours} s, EventAccumulator.Reload ${theirs} s, ratio $(python3 -c "print(f'{$theirs / $ours:.1f}')")x (points in trainscope's JSON: $scalars)"
done
