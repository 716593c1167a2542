"""Tests of trainscope.torch's curvature: the functions against torch.autograd.functional.hessian,
every Hessian-vector product (torch.func, forward-over-reverse, double backward and the fallback),
and HessianTracker: its events, its warm start, and a model left exactly as it was.

    python3 -m unittest discover -s Tests/python_torch -p 'test_torch_curvature.py' -v   # from the repository root

Skipped where torch is not importable. Deterministic (fixed seeds), each test well under a second.
"""

from __future__ import annotations

import json
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "python" / "src"))

from trainscope import Client  # noqa: E402

try:
    import torch
    from torch import nn
    from torch.nn import functional as F

    from trainscope.torch import HessianTracker, hessian_density, hessian_top_k, hessian_trace, hessian_trace_by_group
    from trainscope.torch._curvature import HessianOperator
except ImportError:  # torch missing: every test here skips
    torch = None  # type: ignore[assignment]


def small_problem(dtype: Any = None, dropout: float = 0.0, batch_norm: bool = False) -> Tuple[Any, Any]:
    """An MLP 5→8→3 (tanh; optional dropout and batch norm) and a batch of 64 examples."""
    torch.manual_seed(0)
    layers: List[Any] = [nn.Linear(5, 8)]
    if batch_norm:
        layers.append(nn.BatchNorm1d(8))
    layers += [nn.Tanh(), nn.Dropout(dropout), nn.Linear(8, 3)]
    model = nn.Sequential(*layers).to(dtype or torch.float64)
    x = torch.randn(64, 5, dtype=dtype or torch.float64)
    y = torch.arange(64) % 3
    return model, (x, y)


def loss_of(model: Any, batch: Any) -> Any:
    return F.cross_entropy(model(batch[0]), batch[1])


def dense_hessian(model: Any, batch: Any) -> Any:
    """The exact Hessian [n, n] of loss_of over the model's parameters, flattened in parameters() order."""
    names = [name for name, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]
    sizes = [p.numel() for p in model.parameters()]
    flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()])

    def f(vector: Any) -> Any:
        tensors = {n: t.view(s) for n, t, s in zip(names, torch.split(vector, sizes), shapes)}
        return F.cross_entropy(torch.func.functional_call(model, tensors, (batch[0],)), batch[1])

    return torch.autograd.functional.hessian(f, flat)


def read_events(path: Path) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@unittest.skipIf(torch is None, "torch is not importable")
class FunctionTests(unittest.TestCase):
    def setUp(self) -> None:
        self.model, self.batch = small_problem()
        self.params = list(self.model.parameters())
        self.loss: Callable[[], Any] = lambda: loss_of(self.model, self.batch)
        self.hessian = dense_hessian(self.model, self.batch)
        self.exact = torch.linalg.eigvalsh(self.hessian).flip(0).tolist()

    def test_top_k_matches_the_dense_hessian_with_every_product(self) -> None:
        for hvp in ("auto", "torch.func", "torch.func-jvp", "double-backward"):
            values, vectors = hessian_top_k(self.loss, self.params, k=4, tol=1e-9, hvp=hvp)
            for value, expected in zip(values, self.exact[:4]):
                self.assertAlmostEqual(value, expected, delta=1e-9 * abs(self.exact[0]), msg=hvp)
            self.assertEqual(len(vectors), 4)
            for value, v in zip(values, vectors):
                self.assertEqual(tuple(v.shape), (self.hessian.shape[0],))
                self.assertLess(float((self.hessian @ v - value * v).norm()), 1e-7 * abs(value))

    def test_float32_agrees_to_1e4(self) -> None:
        model, batch = small_problem(torch.float32)
        values, vectors = hessian_top_k(lambda: loss_of(model, batch), list(model.parameters()), k=3, tol=1e-4)
        self.assertEqual(vectors[0].dtype, torch.float32)
        exact = torch.linalg.eigvalsh(dense_hessian(model.double(), (batch[0].double(), batch[1]))).flip(0).tolist()
        for value, expected in zip(values, exact):
            self.assertLess(abs(value - expected), 1e-4 * abs(expected))

    def test_warm_start_from_shaped_or_flat_vectors(self) -> None:
        _, vectors = hessian_top_k(self.loss, self.params, k=2, tol=1e-8)
        shaped = [[t.view(p.shape) for t, p in zip(torch.split(v, [p.numel() for p in self.params]), self.params)]
                  for v in vectors]
        for init in (vectors, shaped):
            values, _ = hessian_top_k(self.loss, self.params, k=2, tol=1e-8, init=init)
            self.assertAlmostEqual(values[0], self.exact[0], places=9)

    def test_traces_are_within_a_few_standard_errors(self) -> None:
        exact = float(self.hessian.trace())
        for method in ("hutch++", "hutchinson"):
            estimate, stderr = hessian_trace(self.loss, self.params, probes=60, method=method)
            self.assertGreater(stderr, 0.0)
            self.assertLess(abs(estimate - exact), 4 * stderr, method)
        with self.assertRaises(ValueError):
            hessian_trace(self.loss, self.params, method="exact")

    def test_group_traces_are_the_diagonal_blocks(self) -> None:
        first = sum(p.numel() for p in self.model[0].parameters())
        exact = {"0": float(self.hessian[:first, :first].trace()), "3": float(self.hessian[first:, first:].trace())}
        shared = hessian_trace_by_group(self.loss, self.model, probes=200)
        self.assertEqual(sorted(shared), ["0", "3"])  # layers by name: Linear 0 and Linear 3
        for name, (estimate, stderr) in shared.items():
            self.assertLess(abs(estimate - exact[name]), 4 * stderr, name)
        whole, _ = hessian_trace(self.loss, self.params, probes=200, method="hutchinson")
        self.assertAlmostEqual(sum(e for e, _ in shared.values()), whole, places=8)
        groups = {"hidden": list(self.model[0].parameters()), "readout": list(self.model[3].parameters())}
        separate = hessian_trace_by_group(self.loss, groups, probes=60, method="hutch++")
        self.assertLess(abs(separate["hidden"][0] - exact["0"]), 4 * separate["hidden"][1] + 1e-9)
        self.assertLess(abs(separate["readout"][0] - exact["3"]), 4 * separate["readout"][1] + 1e-9)
        with self.assertRaises(ValueError):
            hessian_trace_by_group(self.loss, {"a": self.params, "b": self.params[:1]})

    def test_density_integrates_to_one_over_the_spectrum(self) -> None:
        grid, values = hessian_density(self.loss, self.params, probes=4, steps=30, grid=300)
        self.assertEqual(len(grid), 300)
        step = grid[1] - grid[0]
        self.assertAlmostEqual(sum(values) * step, 1.0, delta=0.01)
        self.assertLessEqual(grid[0], self.exact[-1])
        self.assertGreaterEqual(grid[-1], self.exact[0])

    def test_arguments_are_checked(self) -> None:
        with self.assertRaises(ValueError):
            hessian_top_k(self.loss, self.params, hvp="finite-differences")
        frozen = torch.zeros(3)
        with self.assertRaises(ValueError):
            hessian_top_k(self.loss, [frozen])
        with self.assertRaises(ValueError):
            hessian_top_k(self.loss, self.params, init=[torch.zeros(5)])


class Square(torch.autograd.Function if torch is not None else object):  # type: ignore[misc]
    """x², written the old way (no setup_context): torch.func cannot run it, double backward can."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        return 2 * x * grad


@unittest.skipIf(torch is None, "torch is not importable")
class FallbackTests(unittest.TestCase):
    def test_a_loss_torch_func_cannot_run_falls_back_to_double_backward(self) -> None:
        torch.manual_seed(1)
        layer = nn.Linear(4, 3).double()
        x = torch.randn(16, 4, dtype=torch.float64)
        loss = lambda: Square.apply(torch.tanh(layer(x))).sum(1).mean()
        with self.assertRaises(RuntimeError):  # asked for torch.func only
            hessian_top_k(loss, list(layer.parameters()), hvp="torch.func")
        operator = HessianOperator(loss, list(layer.parameters()))
        v = torch.ones(operator.dimension, dtype=torch.float64)
        product = operator(v)
        self.assertEqual(operator.mode, "double-backward")
        reference = HessianOperator(lambda: (torch.tanh(layer(x)) ** 2).sum(1).mean(), list(layer.parameters()),
                                    hvp="torch.func")
        self.assertTrue(torch.allclose(product, reference(v), rtol=1e-10, atol=1e-12))
        self.assertEqual(reference.mode, "torch.func")

    def test_the_tracker_records_the_product_it_used(self) -> None:
        model, batch = small_problem(batch_norm=True)  # BatchNorm in train mode updates buffers: not for torch.func
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "run.jsonl"
            client = Client(url=str(path), run="fallback")
            tracker = HessianTracker(model, loss_of, batch, every=1, k=2, client=client)
            tracker(0)
            plain, plain_batch = small_problem()
            HessianTracker(plain, loss_of, plain_batch, every=1, k=2, client=client, hvp="torch.func-jvp")(1)
            HessianTracker(plain, loss_of, plain_batch, every=1, k=2, client=client, hvp="double-backward")(2)
            client.close()
            spectra = [e for e in read_events(path) if e["type"] == "spectrum"]
        self.assertEqual([s["estimator"]["hvp"] for s in spectra], ["double-backward", "torch.func-jvp", "double-backward"])
        self.assertEqual(tracker.hvp, "double-backward")
        self.assertAlmostEqual(spectra[1]["top"][0], spectra[2]["top"][0], places=6)


@unittest.skipIf(torch is None, "torch is not importable")
class TrackerTests(unittest.TestCase):
    def test_events_sent_every_n_steps(self) -> None:
        model, batch = small_problem()
        hessian = dense_hessian(model, batch)
        exact = torch.linalg.eigvalsh(hessian).flip(0).tolist()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "run.jsonl"
            client = Client(url=str(path), run="track")
            tracker = HessianTracker(model, loss_of, batch, every=2, k=3, client=client, tol=1e-6, trace_probes=40,
                                     trace_method="hutchinson", density_probes=2, density_steps=20, by_group=True)
            reports = [tracker(step) for step in range(5)]
            client.close()
            events = read_events(path)
        self.assertEqual([r is not None for r in reports], [True, False, True, False, True])
        spectra = [e for e in events if e["type"] == "spectrum"]
        scalars = [e for e in events if e["type"] == "scalars"]
        self.assertEqual([e["step"] for e in spectra], [0, 2, 4])
        self.assertEqual([e["step"] for e in scalars], [0, 2, 4])
        first = spectra[0]
        for value, expected in zip(first["top"], exact):
            self.assertAlmostEqual(value, expected, delta=1e-5 * abs(exact[0]))
        estimator = first["estimator"]
        self.assertEqual(estimator["method"], "lanczos")
        self.assertEqual((estimator["top_k"], estimator["tolerance"], estimator["warm_start"]), (3, 1e-6, False))
        self.assertEqual(estimator["hvp"], "torch.func")
        self.assertEqual((estimator["trace_method"], estimator["trace_probes"]), ("hutchinson", 40))
        self.assertEqual((estimator["density_method"], estimator["density_probes"], estimator["batch"]), ("slq", 2, 64))
        self.assertEqual(estimator["parameters"], hessian.shape[0])
        self.assertTrue(spectra[1]["estimator"]["warm_start"])
        self.assertEqual(first["cost"]["hvps"], estimator["top_hvps"] + 40 + 2 * 20)
        self.assertGreater(first["cost"]["seconds"], 0)
        self.assertLess(abs(first["trace"] - float(hessian.trace())), 4 * first["trace_stderr"])
        self.assertEqual(len(first["density"]["grid"]), 200)
        self.assertEqual(len(first["ritz"]["nodes"]), 40)
        values = scalars[0]["values"]
        self.assertEqual(sorted(values), ["hessian/sharpness", "hessian/trace", "hessian/trace/0", "hessian/trace/3"])
        self.assertEqual(values["hessian/sharpness"], first["top"][0])
        self.assertAlmostEqual(values["hessian/trace/0"] + values["hessian/trace/3"], values["hessian/trace"], places=6)
        self.assertEqual(tracker.eigenvalues, reports[4].eigenvalues)
        self.assertEqual(tracker.trace, reports[4].trace)
        # Same weights again: the warm start needs fewer products than the cold first estimate.
        self.assertLess(reports[2].top_hvps, reports[0].top_hvps)

    def test_the_model_is_left_as_it_was(self) -> None:
        model, batch = small_problem(dropout=0.3, batch_norm=True)
        for training in (True, False):
            model.train(training)
            for p in model.parameters():
                p.grad = None
            model[0].weight.grad = torch.full_like(model[0].weight, 0.5)  # a gradient the user accumulated
            weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
            rng = torch.get_rng_state()
            tracker = HessianTracker(model, loss_of, batch, every=1, k=2, trace_probes=8)
            report = tracker(0)
            self.assertIsNotNone(report)
            self.assertEqual(model.training, training)
            self.assertTrue(torch.equal(rng, torch.get_rng_state()), "the global generator advanced")
            for key, value in model.state_dict().items():
                self.assertTrue(torch.equal(value, weights[key]), key)  # weights and BatchNorm statistics
            self.assertTrue(torch.equal(model[0].weight.grad, torch.full_like(model[0].weight, 0.5)))
            self.assertTrue(all(p.grad is None for p in list(model.parameters())[1:]))
            # Deterministic: dropout sees the same masks in every product and on every rerun.
            again = HessianTracker(model, loss_of, batch, every=1, k=2, trace_probes=8)(0)
            assert report is not None and again is not None
            self.assertEqual(report.eigenvalues, again.eigenvalues)
            self.assertEqual(report.trace, again.trace)

    def test_settings_are_checked(self) -> None:
        model, batch = small_problem()
        with self.assertRaises(ValueError):
            HessianTracker(model, loss_of, batch, by_group=True)  # group traces need trace probes
        with self.assertRaises(ValueError):
            HessianTracker(model, loss_of, batch, every=0)
        with self.assertRaises(ValueError):
            HessianTracker(model, loss_of, batch, trace_probes=3)  # Hutch++ needs 4
        with self.assertRaises(ValueError):
            HessianTracker(model, loss_of, batch, hvp="fd")


if __name__ == "__main__":
    unittest.main()
