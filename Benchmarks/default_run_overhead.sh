#!/usr/bin/env bash
# The cost of the default run's extra views: `trainscope run --preset grokking` as it ships (spectrum
# every 100 steps on 512 examples, a compression probe round every 250 steps, Fourier measures every
# 100 steps, a gradient noise scale measurement every 10) against the same run with all of them
# turned off, alternating, REPS times each; prints each wall time and the median ratio.
# Usage: Benchmarks/default_run_overhead.sh [path/to/trainscope] [REPS]   (swift build -c release first)
set -euo pipefail
bin=${1:-.build/release/trainscope}
reps=${2:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
seconds() { /usr/bin/time -f %e -o "$out/t" "$bin" run --preset grokking --headless "$@" >/dev/null 2>&1; cat "$out/t"; }
plain=() views=()
for _ in $(seq "$reps"); do
  plain+=("$(seconds --set spectrum_every=0 --set probe_every=0 --set fourier_every=0 --set noise_scale_every=0)")
  views+=("$(seconds)")
done
python3 - "${plain[*]}" "${views[*]}" <<'PY'
import statistics, sys
plain, views = ([float(x) for x in a.split()] for a in sys.argv[1:3])
print("curves only (spectrum, probes, Fourier, noise scale off):", " ".join(f"{x:.1f}" for x in plain), "s")
print("as shipped (all four on):                               ", " ".join(f"{x:.1f}" for x in views), "s")
ratios = [v / p for v, p in zip(views, plain)]
print(f"overhead: median {100 * (statistics.median(ratios) - 1):+.1f}% (pairs: {', '.join(f'{100 * (r - 1):+.1f}%' for r in ratios)})")
PY
