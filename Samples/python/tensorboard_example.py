#!/usr/bin/env python3
"""TensorBoard logging code streamed live to trainscope by changing one import.

A small MLP learns addition modulo p on the CPU and logs the way TensorBoard users do:
``add_scalar`` for losses, accuracies and the learning rate, ``add_histogram`` for the weights
every ``--histogram-every`` steps, ``add_hparams`` at the end. The only trainscope line is the import::

    # from torch.utils.tensorboard import SummaryWriter
    from trainscope.tensorboard import SummaryWriter

    trainscope watch unix:                      # prints: export TRAINSCOPE_TOKEN=...
    python3 Samples/python/tensorboard_example.py --url unix:
    python3 Samples/python/tensorboard_example.py --tee --log-dir runs/mod   # and TensorBoard files too
    python3 Samples/python/tensorboard_example.py > run.jsonl                 # no dashboard: NDJSON on stdout

Pause and stop from the dashboard are honoured through ``writer.client``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import torch
import torch.nn.functional as F

try:
    import trainscope  # noqa: F401  (pip install ./python)
except ImportError:  # a checkout that is not installed: use its source tree
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python", "src"))

# from torch.utils.tensorboard import SummaryWriter
from trainscope.tensorboard import SummaryWriter  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=None, help="unix:PATH, tcp://HOST:PORT, - or a .jsonl file (default: $TRAINSCOPE_URL, else stdout)")
    parser.add_argument("--log-dir", default=None, help="TensorBoard's log_dir (default runs/<date>_<host>); its name is the run id")
    parser.add_argument("--tee", action="store_true", help="also write TensorBoard event files to --log-dir")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--p", type=int, default=23, help="the modulus")
    parser.add_argument("--train-fraction", type=float, default=0.8)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--weight-decay", type=float, default=2.0)
    parser.add_argument("--histogram-every", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    p = args.p
    a, b = torch.cartesian_prod(torch.arange(p), torch.arange(p)).unbind(1)
    x = torch.cat([F.one_hot(a, p), F.one_hot(b, p)], 1).float()
    y = (a + b) % p
    order = torch.randperm(len(y))
    split = int(len(y) * args.train_fraction)
    train, test = order[:split], order[split:]
    model = torch.nn.Sequential(torch.nn.Linear(2 * p, 128), torch.nn.ReLU(), torch.nn.Linear(128, p))
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)

    writer = SummaryWriter(args.log_dir, url=args.url, tee=args.tee, config=vars(args))
    where = args.url or os.environ.get("TRAINSCOPE_URL") or "stdout"
    print(f"tensorboard_example: run {writer.client.run_id!r} to {where}", file=sys.stderr)
    start = time.time()
    for step in range(args.steps):
        writer.client.wait_while_paused()
        if writer.client.stop_requested:
            break
        logits = model(x[train])
        loss = F.cross_entropy(logits, y[train])
        with torch.no_grad():
            test_logits = model(x[test])
            writer.add_scalar("train/loss", loss.item(), step)
            writer.add_scalar("train/acc", (logits.argmax(1) == y[train]).float().mean().item(), step)
            writer.add_scalar("test/loss", F.cross_entropy(test_logits, y[test]).item(), step)
            writer.add_scalar("test/acc", (test_logits.argmax(1) == y[test]).float().mean().item(), step)
            writer.add_scalar("lr", optimizer.param_groups[0]["lr"], step)
            if step % args.histogram_every == 0:
                for name, parameter in model.named_parameters():
                    writer.add_histogram(f"weights/{name}", parameter, step)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    final_acc = (model(x[test]).argmax(1) == y[test]).float().mean().item()
    writer.add_hparams({"lr": args.lr, "weight_decay": args.weight_decay, "p": p}, {"hparam/test_acc": final_acc})
    writer.close()
    print(f"tensorboard_example: {step + 1} steps in {time.time() - start:.1f} s, test/acc {final_acc:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
