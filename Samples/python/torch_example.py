#!/usr/bin/env python3
"""A small PyTorch run steered from trainscope: an MLP learning addition modulo p on the CPU.

Every step it logs train/loss, train/acc, test/loss, test/acc, lr and weight_decay; every
``--hessian-every`` steps it estimates the top Hessian eigenvalues with Lanczos on Hessian-vector
products from ``torch.func`` (forward-over-reverse) and sends them as a ``spectrum`` event. The
knobs ``lr`` and ``weight_decay`` can be changed from the dashboard, and pause/stop are honoured.

    trainscope watch unix:/tmp/ts.sock            # prints: export TRAINSCOPE_TOKEN=...
    export TRAINSCOPE_TOKEN=...                   # in the training shell
    python3 Samples/python/torch_example.py --url unix:/tmp/ts.sock

    # or with two processes (gloo + DDP); rank 0 is in charge of the knobs:
    torchrun --nproc-per-node 2 Samples/python/torch_example.py --url unix:/tmp/ts.sock [--all-ranks]

    # without a dashboard: NDJSON on stdout, e.g. to record and replay later
    python3 Samples/python/torch_example.py --url run.jsonl
"""

from __future__ import annotations

import argparse
import datetime
import os
import time
from typing import Callable, Dict, List, Optional, Tuple

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, grad, jvp
from torch.nn.parallel import DistributedDataParallel

from trainscope_client import Client

Dataset = Tuple[torch.Tensor, torch.Tensor]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=None, help="unix:PATH, tcp://HOST:PORT, - or a .jsonl file (default: $TRAINSCOPE_URL, else stdout)")
    parser.add_argument("--steps", type=int, default=1500, help="training steps")
    parser.add_argument("--all-ranks", action="store_true", help="every rank sends, as RUN/rankN")
    parser.add_argument("--run", default="torch-modular", help="run id")
    parser.add_argument("--p", type=int, default=23, help="the modulus")
    parser.add_argument("--train-fraction", type=float, default=0.5)
    parser.add_argument("--width", type=int, default=128, help="hidden units")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--weight-decay", type=float, default=1.0)
    parser.add_argument("--hessian-every", type=int, default=100, help="steps between spectrum estimates (0: never)")
    parser.add_argument("--lanczos-iterations", type=int, default=20)
    parser.add_argument("--hessian-batch", type=int, default=256, help="examples in the Hessian's loss")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def modular_addition(p: int, train_fraction: float, seed: int) -> Tuple[Dataset, Dataset]:
    """All pairs (a, b) as concatenated one-hot vectors with label (a + b) mod p, split train/test."""
    a, b = torch.cartesian_prod(torch.arange(p), torch.arange(p)).unbind(1)
    x = torch.cat([F.one_hot(a, p), F.one_hot(b, p)], dim=1).float()
    y = (a + b) % p
    order = torch.randperm(p * p, generator=torch.Generator().manual_seed(seed))
    n = int(train_fraction * p * p)
    return (x[order[:n]], y[order[:n]]), (x[order[n:]], y[order[n:]])


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy from ops with forward-mode derivatives (log_softmax, gather), for the HVPs."""
    return -logits.log_softmax(dim=-1).gather(1, targets.unsqueeze(1)).mean()


def hessian_vector_product(module: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Tuple[Callable[[torch.Tensor], torch.Tensor], torch.Tensor]:
    """``v -> H v`` for the loss on (x, y) at the module's current parameters, over one flat vector.

    Forward-over-reverse: ``jvp`` of ``grad`` of the loss as a function of the flattened parameters.
    """
    named = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
    names = [name for name, _ in named]
    shapes = [p.shape for _, p in named]
    sizes = [p.numel() for _, p in named]
    theta = torch.cat([p.detach().reshape(-1) for _, p in named])

    def loss_at(flat: torch.Tensor) -> torch.Tensor:
        params = {name: part.view(shape) for name, part, shape in zip(names, flat.split(sizes), shapes)}
        return cross_entropy(functional_call(module, params, (x,)), y)

    gradient = grad(loss_at)

    def hvp(v: torch.Tensor) -> torch.Tensor:
        return jvp(gradient, (theta,), (v,))[1]

    return hvp, theta


def lanczos_top_eigenvalues(
    hvp: Callable[[torch.Tensor], torch.Tensor], dim: int, iterations: int, k: int, generator: torch.Generator, dtype: torch.dtype
) -> Tuple[List[float], int]:
    """The ``k`` largest Ritz values after ``iterations`` Lanczos steps (full reorthogonalisation).

    Returns the Ritz values (descending) and the number of Hessian-vector products used.
    """
    q = torch.randn(dim, generator=generator, dtype=dtype)
    basis = [q / q.norm()]
    alphas: List[float] = []
    betas: List[float] = []
    for j in range(iterations):
        w = hvp(basis[-1])
        alphas.append(torch.dot(w, basis[-1]).item())
        # Gram-Schmidt against the whole basis, twice; this also removes alpha_j q_j and beta_{j-1} q_{j-1}.
        q_matrix = torch.stack(basis)
        w = w - q_matrix.T @ (q_matrix @ w)
        w = w - q_matrix.T @ (q_matrix @ w)
        beta = w.norm().item()
        if j == iterations - 1 or beta <= 1e-8 * max(1.0, abs(alphas[-1])):
            break
        betas.append(beta)
        basis.append(w / beta)
    tridiagonal = torch.diag(torch.tensor(alphas, dtype=torch.float64))
    if betas:
        off = torch.tensor(betas, dtype=torch.float64)
        tridiagonal += torch.diag(off, 1) + torch.diag(off, -1)
    ritz = torch.linalg.eigvalsh(tridiagonal).flip(0)
    return ritz[:k].tolist(), len(alphas)


def main() -> None:
    args = parse_args()
    distributed = all(key in os.environ for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK"))
    if distributed:
        # A long timeout: rank 0 may be paused from the dashboard while the others wait in a collective.
        dist.init_process_group("gloo", timeout=datetime.timedelta(hours=12))
    rank = dist.get_rank() if distributed else 0
    world_size = dist.get_world_size() if distributed else 1

    torch.manual_seed(args.seed)  # the same initial weights on every rank (DDP also broadcasts rank 0's)
    (x_train, y_train), (x_test, y_test) = modular_addition(args.p, args.train_fraction, args.seed)
    x_local, y_local = x_train[rank::world_size], y_train[rank::world_size]

    net = nn.Sequential(nn.Linear(2 * args.p, args.width), nn.ReLU(), nn.Linear(args.width, args.p))
    model: nn.Module = DistributedDataParallel(net) if distributed else net
    optimizer = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=args.weight_decay)

    ts = Client(
        url=args.url,
        run=args.run,
        task=f"modular addition p={args.p}",
        model=f"mlp {2 * args.p}-{args.width}-{args.p}",
        config={**vars(args), "world_size": world_size, "parameters": sum(p.numel() for p in net.parameters())},
        knobs={
            "lr": {"value": args.lr, "min": 1e-5, "max": 1.0, "scale": "log", "step": 2},
            "weight_decay": {"value": args.weight_decay, "min": 1e-4, "max": 10.0, "scale": "log", "step": 2},
        },
        all_ranks=args.all_ranks,
    )
    generator = torch.Generator().manual_seed(args.seed + 1000 + rank)
    memorized: Optional[int] = None
    generalized: Optional[int] = None
    try:
        for step in range(1, args.steps + 1):
            # Rank 0 is in charge: it waits out a pause and reads the knobs; everybody applies the result.
            control: Optional[Dict[str, object]] = None
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
            for name, value in control["changes"].items():  # type: ignore[union-attr]
                for group in optimizer.param_groups:
                    group[name] = value

            model.train()
            optimizer.zero_grad(set_to_none=True)
            logits = model(x_local)
            loss = F.cross_entropy(logits, y_local)
            loss.backward()
            optimizer.step()

            with torch.no_grad():
                train_acc = (logits.argmax(dim=-1) == y_local).float().mean().item()
                test_logits = net(x_test)
                test_loss = F.cross_entropy(test_logits, y_test).item()
                test_acc = (test_logits.argmax(dim=-1) == y_test).float().mean().item()
            group = optimizer.param_groups[0]
            ts.log(step, {"train/loss": loss.item(), "train/acc": train_acc, "test/loss": test_loss,
                          "test/acc": test_acc, "lr": group["lr"], "weight_decay": group["weight_decay"]})
            if memorized is None and train_acc >= 0.99:
                memorized = step
                ts.phase(step, "memorization", message="train accuracy reached 99%", **{"train/acc": train_acc})
            if generalized is None and test_acc >= 0.99:
                generalized = step
                ts.phase(step, "generalization", message="test accuracy reached 99%",
                         **{"test/acc": test_acc, "delay_steps": step - (memorized or step)})

            if ts.enabled and args.hessian_every > 0 and step % args.hessian_every == 0:
                started = time.perf_counter()
                batch = slice(0, args.hessian_batch)
                hvp, theta = hessian_vector_product(net, x_local[batch], y_local[batch])
                top, hvps = lanczos_top_eigenvalues(hvp, theta.numel(), args.lanczos_iterations, 3, generator, theta.dtype)
                ts.spectrum(
                    step,
                    top=top,
                    estimator={"method": "lanczos", "iterations": hvps, "batch": min(args.hessian_batch, len(y_local))},
                    cost={"hvps": hvps, "seconds": time.perf_counter() - started},
                )
    finally:
        ts.close()
        if distributed:
            dist.destroy_process_group()


if __name__ == "__main__":
    main()
