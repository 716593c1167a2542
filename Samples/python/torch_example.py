#!/usr/bin/env python3
"""A small PyTorch run steered from trainscope: an MLP grokking addition modulo p on the CPU.

The model is the built-in engine's ``mlp``: two embedding tables (one per operand) summed, squared,
and a linear read-out. Full-batch AdamW with weight decay 1 memorizes the training half within
~100 steps and generalizes (test accuracy ≥ 99%) around step 1300 with the defaults: about 15 s on
a CPU, Hessian and compression probes included.

Every step it logs train/loss, train/acc, test/loss, test/acc, lr and weight_decay; trainscope
finds memorization and generalization in them (the grokking panel) as it does for every source. ``trainscope.torch.HessianTracker`` sends the top
Hessian eigenvalues every ``--hessian-every`` steps (the Hessian panel), and
``trainscope.torch.compression_front`` sends the front of pruned and quantized copies every
``--probe-every`` steps (the Pareto panel), as the engine's ``probe_every`` does. The knobs ``lr``
and ``weight_decay`` can be changed from the dashboard, and pause/stop are honoured.

    trainscope watch unix:                        # prints: export TRAINSCOPE_TOKEN=...
    export TRAINSCOPE_TOKEN=...                   # in the training shell
    python3 Samples/python/torch_example.py --url unix:

    # or with two processes (gloo + DDP); rank 0 is in charge of the knobs:
    torchrun --nproc-per-node 2 Samples/python/torch_example.py --url unix: [--all-ranks]

    # without a dashboard: record, then render
    python3 Samples/python/torch_example.py --url run.jsonl
    trainscope snapshot run.jsonl --panel pareto
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

try:
    import trainscope  # noqa: F401  (an installed package: pip install './python[torch]')
except ImportError:  # not installed: use the package in this repository's python/src
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python" / "src"))
from trainscope import Client
from trainscope.torch import HessianTracker, compression_front

Split = Tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # a [n], b [n], label (a + b) mod p [n]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--url", default=None, help="unix:PATH, unix:, tcp://HOST:PORT, - or a .jsonl file (default: $TRAINSCOPE_URL, else stdout)")
    parser.add_argument("--steps", type=int, default=2000, help="training steps")
    parser.add_argument("--all-ranks", action="store_true", help="every rank sends, as RUN/rankN")
    parser.add_argument("--run", default="torch-modular", help="run id")
    parser.add_argument("--p", type=int, default=31, help="the modulus")
    parser.add_argument("--train-fraction", type=float, default=0.5)
    parser.add_argument("--width", type=int, default=128, help="hidden units")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--weight-decay", type=float, default=1.0)
    parser.add_argument("--hessian-every", type=int, default=50, help="steps between spectrum estimates (0: never)")
    parser.add_argument("--hessian-k", type=int, default=3, help="top eigenvalues to estimate")
    parser.add_argument("--trace-probes", type=int, default=8, help="Hutch++ products for the Hessian trace (0: none)")
    parser.add_argument("--hessian-batch", type=int, default=256, help="training examples in the Hessian's loss")
    parser.add_argument("--probe-every", type=int, default=250, help="steps between compression fronts (0: never)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (tiny matrices: more only adds overhead)")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def modular_addition(p: int, train_fraction: float, seed: int) -> Tuple[Split, Split]:
    """All pairs (a, b) with label (a + b) mod p, shuffled and split into train and test."""
    a, b = torch.cartesian_prod(torch.arange(p), torch.arange(p)).unbind(1)
    order = torch.randperm(p * p, generator=torch.Generator().manual_seed(seed))
    n = int(train_fraction * p * p)
    train, test = order[:n], order[n:]
    return (a[train], b[train], (a[train] + b[train]) % p), (a[test], b[test], (a[test] + b[test]) % p)


class TokenPairMLP(nn.Module):
    """The engine's ``mlp``: logits ``[n, p]`` = out((embed_a[a] + embed_b[b])²) for token pairs ``a, b`` ``[n]``."""

    def __init__(self, p: int, width: int) -> None:
        super().__init__()
        self.embed_a = nn.Embedding(p, width)  # N(0, 1) entries, the engine's embedding_std = 1
        self.embed_b = nn.Embedding(p, width)
        self.out = nn.Linear(width, p, bias=False)

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.out((self.embed_a(a) + self.embed_b(b)) ** 2)
        return logits


def evaluate(model: nn.Module, split: Split) -> Dict[str, float]:
    """Loss and accuracy of ``model`` on a whole split, without gradients."""
    a, b, y = split
    with torch.no_grad():
        logits = model(a, b)
        return {"loss": F.cross_entropy(logits, y).item(), "acc": (logits.argmax(dim=1) == y).double().mean().item()}


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    distributed = all(key in os.environ for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK"))
    if distributed:
        # A long timeout: rank 0 may be paused from the dashboard while the others wait in a collective.
        dist.init_process_group("gloo", timeout=datetime.timedelta(hours=12))
    rank = dist.get_rank() if distributed else 0
    world_size = dist.get_world_size() if distributed else 1

    torch.manual_seed(args.seed)  # the same initial weights on every rank (DDP also broadcasts rank 0's)
    train, test = modular_addition(args.p, args.train_fraction, args.seed)
    local = tuple(t[rank::world_size] for t in train)  # this rank's share of the full batch
    net = TokenPairMLP(args.p, args.width)
    model: nn.Module = DistributedDataParallel(net) if distributed else net
    optimizer = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=args.weight_decay, betas=(0.9, 0.98))

    ts = Client(
        url=args.url,
        run=args.run,
        task=f"a add b mod {args.p}, train fraction {args.train_fraction}",
        model=f"mlp(embed {args.p}×{args.width} ×2, square, out {args.width}→{args.p})",
        config={**vars(args), "world_size": world_size, "parameters": sum(p.numel() for p in net.parameters())},
        knobs={
            "lr": {"value": args.lr, "min": 1e-5, "max": 1.0, "scale": "log", "step": 2},
            "weight_decay": {"value": args.weight_decay, "min": 1e-4, "max": 10.0, "scale": "log", "step": 2},
        },
        all_ranks=args.all_ranks,
    )
    # The Hessian of the training loss on a fixed slice of this rank's examples, at the weights
    # before each step's update, as the engine measures it.
    hessian_batch = tuple(t[: args.hessian_batch] for t in local)
    tracker = HessianTracker(
        net, lambda m, batch: F.cross_entropy(m(batch[0], batch[1]), batch[2]), hessian_batch,
        every=max(args.hessian_every, 1), k=args.hessian_k, trace_probes=args.trace_probes, client=ts,
    )

    def test_metrics(m: nn.Module) -> Dict[str, float]:
        result = evaluate(m, test)
        return {"test/acc": result["acc"], "test/loss": result["loss"]}

    try:
        for step in range(1, args.steps + 1):
            # Rank 0 is in charge: it waits out a pause and reads the knobs; everybody applies the result.
            control: Optional[Dict[str, Any]] = None
            if rank == 0:
                ts.wait_while_paused()
                control = {"changes": ts.knobs(), "stop": ts.stop_requested}
            if distributed:
                box = [control]
                dist.broadcast_object_list(box, src=0)
                control = box[0]
            assert control is not None
            if control["stop"]:
                break
            for name, value in control["changes"].items():
                for group in optimizer.param_groups:
                    group[name] = value

            model.train()
            optimizer.zero_grad(set_to_none=True)
            logits = model(local[0], local[1])
            loss = F.cross_entropy(logits, local[2])
            loss.backward()

            # Everything step N reports describes the weights its gradient was taken at: measure
            # here, before optimizer.step() (PROTOCOL.md, "What a step's values describe").
            train_acc = (logits.argmax(dim=1) == local[2]).double().mean().item()
            result = evaluate(net, test)
            group = optimizer.param_groups[0]
            ts.log(step, {"train/loss": loss.item(), "train/acc": train_acc, "test/loss": result["loss"],
                          "test/acc": result["acc"], "lr": group["lr"], "weight_decay": group["weight_decay"]})
            if ts.enabled:
                if args.hessian_every > 0:
                    tracker(step)
                if args.probe_every > 0 and (step % args.probe_every == 0 or step == args.steps):
                    compression_front(net, test_metrics, step=step, client=ts)

            optimizer.step()
    finally:
        ts.close()
        if distributed:
            dist.destroy_process_group()


if __name__ == "__main__":
    main()
