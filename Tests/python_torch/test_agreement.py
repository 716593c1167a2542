"""The PyTorch and JAX curvature agree with `trainscope hessian` on the grokking MLP with identical weights.

    python3 -m unittest discover -s Tests/python_torch -p test_agreement.py -v     # from the repository root

The binary (env TRAINSCOPE_BIN, else .build/release/trainscope, else .build/debug/trainscope)
trains the grokking preset for 20 steps and writes a checkpoint; grokking_checkpoint.py loads its
weights and training split into a PyTorch module and a JAX pytree. The engine's answer
(`trainscope hessian CKPT --top-k 5 --trace --json`: Float64, exact products, Lanczos to 1e-8,
Hutch++ with 60 products) is then compared with ours in float32: the top-5 eigenvalues to 1e-4
relative, and the Hutch++ traces within three standard errors of their difference
(√(se₁² + se₂²): both are estimates). Skipped, with the reason, without the binary, torch or jax.
"""

from __future__ import annotations

import math
import shutil
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "python" / "src"))
sys.path.insert(0, str(HERE))

from grokking_checkpoint import CLIHessian, find_binary, jax_model, load_problem, make_checkpoint, torch_model  # noqa: E402

try:
    import torch
except ImportError:
    torch = None  # type: ignore[assignment]
try:
    import jax
except ImportError:
    jax = None  # type: ignore[assignment]

STEPS = 20
TOP = 5
TOLERANCE = 1e-4  # our Lanczos residual, relative: eigenvalue errors are about its square


class AgreementTests(unittest.TestCase):
    engine: CLIHessian
    folder: str

    @classmethod
    def setUpClass(cls) -> None:
        binary = find_binary()
        if binary is None:
            raise unittest.SkipTest("no trainscope binary: set TRAINSCOPE_BIN or run `swift build -c release`")
        cls.folder = tempfile.mkdtemp(prefix="trainscope-agreement-")
        cls.checkpoint = make_checkpoint(binary, Path(cls.folder), STEPS)
        cls.problem = load_problem(cls.checkpoint)
        # About 20 s of Float64 products: it runs while the tests compute their own estimates.
        cls.engine = CLIHessian(binary, cls.checkpoint, "--top-k", str(TOP), "--trace")

    @classmethod
    def tearDownClass(cls) -> None:
        cls.engine.close()
        shutil.rmtree(cls.folder, ignore_errors=True)

    @property
    def cli(self) -> Dict[str, Any]:
        return self.engine.result()

    def assert_top_agrees(self, values: List[float], what: str) -> None:
        self.assertEqual(len(values), TOP, what)
        for ours, engine in zip(values, self.cli["top"]):
            self.assertLess(abs(ours - engine), 1e-4 * abs(engine), f"{what}: {values} vs {self.cli['top']}")

    def assert_trace_agrees(self, value: float, stderr: float, what: str) -> None:
        engine = self.cli["trace"]
        combined = math.hypot(stderr, engine["stderr"])
        self.assertGreater(stderr, 0.0)
        self.assertLess(abs(value - engine["value"]), 3 * combined,
                        f"{what}: {value} ± {stderr} vs {engine['value']} ± {engine['stderr']}")

    def test_the_checkpoint_is_the_engine_problem(self) -> None:
        self.assertEqual(self.cli["examples"], len(self.problem.y))
        self.assertEqual(self.cli["parameters"], sum(w.size for w in self.problem.weights.values()))

    @unittest.skipIf(torch is None, "torch is not importable")
    def test_torch_tracker_and_functions(self) -> None:
        from trainscope.torch import HessianTracker, hessian_top_k

        model, loss_fn, batch = torch_model(self.problem)
        tracker = HessianTracker(model, loss_fn, batch, every=1, k=TOP, tol=TOLERANCE, max_iterations=300, trace_probes=60)
        report = tracker(0)
        assert report is not None and report.trace is not None and report.trace_stderr is not None
        self.assertTrue(report.converged)
        self.assert_top_agrees(report.eigenvalues, "torch tracker")
        self.assert_trace_agrees(report.trace, report.trace_stderr, "torch tracker")
        values, _ = hessian_top_k(lambda: loss_fn(model, batch), list(model.parameters()), k=TOP, tol=TOLERANCE,
                                  max_iterations=300, seed=1)
        self.assert_top_agrees(values, "torch hessian_top_k")

    @unittest.skipIf(jax is None, "jax is not importable")
    def test_jax_tracker_and_functions(self) -> None:
        from trainscope.jax import HessianTracker, hessian_top_k, hessian_trace

        params, loss_fn, batch = jax_model(self.problem)
        tracker = HessianTracker(params, loss_fn, batch, every=1, k=TOP, tol=TOLERANCE, max_iterations=300, trace_probes=60)
        report = tracker(0, params)
        assert report is not None and report.trace is not None and report.trace_stderr is not None
        self.assertTrue(report.converged)
        self.assert_top_agrees(report.eigenvalues, "jax tracker")
        self.assert_trace_agrees(report.trace, report.trace_stderr, "jax tracker")
        values, _ = hessian_top_k(loss_fn, params, k=TOP, tol=TOLERANCE, max_iterations=300, seed=1, args=(batch,))
        self.assert_top_agrees(values, "jax hessian_top_k")
        trace, stderr = hessian_trace(loss_fn, params, probes=60, seed=1, args=(batch,))
        self.assert_trace_agrees(trace, stderr, "jax hessian_trace")


if __name__ == "__main__":
    unittest.main()
