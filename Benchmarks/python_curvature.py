"""What trainscope.torch's Hessian curvature costs on the grokking MLP, as ratios measured in one process.

    python3 Benchmarks/python_curvature.py [--train-steps 500] [--rounds 15]    # from the repository root
    # with a venv holding torch: /path/to/venv/bin/python Benchmarks/python_curvature.py

The model of `trainscope run --preset grokking` (Benchmarks/reference/grokking_model.py) in
PyTorch, initialized the same way (numpy seed 0): p = 97, 2822 training pairs, full batch,
E_a, E_b ∈ R^{97×128}, h = E_a[a] + E_b[b], logits = h²·Woutᵀ, mean cross-entropy, AdamW (lr 3e-3,
weight decay 1, β = (0.9, 0.98)). One thread everywhere (torch, OpenMP, OpenBLAS).

1. The cost of one Hessian-vector product over one gradient (forward + backward), per product
   kind, medians of interleaved rounds; for the kinds that linearize once ("torch.func",
   "double-backward") also that one-time cost and the cost per product amortized over 20 products
   (about one warm top-3 estimate). Goal: ≤ 2.5.
2. Top-3 eigenvalues (tol 1e-3) every 50 steps along a training run: warm-started from the
   previous estimate's vectors against cold, at the same weights (products and seconds).
3. Training slowdown with HessianTracker(every=50, k=3 and k=1): training steps timed with and without
   the tracker, alternating runs, each from the same initial weights. Goal: ≤ 10%.

Prints `key value` lines, then the three tables.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.nn import functional as F  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python" / "src"))

from trainscope.curvature import top_eigenpairs  # noqa: E402
from trainscope.torch import HessianTracker  # noqa: E402
from trainscope.torch._curvature import HessianOperator  # noqa: E402

P, HIDDEN, TRAIN_FRACTION = 97, 128, 0.3


class GrokkingMLP(torch.nn.Module):
    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        rng = np.random.default_rng(seed)
        self.order = rng.permutation(P * P)[: int(TRAIN_FRACTION * P * P)]
        self.embed_a = torch.nn.Embedding(P, HIDDEN)
        self.embed_b = torch.nn.Embedding(P, HIDDEN)
        self.out = torch.nn.Linear(HIDDEN, P, bias=False)
        with torch.no_grad():
            self.embed_a.weight.copy_(torch.from_numpy(rng.normal(0, 1, (P, HIDDEN)).astype(np.float32)))
            self.embed_b.weight.copy_(torch.from_numpy(rng.normal(0, 1, (P, HIDDEN)).astype(np.float32)))
            bound = HIDDEN ** -0.5
            self.out.weight.copy_(torch.from_numpy(rng.uniform(-bound, bound, (P, HIDDEN)).astype(np.float32)))

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        h = self.embed_a(a) + self.embed_b(b)
        return self.out(h * h)


def make(seed: int = 0) -> Tuple[GrokkingMLP, Tuple[torch.Tensor, ...]]:
    model = GrokkingMLP(seed)
    a = torch.from_numpy(model.order // P)
    b = torch.from_numpy(model.order % P)
    return model, (a, b, (a + b) % P)


def loss_fn(model: torch.nn.Module, batch: Tuple[torch.Tensor, ...]) -> torch.Tensor:
    return F.cross_entropy(model(batch[0], batch[1]), batch[2])


def optimizer_for(model: torch.nn.Module) -> torch.optim.Optimizer:
    return torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1.0, betas=(0.9, 0.98))


def train_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, batch: Tuple[torch.Tensor, ...]) -> None:
    optimizer.zero_grad(set_to_none=True)
    loss_fn(model, batch).backward()
    optimizer.step()


def interleaved(functions: Dict[str, Callable[[], Any]], rounds: int) -> Dict[str, float]:
    """Median seconds per call of each function, calls interleaved so drift hits all alike."""
    for f in functions.values():
        f()
    times: Dict[str, List[float]] = {name: [] for name in functions}
    for _ in range(rounds):
        for name, f in functions.items():
            start = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def hvp_costs(rounds: int) -> Dict[str, float]:
    model, batch = make()
    optimizer = optimizer_for(model)
    for _ in range(100):  # away from the initialization
        train_step(model, optimizer, batch)
    params = list(model.parameters())
    loss = lambda: loss_fn(model, batch)
    operators = {mode: HessianOperator(loss, params, mode) for mode in ("torch.func", "torch.func-jvp", "double-backward")}
    v = torch.randn(operators["torch.func"].dimension, generator=torch.Generator().manual_seed(0))

    def build(mode: str) -> Callable[[], Any]:
        return lambda: HessianOperator(loss, params, mode)(v)  # linearize + one product

    functions: Dict[str, Callable[[], Any]] = {"gradient": lambda: torch.autograd.grad(loss(), params)}
    for mode, operator in operators.items():
        functions[mode] = lambda operator=operator: operator(v)
    functions["torch.func build+1"] = build("torch.func")
    functions["double-backward build+1"] = build("double-backward")
    t = interleaved(functions, rounds)
    out = {"gradient_ms": 1e3 * t["gradient"]}
    for mode in operators:
        out[f"{mode}_hvp_ms"] = 1e3 * t[mode]
        out[f"{mode}_over_gradient"] = t[mode] / t["gradient"]
    for mode in ("torch.func", "double-backward"):
        once = t[f"{mode} build+1"] - t[mode]
        out[f"{mode}_linearize_ms"] = 1e3 * once
        out[f"{mode}_amortized20_over_gradient"] = (once + 20 * t[mode]) / 20 / t["gradient"]
    return out


def warm_vs_cold(train_steps: int) -> Dict[str, float]:
    model, batch = make()
    optimizer = optimizer_for(model)
    params = list(model.parameters())
    loss = lambda: loss_fn(model, batch)
    previous: List[torch.Tensor] = []
    warm_hvps, cold_hvps, warm_s, cold_s, agreement = [], [], [], [], []
    for step in range(train_steps + 1):
        if step % 50 == 0:
            cold_op = HessianOperator(loss, params, "torch.func", seed=step)
            start = time.perf_counter()
            cold = top_eigenpairs(cold_op.space(step), cold_op, 3, 1e-3)
            cold_time = time.perf_counter() - start
            if previous:
                warm_op = HessianOperator(loss, params, "torch.func", seed=step)
                start = time.perf_counter()
                warm = top_eigenpairs(warm_op.space(step), warm_op, 3, 1e-3, init=previous)
                warm_s.append(time.perf_counter() - start)
                cold_s.append(cold_time)
                warm_hvps.append(warm.hvps)
                cold_hvps.append(cold.hvps)
                agreement.append(max(abs(w - c) / abs(c) for w, c in zip(warm.values, cold.values)))
                previous = warm.vectors
            else:
                previous = cold.vectors
        train_step(model, optimizer, batch)
    # Re-estimating at unchanged weights from the vectors just found: the best case of a warm start.
    first = HessianOperator(loss, params, "torch.func")
    found = top_eigenpairs(first.space(1), first, 3, 1e-3, init=previous)
    again = HessianOperator(loss, params, "torch.func")
    start = time.perf_counter()
    repeat = top_eigenpairs(again.space(2), again, 3, 1e-3, init=found.vectors)
    return {
        "same_weights_warm_hvps": float(repeat.hvps), "same_weights_warm_seconds": time.perf_counter() - start,
        "estimates": len(warm_hvps),
        "cold_hvps_mean": statistics.mean(cold_hvps), "warm_hvps_mean": statistics.mean(warm_hvps),
        "cold_seconds_mean": statistics.mean(cold_s), "warm_seconds_mean": statistics.mean(warm_s),
        "warm_over_cold_seconds": sum(warm_s) / sum(cold_s),
        "warm_cold_max_relative_difference": max(agreement),
    }


def slowdown(train_steps: int, repeats: int, hessian_examples: int = 0, k: int = 3) -> Dict[str, float]:
    """Training time with HessianTracker(every=50, k) over without; the Hessian on the first
    ``hessian_examples`` training examples (0: all of them, the training batch itself)."""
    def run(tracked: bool) -> Tuple[float, int, float]:
        model, batch = make()
        optimizer = optimizer_for(model)
        hessian_batch = tuple(t[:hessian_examples] for t in batch) if hessian_examples else batch
        tracker = HessianTracker(model, loss_fn, hessian_batch, every=50, k=k) if tracked else None
        hvps, tracker_seconds = 0, 0.0
        start = time.perf_counter()
        for step in range(train_steps):
            if tracker is not None:
                report = tracker(step)  # the weights of this step's gradient, before its update
                if report is not None:
                    hvps += report.hvps
                    tracker_seconds += report.seconds
            train_step(model, optimizer, batch)
        return time.perf_counter() - start, hvps, tracker_seconds

    plain, tracked = [], []
    for _ in range(repeats):
        plain.append(run(False)[0])
        tracked_run = run(True)
        tracked.append(tracked_run)
    best_plain = min(plain)
    best_tracked = min(tracked, key=lambda r: r[0])
    return {
        "train_steps": train_steps, "plain_seconds": best_plain, "tracked_seconds": best_tracked[0],
        "plain_ms_per_step": 1e3 * best_plain / train_steps,
        "tracker_calls": (train_steps + 49) // 50, "tracker_hvps": best_tracked[1],
        "tracker_seconds": best_tracked[2],
        "slowdown": best_tracked[0] / best_plain - 1.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-steps", type=int, default=500, help="training steps for parts 2 and 3")
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds for part 1")
    parser.add_argument("--repeats", type=int, default=2, help="alternating runs for part 3 (best of each kept)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread, python {sys.version.split()[0]}")
    results: Dict[str, Dict[str, float]] = {
        "hvp": hvp_costs(args.rounds),
        "warm": warm_vs_cold(args.train_steps),
        "train": slowdown(args.train_steps, args.repeats),
        "train256": slowdown(args.train_steps, args.repeats, hessian_examples=256),
        "train256k1": slowdown(args.train_steps, args.repeats, hessian_examples=256, k=1),
    }
    for part, values in results.items():
        for key, value in values.items():
            print(f"{part}_{key} {value:.4g}" if isinstance(value, float) else f"{part}_{key} {value}")
    h, w = results["hvp"], results["warm"]
    print("\n| HVP kind | ms per product | / gradient | once per estimate (ms) | / gradient over 20 products |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| gradient (forward + backward) | {h['gradient_ms']:.2f} | 1 | | |")
    for mode in ("torch.func", "torch.func-jvp", "double-backward"):
        once = f"{h[mode + '_linearize_ms']:.2f}" if mode + "_linearize_ms" in h else "0"
        amortized = f"{h[mode + '_amortized20_over_gradient']:.2f}" if mode + "_amortized20_over_gradient" in h else f"{h[mode + '_over_gradient']:.2f}"
        print(f"| {mode} | {h[mode + '_hvp_ms']:.2f} | {h[mode + '_over_gradient']:.2f} | {once} | {amortized} |")
    print(f"\n| top-3, tol 1e-3, every 50 of {args.train_steps} steps ({int(w['estimates'])} estimates) | HVPs | seconds |")
    print("| --- | --- | --- |")
    print(f"| cold | {w['cold_hvps_mean']:.1f} | {w['cold_seconds_mean']:.3f} |")
    print(f"| warm-started | {w['warm_hvps_mean']:.1f} | {w['warm_seconds_mean']:.3f} |")
    print(f"| warm / cold | {w['warm_hvps_mean'] / w['cold_hvps_mean']:.2f} | {w['warm_over_cold_seconds']:.2f} |")
    print(f"| same weights again (warm from exact vectors) | {w['same_weights_warm_hvps']:.0f} | {w['same_weights_warm_seconds']:.3f} |")
    for key, k, label in (("train", 3, "Hessian on the full training batch (2822)"), ("train256", 3, "Hessian on 256 training examples"),
                          ("train256k1", 1, "Hessian on 256 training examples")):
        s = results[key]
        print(f"\ntraining {args.train_steps} steps: {s['plain_ms_per_step']:.2f} ms/step; with HessianTracker(every=50, k={k}), "
              f"{label}: +{100 * s['slowdown']:.1f}% ({int(s['tracker_calls'])} estimates, {int(s['tracker_hvps'])} HVPs, "
              f"{s['tracker_seconds']:.2f} s in the tracker)")


if __name__ == "__main__":
    main()
