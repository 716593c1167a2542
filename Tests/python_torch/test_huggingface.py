"""Tests of trainscope.huggingface.TrainscopeCallback with a real transformers Trainer and a fake dashboard.

    /tmp/venv-cpu/bin/python -m unittest discover -s Tests/python_torch -p 'test_huggingface.py' -v

A two-layer BERT with 32 hidden units, built from a config (no download), trains a few steps on
the CPU. A probe callback placed before TrainscopeCallback sends control lines through the fake
dashboard at chosen steps and waits until the client holds them, so each change lands at a known
step. Skipped without transformers and accelerate (the Trainer's requirement).
"""

from __future__ import annotations

import os
import threading
import unittest
from typing import Any, Callable, Dict, List, Optional

from integration_support import (
    TRAINSCOPE_BIN,
    IntegrationTestCase,
    Trainscope,
    blocked_in,
    control,
    snapshot_series,
    wait_until,
)

try:
    import accelerate  # noqa: F401  (the Trainer needs it)
    import torch
    from transformers import (BertConfig, BertForSequenceClassification, PrinterCallback, Trainer, TrainerCallback,
                              TrainingArguments)

    from trainscope.huggingface import TrainscopeCallback, metric_name
    HAVE_TRANSFORMERS = True
except ImportError:
    HAVE_TRANSFORMERS = False
    TrainerCallback = object  # type: ignore[misc,assignment]

TOKEN = "0123456789abcdef0123456789abcdef"


class Pairs(torch.utils.data.Dataset if HAVE_TRANSFORMERS else object):  # type: ignore[misc]
    """Synthetic sequences: the label is the parity of the second token."""

    def __init__(self, n: int, seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(4, 64, (n, 12), generator=generator)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> Dict[str, Any]:
        ids = self.ids[i]
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": int(ids[1]) % 2}


class Probe(TrainerCallback):  # type: ignore[misc,valid-type]
    """Records the learning rate of every update; runs ``actions[global_step]`` at the end of that step."""

    def __init__(self, actions: Dict[int, Callable[[Any], None]]) -> None:
        self.actions = actions
        self.lrs: Dict[int, float] = {}  # update number (1-based, as the Trainer counts) → lr it used
        self.decays: Dict[int, List[float]] = {}
        self.last_step = 0
        self.scheduler: Any = None

    def on_step_begin(self, args: Any, state: Any, control: Any, optimizer: Any = None, lr_scheduler: Any = None, **kwargs: Any) -> None:
        self.lrs[state.global_step + 1] = optimizer.param_groups[0]["lr"]
        self.decays[state.global_step + 1] = [g["weight_decay"] for g in optimizer.param_groups]
        self.scheduler = lr_scheduler

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.last_step = state.global_step
        action = self.actions.get(state.global_step)
        if action is not None:
            action(state)


@unittest.skipUnless(HAVE_TRANSFORMERS, "needs transformers, accelerate and torch")
class HuggingFaceTests(IntegrationTestCase):
    def trainer(self, callbacks: List[Any], **overrides: Any) -> "Trainer":
        torch.manual_seed(0)
        config = BertConfig(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                            intermediate_size=64, max_position_embeddings=16, num_labels=2)
        settings: Dict[str, Any] = dict(
            output_dir=os.path.join(self.dir, "bert-tiny"), max_steps=8, per_device_train_batch_size=8,
            learning_rate=1e-3, lr_scheduler_type="constant", weight_decay=0.01, logging_steps=1,
            report_to="none", use_cpu=True, save_strategy="no", disable_tqdm=True, seed=0,
        )
        settings.update(overrides)
        trainer = Trainer(model=BertForSequenceClassification(config), args=TrainingArguments(**settings),
                          train_dataset=Pairs(64, 1), eval_dataset=Pairs(16, 2), callbacks=callbacks)
        trainer.remove_callback(PrinterCallback)  # the logs as text on stdout
        return trainer

    def send_and_wait(self, dashboard: Any, callback: TrainscopeCallback, *messages: Dict[str, Any]) -> None:
        """Sends control lines, then a refused one; once the client counted the refusal it holds the others."""
        client = callback.client
        assert client is not None
        refused = client.refused_controls
        for message in messages:
            dashboard.send(message)
        dashboard.send({"v": 1, "type": "set", "knob": "lr", "value": 1.0, "token": "wrong"})
        self.assertEventually(lambda: client.refused_controls > refused, "the client read the control lines")

    def test_metric_names_follow_the_trainer_state_reader(self) -> None:
        self.assertEqual([metric_name(k) for k in ("loss", "eval_loss", "test_accuracy", "learning_rate", "epoch", "evaluation")],
                         ["train/loss", "eval/loss", "test/accuracy", "train/learning_rate", "train/epoch", "train/evaluation"])

    def test_logs_config_knobs_and_an_lr_change_at_the_next_step(self) -> None:
        dashboard = self.dashboard()
        callback = TrainscopeCallback(url=self.url, token=TOKEN)
        probe = Probe({3: lambda state: self.send_and_wait(
            dashboard, callback, control("set", knob="lr", value=0.01), control("set", knob="weight_decay", value=0.1))})
        trainer = self.trainer([probe, callback], eval_strategy="steps", eval_steps=4)
        trainer.train()
        self.assertEqual(probe.lrs, {1: 1e-3, 2: 1e-3, 3: 1e-3, 4: 0.01, 5: 0.01, 6: 0.01, 7: 0.01, 8: 0.01})
        self.assertEqual(probe.decays[3], [0.01, 0.0])
        self.assertEqual(probe.decays[4], [0.1, 0.0])  # the no-decay group (biases, norms) stays at 0

        run = dashboard.events("run")[0]
        self.assertEqual(run["run"], "bert-tiny")
        self.assertEqual(run["model"], "BertForSequenceClassification")
        self.assertEqual((run["config"]["learning_rate"], run["config"]["max_steps"]), (1e-3, 8))
        self.assertFalse([k for k in run["config"] if k.endswith("_token")])
        knobs = {k["name"]: k for k in run["knobs"]}
        self.assertEqual((knobs["lr"]["value"], knobs["lr"]["scale"], knobs["weight_decay"]["value"]), (1e-3, "log", 0.01))
        changes = [(e["step"], e["name"], e["old"], e["new"]) for e in dashboard.events("knob")]
        self.assertEqual(changes, [(4, "lr", 1e-3, 0.01), (4, "weight_decay", 0.01, 0.1)])

        values = dashboard.values()
        self.assertEqual(sorted(values["train/loss"]), list(range(1, 9)))
        self.assertEqual(values["train/learning_rate"][3], 1e-3)
        self.assertEqual(values["train/learning_rate"][4], 0.01)
        self.assertIn(4, values["eval/loss"])
        self.assertIn("train/epoch", values)
        self.assertFalse(callback.client)  # closed at the end of training

    def test_a_change_rescales_the_schedule(self) -> None:
        dashboard = self.dashboard()
        callback = TrainscopeCallback(url=self.url, token=TOKEN, knobs={"lr": {"max": 0.1}})
        probe = Probe({4: lambda state: self.send_and_wait(dashboard, callback, control("set", knob="lr", value=3e-3))})
        trainer = self.trainer([probe, callback], max_steps=10, lr_scheduler_type="linear", warmup_steps=2)
        trainer.train()
        lam = probe.scheduler.scheduler.lr_lambdas[0] if hasattr(probe.scheduler, "scheduler") else probe.scheduler.lr_lambdas[0]
        for update, lr in probe.lrs.items():
            base = 1e-3 if update <= 4 else 3e-3
            self.assertAlmostEqual(lr, base * lam(update - 1), delta=1e-12, msg=f"update {update}")
        run = dashboard.events("run")[0]
        self.assertEqual([k for k in run["knobs"] if k["name"] == "lr"][0]["max"], 0.1)
        self.assertEqual([(e["step"], e["new"]) for e in dashboard.events("knob")], [(5, 3e-3)])

    def test_pause_blocks_until_resume_and_stop_ends_training(self) -> None:
        dashboard = self.dashboard()
        callback = TrainscopeCallback(url=self.url, token=TOKEN)
        training = threading.current_thread()
        seen: Dict[str, Any] = {}

        def resume_when_blocked() -> None:
            seen["blocked"] = wait_until(lambda: blocked_in(training, "wait_while_paused"), 30)
            seen["step_while_paused"] = probe.last_step
            dashboard.send(control("resume"))

        def pause(state: Any) -> None:
            dashboard.send(control("pause"))
            client = callback.client
            assert client is not None
            self.assertEventually(lambda: client.paused, "the client is paused")
            threading.Thread(target=resume_when_blocked, daemon=True).start()

        def stop(state: Any) -> None:
            dashboard.send(control("stop"))
            client = callback.client
            assert client is not None
            self.assertEventually(lambda: client.stop_requested, "the client received stop")

        probe = Probe({1: pause, 3: stop})
        trainer = self.trainer([probe, callback], max_steps=50)
        trainer.train()
        self.assertEqual(seen, {"blocked": True, "step_while_paused": 1})
        self.assertEqual(trainer.state.global_step, 3)
        self.assertEqual(sorted(dashboard.values()["train/loss"]), [1, 2, 3])

    @unittest.skipUnless(TRAINSCOPE_BIN.is_file(), f"no trainscope binary at {TRAINSCOPE_BIN}")
    def test_live_run_looks_like_its_trainer_state(self) -> None:
        """What the callback streams and what trainscope reads from the trainer_state.json agree."""
        dashboard = self.dashboard()
        trainer = self.trainer([TrainscopeCallback(url=self.url, token=TOKEN)], eval_strategy="steps", eval_steps=4,
                               lr_scheduler_type="linear", logging_steps=2)
        trainer.train()
        trainer.save_state()
        state_path = os.path.join(self.dir, "bert-tiny", "trainer_state.json")
        out = os.path.join(self.dir, "state.json")
        reader = Trainscope(["snapshot", state_path, "--format", "json", "-o", out, "--quiet"], self.dir)
        self.assertEqual(reader.wait(60), 0, reader.stderr())
        from_file = snapshot_series(out)["bert-tiny"]
        live = dashboard.values()
        self.assertEqual(sorted(live), sorted(from_file))
        for name, points in from_file.items():
            self.assertEqual(live[name], points, name)
        self.assertIn("eval/loss", live)
        self.assertIn("train/train_runtime", live)


if __name__ == "__main__":
    unittest.main()
