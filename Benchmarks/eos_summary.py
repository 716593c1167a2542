"""Summarizes edge-of-stability recordings: for each, the learning rate η, the first step where the
sharpness λmax reaches 2/η (within 5%), and the mean of λmax·η/2 over the last third of training.
Usage: python3 Benchmarks/eos_summary.py RUN.jsonl [RUN.jsonl ...]   (standard library only)
"""
import json
import sys

print("| η | 2/η | steps to reach 2/η | mean λmax·η/2, last third | λmax at start | final train loss |")
print("| --- | --- | --- | --- | --- | --- |")
for path in sys.argv[1:]:
    events = [json.loads(line) for line in open(path) if line.strip()]
    run = next(e for e in events if e["type"] == "run")
    lr = run["config"]["lr"]
    spectra = [(e["step"], e["top"][0]) for e in events if e["type"] == "spectrum"]
    losses = [e["values"]["train/loss"] for e in events if e["type"] == "scalars"]
    threshold = 2 / lr
    reached = next((step for step, top in spectra if top >= 0.95 * threshold), None)
    last_step = spectra[-1][0]
    tail = [top * lr / 2 for step, top in spectra if step > 2 * last_step / 3]
    mean_ratio = sum(tail) / len(tail)
    print(f"| {lr:g} | {threshold:g} | {reached if reached is not None else 'never'} | {mean_ratio:.3f} | "
          f"{spectra[0][1]:.3g} | {losses[-1]:.3g} |")
