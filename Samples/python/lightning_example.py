#!/usr/bin/env python3
"""A PyTorch Lightning run streamed to trainscope: one callback.

A small MLP learns addition modulo p on the CPU. The module logs ``train_loss``, ``train_acc``,
``val_loss`` and ``val_acc`` as Lightning users do; ``TrainscopeCallback`` sends them as
``train/loss``, ``train/acc``, ``val/loss`` and ``val/acc`` (so the dashboard's grokking panel finds
them), with the learning rate as ``lr``, and applies the dashboard's ``lr`` and ``weight_decay``
knobs, pause and stop::

    trainer = lightning.Trainer(..., callbacks=[TrainscopeCallback()])

    trainscope watch unix:                       # prints: export TRAINSCOPE_TOKEN=...
    python3 Samples/python/lightning_example.py --url unix:
    python3 Samples/python/lightning_example.py > run.jsonl        # no dashboard: NDJSON on stdout

Works with ``lightning`` or the older ``pytorch_lightning`` package.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import warnings
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

try:
    import lightning.pytorch as pl
except ImportError:
    import pytorch_lightning as pl  # type: ignore[no-redef]

try:
    import trainscope  # noqa: F401  (pip install ./python)
except ImportError:  # a checkout that is not installed: use its source tree
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python", "src"))

from trainscope.lightning import TrainscopeCallback  # noqa: E402


class ModularMLP(pl.LightningModule):
    """One hidden ReLU layer over the concatenated one-hot operands; AdamW with strong weight decay."""

    def __init__(self, p: int = 23, width: int = 128, lr: float = 3e-3, weight_decay: float = 2.0) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(torch.nn.Linear(2 * p, width), torch.nn.ReLU(), torch.nn.Linear(width, p))

    def step(self, batch: Any, stage: str) -> torch.Tensor:
        x, y = batch
        logits = self.net(x)
        loss = F.cross_entropy(logits, y)
        self.log(f"{stage}_loss", loss)
        self.log(f"{stage}_acc", (logits.argmax(1) == y).float().mean())
        return loss

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        return self.step(batch, "train")

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self.step(batch, "val")

    def configure_optimizers(self) -> Any:
        return torch.optim.AdamW(self.parameters(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=None, help="unix:PATH, tcp://HOST:PORT, - or a .jsonl file (default: $TRAINSCOPE_URL, else stdout)")
    parser.add_argument("--run", default="lightning-modular", help="run id")
    parser.add_argument("--steps", type=int, default=1500, help="optimizer steps (full-batch)")
    parser.add_argument("--p", type=int, default=23, help="the modulus")
    parser.add_argument("--train-fraction", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    warnings.filterwarnings("ignore", module="lightning|pytorch_lightning")
    for name in ("lightning.pytorch", "lightning.fabric", "pytorch_lightning"):
        logging.getLogger(name).setLevel(logging.ERROR)
    pl.seed_everything(args.seed, verbose=False)
    p = args.p
    a, b = torch.cartesian_prod(torch.arange(p), torch.arange(p)).unbind(1)
    x = torch.cat([F.one_hot(a, p), F.one_hot(b, p)], 1).float()
    y = (a + b) % p
    order = torch.randperm(len(y))
    split = int(len(y) * args.train_fraction)
    train = DataLoader(TensorDataset(x[order[:split]], y[order[:split]]), batch_size=split, shuffle=True)
    val = DataLoader(TensorDataset(x[order[split:]], y[order[split:]]), batch_size=len(y))

    callback = TrainscopeCallback(url=args.url, run=args.run, task="modular")
    trainer = pl.Trainer(max_steps=args.steps, check_val_every_n_epoch=10, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                         accelerator="cpu", devices=1, callbacks=[callback])
    where = args.url or os.environ.get("TRAINSCOPE_URL") or "stdout"
    print(f"lightning_example: run {args.run!r} to {where}", file=sys.stderr)
    start = time.time()
    trainer.fit(ModularMLP(p=p), train, val)
    accuracy = trainer.callback_metrics.get("val_acc")
    print(f"lightning_example: {trainer.global_step} steps in {time.time() - start:.1f} s, val_acc {float(accuracy or 0):.3f}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
