#!/usr/bin/env python3
"""A torchrun job steered from trainscope: every rank applies the dashboard's knobs at the same step.

Two (or more) processes train one MLP on addition modulo p with DistributedDataParallel over gloo
on the CPU, each on its shard of the training pairs. Only rank 0 talks to the dashboard (the
client reads ``RANK``); once per step every rank calls ``DistributedKnobs.sync``, which broadcasts
rank 0's knob changes (``lr``, ``weight_decay``), pause and stop, so all replicas change their
optimizer at the same step and stop together::

    knobs = DistributedKnobs(ts)                         # ts: this rank's Client
    for step in range(steps):
        apply_optimizer_knobs(optimizer, knobs.sync(step))   # collective, every rank
        if knobs.stop_requested:
            break

    trainscope watch unix:                       # prints: export TRAINSCOPE_TOKEN=...
    export TRAINSCOPE_URL=unix: TRAINSCOPE_TOKEN=...
    torchrun --nproc-per-node 2 Samples/python/torchrun_example.py
    torchrun --nproc-per-node 2 Samples/python/torchrun_example.py --all-ranks   # every rank its own run
    python3 Samples/python/torchrun_example.py > run.jsonl                       # one process, NDJSON on stdout
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

try:
    import trainscope  # noqa: F401  (pip install ./python)
except ImportError:  # a checkout that is not installed: use its source tree
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python", "src"))

from trainscope import Client  # noqa: E402
from trainscope.distributed import DistributedKnobs, apply_optimizer_knobs, optimizer_knob_specs  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=None, help="unix:PATH, tcp://HOST:PORT, - or a .jsonl file (default: $TRAINSCOPE_URL, else stdout)")
    parser.add_argument("--run", default="torchrun-modular", help="run id")
    parser.add_argument("--all-ranks", action="store_true", help="every rank sends, as RUN/rankN")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--p", type=int, default=23, help="the modulus")
    parser.add_argument("--train-fraction", type=float, default=0.8)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--weight-decay", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        dist.init_process_group("gloo", timeout=datetime.timedelta(minutes=10))
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1
    torch.set_num_threads(1)

    torch.manual_seed(args.seed)  # the same data split and initial weights on every rank
    p = args.p
    a, b = torch.cartesian_prod(torch.arange(p), torch.arange(p)).unbind(1)
    x = torch.cat([F.one_hot(a, p), F.one_hot(b, p)], 1).float()
    y = (a + b) % p
    order = torch.randperm(len(y))
    split = int(len(y) * args.train_fraction)
    shard, test = order[:split][rank::world], order[split:]  # this rank's training pairs; everyone's test set
    net = torch.nn.Sequential(torch.nn.Linear(2 * p, 128), torch.nn.ReLU(), torch.nn.Linear(128, p))
    model = DistributedDataParallel(net) if distributed else net
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)

    ts = Client(url=args.url, run=args.run, task="modular", model="mlp", all_ranks=args.all_ranks,
                config={**vars(args), "world_size": world}, knobs=optimizer_knob_specs(optimizer))
    knobs = DistributedKnobs(ts)
    if rank == 0:
        where = args.url or os.environ.get("TRAINSCOPE_URL") or "stdout"
        print(f"torchrun_example: run {ts.run_id!r} ({world} process{'es' if world > 1 else ''}) to {where}", file=sys.stderr)
    start = time.time()
    step = 0
    for step in range(args.steps):
        apply_optimizer_knobs(optimizer, knobs.sync(step))  # collective: the same changes on every rank
        if knobs.stop_requested:
            break
        logits = model(x[shard])
        loss = F.cross_entropy(logits, y[shard])
        optimizer.zero_grad()
        loss.backward()  # DDP averages the gradients
        # Train metrics over all shards (one all_reduce), test metrics on the shared test set.
        totals = torch.stack([loss.detach() * len(shard), (logits.argmax(1) == y[shard]).sum().float(), torch.tensor(float(len(shard)))])
        if distributed:
            dist.all_reduce(totals)
        with torch.no_grad():
            test_logits = net(x[test])
        ts.log(step, {
            "train/loss": (totals[0] / totals[2]).item(), "train/acc": (totals[1] / totals[2]).item(),
            "test/loss": F.cross_entropy(test_logits, y[test]).item(),
            "test/acc": (test_logits.argmax(1) == y[test]).float().mean().item(),
            "lr": optimizer.param_groups[0]["lr"], "weight_decay": optimizer.param_groups[0]["weight_decay"],
        })
        optimizer.step()
    ts.close()
    if rank == 0:
        print(f"torchrun_example: {step + 1} steps in {time.time() - start:.1f} s", file=sys.stderr)
    if distributed:
        # The DDP reducer holds the group: release it, and leave together, before tearing it down.
        del model
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
