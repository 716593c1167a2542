"""Prints the last `pareto` front of a recording as a Markdown table: each point's label, its
values and whether it is on the non-dominated front, in the order the source listed them.
Usage: python3 Benchmarks/front_table.py RUN.jsonl [RUN_ID]   (standard library only)
With RUN_ID, the last front of that run; otherwise the last front in the file.
"""
import json
import sys


def dominated(point, others, directions):
    def better_or_equal(a, b, d):
        return a <= b if d == "min" else a >= b
    for other in others:
        if other is point:
            continue
        if all(better_or_equal(o, p, d) for o, p, d in zip(other["values"], point["values"], directions)) and \
                any(o != p for o, p in zip(other["values"], point["values"])):
            return True
    return False


def main():
    path = sys.argv[1]
    run = sys.argv[2] if len(sys.argv) > 2 else None
    fronts = [e for e in map(json.loads, open(path)) if e.get("type") == "pareto" and (run is None or e.get("run") == run)]
    if not fronts:
        sys.exit(f"{path}: no pareto events" + (f" for run {run}" if run else ""))
    last = fronts[-1]
    names = [o["name"] for o in last["objectives"]]
    directions = [o["direction"] for o in last["objectives"]]
    arrows = ["↓" if d == "min" else "↑" for d in directions]
    print(f"Front of run {last.get('run')} at step {last['step']}:\n")
    print("| point | " + " | ".join(f"{n} {a}" for n, a in zip(names, arrows)) + " | on the front |")
    print("| --- | " + " | ".join("---" for _ in names) + " | --- |")
    for point in last["points"]:
        values = " | ".join(f"{v:,.0f}" if abs(v) >= 100 else f"{v:.4g}" for v in point["values"])
        front = "" if dominated(point, last["points"], directions) else "yes"
        print(f"| {point.get('label', '')} | {values} | {front} |")


main()
