#!/usr/bin/env python3
"""The README's width-sweep table, computed from a recording of `trainscope run --preset pareto`.

Usage: python3 Benchmarks/pareto_table.py Samples/runs/pareto.jsonl
Per member: parameters and final test accuracy (the sweep's last front), the step at which test
accuracy first reached 99% (its generalization phase), and the smallest probe of its last probe
round whose accuracy is within 1 point of the dense model's.
"""
import json
import sys


def main(path):
    fronts, probes, generalized = {}, {}, {}
    with open(path) as f:
        for line in f:
            event = json.loads(line)
            kind, run = event.get("type"), event.get("run")
            if kind == "pareto" and event["objectives"][0]["name"] == "parameters":
                fronts = {p["label"]: p["values"] for p in event["points"]}
            elif kind == "pareto":
                probes[run] = event["points"]
            elif kind == "phase" and event["name"] == "generalization":
                generalized[run] = event["step"]
    print("| hidden | parameters | final test acc | generalized (99%) at step | smallest probe at the end within 1 point of the dense accuracy |")
    print("| --- | --- | --- | --- | --- |")
    for label, (parameters, accuracy) in fronts.items():
        width = label.split()[1]
        run = next(r for r in probes if r.endswith(f"-hidden{width}"))
        points = probes[run]
        dense_bits, dense_acc = next(p["values"] for p in points if p["label"].startswith("dense"))
        bits, acc, name = min((p["values"][0], p["values"][1], p["label"]) for p in points if p["values"][1] >= dense_acc - 0.01)
        print(f"| {width} | {int(parameters):,} | {accuracy:.4f} | {generalized.get(run, '—')} | "
              f"{name}: {int(bits):,} bits ({100 * bits / dense_bits:.1f}% of dense), {acc:.4f} |")


if __name__ == "__main__":
    main(sys.argv[1])
