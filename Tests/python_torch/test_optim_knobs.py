"""Tests of the optimizer knobs shared by the integrations (trainscope._optim) on real torch optimizers and schedulers.

    /tmp/venv-cpu/bin/python -m unittest discover -s Tests/python_torch -p 'test_optim_knobs.py' -v
"""

from __future__ import annotations

import os
import unittest
from typing import Any, List

from integration_support import IntegrationTestCase, control

try:
    import torch

    from trainscope import Client
    from trainscope._steering import rank_client
    from trainscope.distributed import DistributedKnobs, apply_optimizer_knobs, optimizer_knob_specs, optimizer_knob_values
    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False

TOKEN = "0123456789abcdef0123456789abcdef"


def params(n: int = 2) -> List[Any]:
    return [torch.nn.Parameter(torch.zeros(3)) for _ in range(n)]


@unittest.skipUnless(HAVE_TORCH, "needs torch")
class OptimizerKnobTests(unittest.TestCase):
    def test_values_and_specs(self) -> None:
        a, b = params()
        adam = torch.optim.AdamW([{"params": [a], "weight_decay": 0.0}, {"params": [b]}], lr=3e-4, weight_decay=0.05, betas=(0.8, 0.99))
        self.assertEqual(optimizer_knob_values(adam), {"lr": 3e-4, "weight_decay": 0.05, "momentum": 0.8})
        specs = optimizer_knob_specs(adam, ("lr", "weight_decay", "momentum"))
        self.assertEqual(specs["lr"], {"value": 3e-4, "min": 0, "min_open": True, "max": 100, "scale": "log", "step": 2})
        self.assertEqual(specs["weight_decay"]["scale"], "log")
        self.assertEqual(specs["momentum"]["max_open"], True)
        self.assertEqual(optimizer_knob_specs(adam, {"lr": {"max": 1e-2}})["lr"]["max"], 1e-2)
        self.assertEqual(optimizer_knob_specs(torch.optim.Adagrad(params(1)), ("lr", "momentum")).keys(), {"lr"})
        with self.assertRaises(ValueError):
            optimizer_knob_specs(adam, ("beta3",))

    def test_groups_keep_their_ratios_and_exempt_groups_stay_exempt(self) -> None:
        a, b, c = params(3)
        sgd = torch.optim.SGD([{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.01, "weight_decay": 0.0},
                               {"params": [c], "lr": 0.0}], lr=0.1, weight_decay=1e-3, momentum=0.9)
        applied = apply_optimizer_knobs(sgd, {"lr": 0.2, "weight_decay": 4e-3, "momentum": 0.5, "optimizer": "adam"})
        self.assertEqual(applied, {"lr": 0.2, "weight_decay": 4e-3, "momentum": 0.5})
        self.assertEqual([g["lr"] for g in sgd.param_groups], [0.2, 0.02, 0.0])
        self.assertEqual([g["weight_decay"] for g in sgd.param_groups], [4e-3, 0.0, 4e-3])
        self.assertEqual([g["momentum"] for g in sgd.param_groups], [0.5, 0.5, 0.5])

    def test_zero_values_are_set_not_scaled(self) -> None:
        sgd = torch.optim.SGD(params(), lr=0.0, weight_decay=0.0)
        apply_optimizer_knobs(sgd, {"lr": 0.5, "weight_decay": 0.1})
        self.assertEqual([(g["lr"], g["weight_decay"]) for g in sgd.param_groups], [(0.5, 0.1)])

    def test_adam_betas_and_a_tensor_learning_rate(self) -> None:
        adam = torch.optim.Adam(params(), lr=torch.tensor(0.01), betas=(0.9, 0.999))
        apply_optimizer_knobs(adam, {"lr": 0.02, "momentum": 0.8})
        group = adam.param_groups[0]
        self.assertIsInstance(group["lr"], torch.Tensor)
        self.assertAlmostEqual(float(group["lr"]), 0.02, places=7)
        self.assertEqual(group["betas"], (0.8, 0.999))

    def test_lambda_schedule_is_rescaled_not_overwritten(self) -> None:
        sgd = torch.optim.SGD(params(), lr=1.0)
        schedule = torch.optim.lr_scheduler.LambdaLR(sgd, lambda s: 1.0 / (s + 1))
        for _ in range(3):
            sgd.step()
            schedule.step()
        self.assertEqual(optimizer_knob_values(sgd, schedule)["lr"], 1.0)  # the base rate
        apply_optimizer_knobs(sgd, {"lr": 2.0}, schedule)
        self.assertAlmostEqual(sgd.param_groups[0]["lr"], 2.0 / 4)
        self.assertAlmostEqual(schedule.get_last_lr()[0], 2.0 / 4)
        sgd.step()
        schedule.step()
        self.assertAlmostEqual(sgd.param_groups[0]["lr"], 2.0 / 5)

    def test_sequential_and_one_cycle_schedules(self) -> None:
        sgd = torch.optim.SGD(params(), lr=0.1)
        warmup = torch.optim.lr_scheduler.LinearLR(sgd, start_factor=0.5, total_iters=2)
        decay = torch.optim.lr_scheduler.ExponentialLR(sgd, gamma=0.5)
        sequence = torch.optim.lr_scheduler.SequentialLR(sgd, [warmup, decay], milestones=[2])
        reference = torch.optim.SGD(params(), lr=0.1)
        reference_sequence = torch.optim.lr_scheduler.SequentialLR(
            reference, [torch.optim.lr_scheduler.LinearLR(reference, start_factor=0.5, total_iters=2),
                        torch.optim.lr_scheduler.ExponentialLR(reference, gamma=0.5)], milestones=[2])
        apply_optimizer_knobs(sgd, {"lr": 0.3}, sequence)
        for _ in range(5):
            sgd.step()
            sequence.step()
            reference.step()
            reference_sequence.step()
            self.assertAlmostEqual(sgd.param_groups[0]["lr"], 3 * reference.param_groups[0]["lr"], places=12)

        sgd = torch.optim.SGD(params(), lr=0.1)
        cycle = torch.optim.lr_scheduler.OneCycleLR(sgd, max_lr=1.0, total_steps=10)
        before = [cycle.get_last_lr()[0]]
        apply_optimizer_knobs(sgd, {"lr": 0.5 * optimizer_knob_values(sgd, cycle)["lr"]}, cycle)
        sgd.step()
        cycle.step()
        reference = torch.optim.SGD(params(), lr=0.1)
        reference_cycle = torch.optim.lr_scheduler.OneCycleLR(reference, max_lr=1.0, total_steps=10)
        reference.step()
        reference_cycle.step()
        self.assertAlmostEqual(sgd.param_groups[0]["lr"], 0.5 * reference.param_groups[0]["lr"], places=12)
        self.assertAlmostEqual(before[0], reference_cycle.base_lrs[0], places=12)


@unittest.skipUnless(HAVE_TORCH, "needs torch")
class SteeringWithoutProcessGroupTests(IntegrationTestCase):
    def test_distributed_knobs_act_on_the_local_client(self) -> None:
        dashboard = self.dashboard()
        sgd = torch.optim.SGD(params(), lr=0.1)
        client = Client(url=self.url, run="local", knobs=optimizer_knob_specs(sgd), token=TOKEN)
        self.addCleanup(client.close)
        knobs = DistributedKnobs(client)
        self.assertEqual(knobs.sync(0), {})
        dashboard.send(control("set", knob="lr", value=0.3))
        dashboard.send(control("stop"))
        self.assertEventually(lambda: client.stop_requested, "stop arrives")
        self.assertEqual(apply_optimizer_knobs(sgd, knobs.sync(7)), {"lr": 0.3})
        self.assertTrue(knobs.stop_requested)
        self.assertEqual(sgd.param_groups[0]["lr"], 0.3)
        client.close()
        self.assertEqual([(e["step"], e["new"]) for e in dashboard.events("knob")], [(7, 0.3)])

    def test_rank_client_without_rank_in_the_environment(self) -> None:
        self.assertIsNone(rank_client(1, False, "exp", url=self.url))
        other = rank_client(1, True, "exp", url=self.url)
        assert other is not None
        self.addCleanup(other.close)
        self.assertEqual((other.run_id, other.enabled), ("exp/rank1", True))
        os.environ["RANK"] = "1"
        quiet = rank_client(1, False, "exp", url=self.url)
        assert quiet is not None
        self.assertFalse(quiet.enabled)


if __name__ == "__main__":
    unittest.main()
