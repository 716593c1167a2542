"""Tests of trainscope.torch.compression_front: pruning, quantization, the event, and the model left as it was.

    python3 -m unittest discover -s Tests/python_torch -p 'test_torch_compression*.py' -v   # from the repository root

Skipped where torch is not importable. Deterministic (fixed seeds) and fast.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Any, Dict, List
from unittest import mock

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "python" / "src"))

from trainscope import Client  # noqa: E402
from trainscope.compression import prune_count  # noqa: E402

try:
    import torch
    from torch import nn

    from trainscope.torch import compression_front
    from trainscope.torch._compression import pruned, quantized
except ImportError:  # torch missing: every test here skips
    torch = None  # type: ignore[assignment]


def small_model() -> "nn.Module":
    """Linear 6→12, batch norm, ReLU, Linear 12→3: two weight matrices, three 1-D tensors, running stats."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 12), nn.BatchNorm1d(12), nn.ReLU(), nn.Linear(12, 3))


@unittest.skipIf(torch is None, "torch is not importable")
class TorchCompressionTests(unittest.TestCase):
    def setUp(self) -> None:
        self.model = small_model()
        generator = torch.Generator().manual_seed(1)
        self.x = torch.randn(48, 6, generator=generator)
        self.y = torch.randint(0, 3, (48,), generator=generator)
        self.weights = [self.model[0].weight, self.model[3].weight]

    def accuracy(self, model: "nn.Module") -> "torch.Tensor":
        return (model(self.x).argmax(dim=1) == self.y).float().mean()

    def test_pruning_zeroes_exactly_the_smallest(self) -> None:
        total = sum(w.numel() for w in self.weights)
        for sparsity in (0.5, 0.8, 0.95):
            out = pruned(self.weights, sparsity, "global")
            self.assertEqual(sum(int((o == 0).sum()) for o in out), prune_count(sparsity, total))
            dropped = torch.cat([w.detach().abs()[o == 0] for w, o in zip(self.weights, out)])
            kept = torch.cat([w.detach().abs()[o != 0] for w, o in zip(self.weights, out)])
            self.assertLessEqual(dropped.max().item(), kept.min().item())
            for w, o in zip(self.weights, out):
                self.assertTrue(torch.equal(o[o != 0], w.detach()[o != 0]))
                self.assertFalse(o.requires_grad)
            for w, o in zip(self.weights, pruned(self.weights, sparsity, "layer")):
                self.assertEqual(int((o == 0).sum()), prune_count(sparsity, w.numel()))
        (tied,) = pruned([torch.tensor([[1.0, -1.0], [1.0, 0.5]])], 0.5, "layer")  # ties by position
        self.assertEqual(tied.tolist(), [[0.0, -1.0], [1.0, 0.0]])

    def test_quantization_levels(self) -> None:
        for bits in (2, 3, 4, 8):
            for w in self.weights:
                affine = quantized(w, bits)
                self.assertLessEqual(affine.unique().numel(), 2 ** bits)
                step = (w.max() - w.min()).item() / (2 ** bits - 1)
                self.assertLessEqual((affine - w).abs().max().item(), step / 2 * 1.001)
                symmetric = quantized(w, bits, "symmetric")
                self.assertLessEqual(symmetric.unique().numel(), 2 ** bits - 1)
                self.assertEqual(affine.dtype, w.dtype)
        half = quantized(self.weights[0].detach().half(), 4)
        self.assertEqual(half.dtype, torch.float16)
        self.assertLessEqual(half.unique().numel(), 16)
        self.assertTrue(torch.equal(quantized(torch.full((2, 2), 3.0), 2), torch.full((2, 2), 3.0)))

    def test_model_is_untouched(self) -> None:
        self.model.train()
        self.model[1].eval()  # a mixed state, restored flag by flag
        loss = nn.functional.cross_entropy(self.model(self.x), self.y)
        loss.backward()
        self.model[1].eval()
        params = {name: p.detach().clone() for name, p in self.model.named_parameters()}
        grads = {name: p.grad.clone() for name, p in self.model.named_parameters() if p.grad is not None}
        buffers = {name: b.clone() for name, b in self.model.named_buffers()}
        modes = [m.training for m in self.model.modules()]
        identities = [id(p) for p in self.model.parameters()]
        seen: List[Dict[str, Any]] = []

        def eval_fn(model: "nn.Module") -> "torch.Tensor":
            seen.append({"training": model.training, "grad_enabled": torch.is_grad_enabled(),
                         "zeros": int((model[0].weight == 0).sum()), "levels": model[3].weight.unique().numel()})
            model.train()  # an eval_fn that changes modes: put back afterwards
            return self.accuracy(model)

        front = compression_front(self.model, eval_fn, [0.75], [2], scope="layer")
        self.assertEqual([p.label for p in front.points], ["dense 32-bit", "prune 75% layer-wise", "2-bit"])
        self.assertEqual([s["training"] for s in seen], [False] * 3)
        self.assertEqual([s["grad_enabled"] for s in seen], [False] * 3)
        self.assertEqual(seen[1]["zeros"], prune_count(0.75, 72))  # the substituted weights were seen
        self.assertLessEqual(seen[2]["levels"], 4)
        self.assertEqual([id(p) for p in self.model.parameters()], identities)
        for name, p in self.model.named_parameters():
            self.assertTrue(torch.equal(p, params[name]), name)
            self.assertTrue(p.requires_grad)
            self.assertTrue(torch.equal(p.grad, grads[name]), name)
        for name, b in self.model.named_buffers():
            self.assertTrue(torch.equal(b, buffers[name]), name)
        self.assertEqual([m.training for m in self.model.modules()], modes)

    def test_front_is_sent_with_the_engines_labels(self) -> None:
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        path = os.path.join(directory.name, "run.jsonl")
        with mock.patch.dict(os.environ, {"RANK": "0"}):
            client = Client(url=path, run="torch-probe")

        def eval_fn(model: "nn.Module") -> Dict[str, Any]:
            logits = model(self.x)
            return {"test/acc": self.accuracy(model), "test/loss": nn.functional.cross_entropy(logits, self.y)}

        front = compression_front(self.model, eval_fn, [0.5, 0.9], [8, 4], step=120, client=client)
        client.close()
        with open(path, encoding="utf-8") as handle:
            events = [json.loads(line) for line in handle]
        (pareto,) = [e for e in events if e["type"] == "pareto"]
        self.assertEqual(pareto["step"], 120)
        self.assertEqual([p["label"] for p in pareto["points"]], [
            "dense 32-bit", "prune 50% global", "prune 90% global", "prune 50% layer-wise", "prune 90% layer-wise", "8-bit", "4-bit"])
        self.assertEqual(pareto["objectives"], [{"name": "model_bits", "direction": "min"}, {"name": "test/acc", "direction": "max"}])
        weights, others = 72 + 36, 12 + 12 + 12 + 3  # the two matrices; linear biases and batch-norm scale and shift
        self.assertEqual([p["values"][0] for p in pareto["points"]], [
            (weights + others) * 32,
            (weights - prune_count(0.5, weights) + others) * 32,
            (weights - prune_count(0.9, weights) + others) * 32,
            (72 - prune_count(0.5, 72) + 36 - prune_count(0.5, 36) + others) * 32,
            (72 - prune_count(0.9, 72) + 36 - prune_count(0.9, 36) + others) * 32,
            weights * 8 + others * 32,
            weights * 4 + others * 32,
        ])
        self.assertEqual(pareto["points"][0]["values"][1], float(self.accuracy(self.model.eval())))
        self.assertEqual(pareto["reference"], [(weights + others) * 32 * 1.1, 0])
        self.assertEqual(set(front.dense.metrics), {"test/acc", "test/loss"})
        (cost,) = [e for e in events if e["type"] == "scalars"]
        self.assertEqual((cost["step"], cost["values"]), (120, {"probe/seconds": front.seconds}))

    def test_tied_weights_and_include(self) -> None:
        class Tied(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.embed = nn.Embedding(5, 4)
                self.out = nn.Linear(4, 5, bias=False)
                self.out.weight = self.embed.weight  # one parameter under two names

            def forward(self, tokens: "torch.Tensor") -> "torch.Tensor":
                return self.out(self.embed(tokens))

        torch.manual_seed(0)
        model = Tied()
        tokens = torch.arange(5)
        same: List[bool] = []

        def eval_fn(m: "nn.Module") -> float:
            same.append(torch.equal(m.embed.weight, m.out.weight))
            return float((m(tokens).argmax(1) == tokens).float().mean())

        front = compression_front(model, eval_fn, [0.5], [4], scope="global")
        self.assertEqual(same, [True] * 3)  # the substitute reaches both uses
        self.assertEqual(front.dense.bits, 20 * 32)  # counted once
        self.assertEqual(front.points[1].bits, (20 - 10) * 32)
        only = compression_front(self.model, self.accuracy, [0.5], [], include=lambda name, p: name == "0.weight")
        self.assertEqual(only.points[1].bits, (72 - 36 + 36 + 39) * 32)
        with self.assertRaises(ValueError):
            compression_front(self.model, self.accuracy, include=lambda name, p: False)
        with self.assertRaises(ValueError):
            compression_front(self.model, self.accuracy, step=None, client=object())


if __name__ == "__main__":
    unittest.main()
