"""Tests of trainscope.lightning.TrainscopeCallback with a real Lightning Trainer and a fake dashboard.

    /tmp/venv-cpu/bin/python -m unittest discover -s Tests/python_torch -p 'test_lightning.py' -v

A small MLP learns a synthetic rule on the CPU. A probe callback placed before TrainscopeCallback
sends control lines through the fake dashboard after chosen batches and waits until the client
holds them, so each change lands at a known step. Skipped without lightning (or pytorch_lightning).
"""

from __future__ import annotations

import csv
import logging
import os
import threading
import unittest
import warnings
from typing import Any, Callable, Dict, List, Optional

from integration_support import (
    TRAINSCOPE_BIN,
    IntegrationTestCase,
    Trainscope,
    blocked_in,
    control,
    snapshot_runs,
    wait_until,
)

try:
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    try:
        import lightning.pytorch as pl
    except ImportError:
        import pytorch_lightning as pl  # type: ignore[no-redef]
    from trainscope.lightning import TrainscopeCallback, metric_name
    HAVE_LIGHTNING = True
except ImportError:
    HAVE_LIGHTNING = False

TOKEN = "0123456789abcdef0123456789abcdef"

if HAVE_LIGHTNING:
    class Classifier(pl.LightningModule):
        """A two-layer MLP; SGD with momentum and weight decay, optionally a per-step StepLR."""

        def __init__(self, lr: float = 0.1, width: int = 16, step_lr: bool = False) -> None:
            super().__init__()
            self.save_hyperparameters()
            self.net = torch.nn.Sequential(torch.nn.Linear(4, width), torch.nn.ReLU(), torch.nn.Linear(width, 2))

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            x, y = batch
            out = self.net(x)
            loss = torch.nn.functional.cross_entropy(out, y)
            self.log("train_loss", loss, on_step=True, on_epoch=True)
            self.log("train_acc", (out.argmax(1) == y).float().mean())
            return loss

        def validation_step(self, batch: Any, batch_idx: int) -> None:
            x, y = batch
            out = self.net(x)
            self.log("val_loss", torch.nn.functional.cross_entropy(out, y))
            self.log("val_acc", (out.argmax(1) == y).float().mean())

        def configure_optimizers(self) -> Any:
            optimizer = torch.optim.SGD(self.parameters(), lr=self.hparams.lr, momentum=0.9, weight_decay=1e-3)
            if not self.hparams.step_lr:
                return optimizer
            scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
            return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    class Probe(pl.Callback):
        """Records each batch's learning rate; runs ``actions[steps done]`` at the end of that batch."""

        def __init__(self, actions: Dict[int, Callable[[Any], None]]) -> None:
            self.actions = actions
            self.lrs: Dict[int, float] = {}  # batch index (optimizer steps before it) → lr it used
            self.momenta: Dict[int, float] = {}
            self.last_step = 0

        def on_train_batch_start(self, trainer: Any, pl_module: Any, batch: Any, batch_idx: int) -> None:
            group = trainer.optimizers[0].param_groups[0]
            self.lrs[trainer.global_step] = group["lr"]
            self.momenta[trainer.global_step] = group["momentum"]

        def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
            self.last_step = trainer.global_step
            action = self.actions.get(trainer.global_step)
            if action is not None:
                action(trainer)


def data(n: int, seed: int) -> "DataLoader[Any]":
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=generator)
    return DataLoader(TensorDataset(x, (x[:, 0] * x[:, 1] > 0).long()), batch_size=8)


@unittest.skipUnless(HAVE_LIGHTNING, "needs lightning (or pytorch_lightning) and torch")
class LightningTests(IntegrationTestCase):
    def setUp(self) -> None:
        super().setUp()
        for name in ("lightning.pytorch", "lightning.fabric", "pytorch_lightning"):
            logging.getLogger(name).setLevel(logging.ERROR)
        catcher = warnings.catch_warnings()
        catcher.__enter__()
        self.addCleanup(catcher.__exit__, None, None, None)
        warnings.simplefilter("ignore")

    def fit(self, callbacks: List[Any], module: Optional[Any] = None, **overrides: Any) -> Any:
        torch.manual_seed(0)
        settings: Dict[str, Any] = dict(max_epochs=2, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                                        enable_model_summary=False, accelerator="cpu", devices=1, num_sanity_val_steps=1,
                                        default_root_dir=self.dir, callbacks=callbacks)
        settings.update(overrides)
        trainer = pl.Trainer(**settings)
        trainer.fit(module or Classifier(), data(64, 1), data(32, 2))
        return trainer

    def send_and_wait(self, dashboard: Any, callback: Any, *messages: Dict[str, Any]) -> None:
        """Sends control lines, then a refused one; once the client counted the refusal it holds the others."""
        client = callback.client
        refused = client.refused_controls
        for message in messages:
            dashboard.send(message)
        dashboard.send({"v": 1, "type": "set", "knob": "lr", "value": 1.0, "token": "wrong"})
        self.assertEventually(lambda: client.refused_controls > refused, "the client read the control lines")

    def test_metric_names(self) -> None:
        self.assertEqual([metric_name(k) for k in ("train_loss_step", "train_loss_epoch", "val_acc", "validation_f1", "test_acc",
                                                   "loss", "train/loss", "step", "val_")],
                         ["train/loss", "train/loss_epoch", "val/acc", "validation/f1", "test/acc", "loss", "train/loss", "step", "val_"])

    def test_metrics_config_knobs_and_a_change_at_the_next_batch(self) -> None:
        dashboard = self.dashboard()
        callback = TrainscopeCallback(url=self.url, token=TOKEN, knobs=("lr", "weight_decay", "momentum"), config={"note": "x"})
        probe = Probe({3: lambda trainer: self.send_and_wait(
            dashboard, callback, control("set", knob="lr", value=0.05), control("set", knob="momentum", value=0.5))})
        trainer = self.fit([probe, callback])
        self.assertEqual(probe.lrs, {k: 0.1 if k < 3 else 0.05 for k in range(16)})
        self.assertEqual(probe.momenta[2], 0.9)
        self.assertEqual(probe.momenta[3], 0.5)
        self.assertEqual(trainer.global_step, 16)

        run = dashboard.events("run")[0]
        self.assertEqual((run["run"], run["model"]), ("Classifier", "Classifier"))
        self.assertEqual(run["config"]["lr"], 0.1)
        self.assertEqual(run["config"]["width"], 16)
        self.assertEqual(run["config"]["note"], "x")
        self.assertEqual(run["config"]["trainer"]["max_epochs"], 2)
        self.assertEqual({k["name"]: k["value"] for k in run["knobs"]}, {"lr": 0.1, "weight_decay": 1e-3, "momentum": 0.9})
        self.assertEqual([(e["step"], e["name"], e["new"]) for e in dashboard.events("knob")], [(3, "lr", 0.05), (3, "momentum", 0.5)])

        values = dashboard.values()
        self.assertEqual(sorted(values["train/loss"]), list(range(16)))
        self.assertEqual(sorted(values["train/acc"]), list(range(16)))
        self.assertEqual(values["lr"][2], 0.1)
        self.assertEqual(values["lr"][3], 0.05)
        self.assertEqual(sorted(values["val/acc"]), [7, 15])  # after each epoch's last batch, not the sanity check
        self.assertEqual(sorted(values["val/loss"]), [7, 15])
        self.assertEqual(sorted(values["train/loss_epoch"]), [7, 15])  # at the epoch's last step, as Lightning logs it
        # Each value once: no step carries a metric twice.
        for event in dashboard.events("scalars"):
            others = [e for e in dashboard.events("scalars") if e is not event and e["step"] == event["step"]]
            for other in others:
                self.assertFalse(set(event["values"]) & set(other["values"]) - {"lr"}, (event, other))
        self.assertIsNone(callback.client)

    def test_a_change_rescales_the_schedule(self) -> None:
        dashboard = self.dashboard()
        callback = TrainscopeCallback(url=self.url, token=TOKEN)
        probe = Probe({3: lambda trainer: self.send_and_wait(dashboard, callback, control("set", knob="lr", value=0.4))})
        self.fit([probe, callback], module=Classifier(step_lr=True), max_epochs=1)
        for index, lr in probe.lrs.items():
            base = 0.1 if index < 3 else 0.4
            self.assertAlmostEqual(lr, base * 0.5 ** (index // 2), delta=1e-12, msg=f"batch {index}")
        self.assertEqual([k["value"] for k in dashboard.events("run")[0]["knobs"] if k["name"] == "lr"], [0.1])

    def test_pause_blocks_until_resume_and_stop_ends_training(self) -> None:
        dashboard = self.dashboard()
        callback = TrainscopeCallback(url=self.url, token=TOKEN)
        training = threading.current_thread()
        seen: Dict[str, Any] = {}

        def resume_when_blocked() -> None:
            seen["blocked"] = wait_until(lambda: blocked_in(training, "wait_while_paused"), 30)
            seen["step_while_paused"] = probe.last_step
            dashboard.send(control("resume"))

        def pause(trainer: Any) -> None:
            dashboard.send(control("pause"))
            self.assertEventually(lambda: callback.client.paused, "the client is paused")
            threading.Thread(target=resume_when_blocked, daemon=True).start()

        def stop(trainer: Any) -> None:
            dashboard.send(control("stop"))
            self.assertEventually(lambda: callback.client.stop_requested, "the client received stop")

        probe = Probe({1: pause, 3: stop})
        trainer = self.fit([probe, callback], max_epochs=100)
        self.assertEqual(seen, {"blocked": True, "step_while_paused": 1})
        self.assertEqual(trainer.global_step, 3)
        self.assertEqual(sorted(dashboard.values()["train/loss"]), [0, 1, 2])

    @unittest.skipUnless(TRAINSCOPE_BIN.is_file(), f"no trainscope binary at {TRAINSCOPE_BIN}")
    def test_live_run_looks_like_its_csv_log(self) -> None:
        """Run id, steps and values agree with what trainscope reads from the CSVLogger's metrics.csv."""
        dashboard = self.dashboard()
        logger = pl.loggers.CSVLogger(self.dir, name="logs")
        self.fit([TrainscopeCallback(url=self.url, token=TOKEN)], logger=logger, log_every_n_steps=1)
        out = os.path.join(self.dir, "csv.json")
        reader = Trainscope(["snapshot", os.path.join(self.dir, "logs"), "--format", "json", "-o", out, "--quiet"], self.dir)
        self.assertEqual(reader.wait(60), 0, reader.stderr())
        (run_id,) = snapshot_runs(out)
        self.assertEqual(run_id, "version_0")
        self.assertEqual(dashboard.events("run")[0]["run"], "version_0")
        live = dashboard.values()
        with open(os.path.join(self.dir, "logs", "version_0", "metrics.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        columns = [c for c in rows[0] if c not in ("step", "epoch")]
        self.assertEqual(sorted(metric_name(c) for c in columns), sorted(set(live) - {"lr"}))
        for column in columns:
            logged = {int(row["step"]): float(row[column]) for row in rows if row[column] != ""}
            self.assertEqual(live[metric_name(column)], logged, column)


if __name__ == "__main__":
    unittest.main()
