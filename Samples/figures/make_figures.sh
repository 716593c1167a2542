#!/usr/bin/env bash
# Renders the README's figures from the committed recordings: figure-style SVGs (vector charts in
# the paper theme) and PNGs made from them by rsvg-convert (package librsvg2-bin). Run from the
# repository root after `swift build`:
#   Samples/figures/make_figures.sh [path/to/trainscope]
# For LaTeX, make a PDF instead: rsvg-convert -f pdf grokking.svg -o grokking.pdf
set -euo pipefail
bin=${1:-.build/debug/trainscope}
dir=Samples/figures
"$bin" snapshot Samples/runs/grokking.jsonl --style figure --panel grokking -o "$dir/grokking.svg"
"$bin" snapshot Samples/runs/eos.jsonl --style figure --panels curves:loss,hessian:eigenvalues,hessian:density -o "$dir/eos.svg"
"$bin" snapshot Samples/runs/pareto.jsonl --style figure --panels curves:test/acc,pareto:front -o "$dir/pareto.svg"
"$bin" snapshot Samples/runs/grokking.jsonl --style figure --panel fourier -o "$dir/fourier.svg"
"$bin" snapshot Samples/runs/scaling.jsonl --style figure --panel pareto --width 640 --height 400 -o "$dir/scaling.svg"
for name in grokking eos pareto fourier scaling; do
  rsvg-convert "$dir/$name.svg" -o "$dir/$name.png"
done
ls -l "$dir"
