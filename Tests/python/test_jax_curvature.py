"""Tests of trainscope.jax's curvature: the functions against jax.hessian, per-group traces, and
HessianTracker's events written through a Client to an NDJSON file.

    python3 -m unittest discover -s Tests/python -p 'test_*curvature*.py' -v     # from the repository root

Skipped cleanly where jax is not importable (the standard-library CI run). Deterministic (fixed
seeds and keys); the whole file runs in a few seconds, most of it compiling.
"""

from __future__ import annotations

import json
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Any, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python" / "src"))

from trainscope import Client  # noqa: E402

try:
    import jax
    import jax.numpy as jnp
    import numpy as np
    from jax.flatten_util import ravel_pytree

    from trainscope.jax import HessianTracker, hessian_density, hessian_top_k, hessian_trace, hessian_trace_by_group
    from trainscope.jax import _curvature
except ImportError:  # jax missing: every test here skips
    jax = None  # type: ignore[assignment]


def problem() -> Any:
    """A tanh MLP 5→8→3 as a dict pytree, a batch of 64, and loss_fn(params, batch)."""
    k1, k2, k3 = jax.random.split(jax.random.PRNGKey(0), 3)
    params = {"w1": 0.5 * jax.random.normal(k1, (5, 8)), "b1": jnp.zeros(8), "w2": 0.5 * jax.random.normal(k2, (8, 3))}
    batch = (jax.random.normal(k3, (64, 5)), jnp.arange(64) % 3)

    def loss_fn(p: Any, batch: Any) -> Any:
        x, y = batch
        logits = jnp.tanh(x @ p["w1"] + p["b1"]) @ p["w2"]
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))

    return params, batch, loss_fn


@unittest.skipIf(jax is None, "jax is not importable")
class JaxCurvatureTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        params, batch, loss_fn = problem()
        cls.params, cls.batch = params, batch
        # staticmethod: a function stored on the class would otherwise come back as a bound method.
        cls.loss_fn = staticmethod(loss_fn)
        cls.loss = staticmethod(lambda p: loss_fn(p, batch))
        flat, unravel = ravel_pytree(params)
        dense = jax.hessian(lambda f: loss_fn(unravel(f), batch))(flat)
        cls.hessian = np.asarray(dense, dtype=np.float64)
        cls.exact = np.linalg.eigvalsh(cls.hessian)[::-1]

    def test_top_k_matches_jax_hessian(self) -> None:
        values, vectors = hessian_top_k(self.loss, self.params, k=4, tol=1e-5)
        self.assertEqual(len(vectors), 4)
        for value, expected, v in zip(values, self.exact, vectors):
            self.assertLess(abs(value - expected), 1e-5 * abs(self.exact[0]))
            self.assertEqual(v.shape, (self.hessian.shape[0],))
            v64 = np.asarray(v, dtype=np.float64)
            self.assertLess(np.linalg.norm(self.hessian @ v64 - value * v64), 1e-4 * abs(value))

    def test_extra_arguments_and_warm_start(self) -> None:
        cold, vectors = hessian_top_k(self.loss_fn, self.params, k=3, tol=1e-5, args=(self.batch,))
        trees = [ravel_pytree(self.params)[1](v) for v in vectors]  # pytrees work as init too
        warm, _ = hessian_top_k(self.loss_fn, self.params, k=3, tol=1e-5, init=trees, args=(self.batch,))
        for a, b in zip(cold, warm):
            self.assertLess(abs(a - b), 1e-5 * abs(cold[0]))

    def test_the_product_is_compiled_once_per_loss(self) -> None:
        traced: List[int] = []

        def counted(p: Any, batch: Any) -> Any:
            traced.append(1)  # Python runs only while JAX traces
            return self.loss_fn(p, batch)

        hessian_trace(counted, self.params, probes=4, args=(self.batch,))
        compiled = _curvature._COMPILED[counted]
        shifted = (self.batch[0] + 1.0, self.batch[1])
        hessian_trace(counted, self.params, probes=4, args=(shifted,))  # new values, same shapes
        HessianTracker(self.params, counted, shifted, every=1, k=1)(0)
        self.assertIs(_curvature._COMPILED[counted], compiled)
        self.assertEqual(len(traced), 1)

    def test_traces_are_within_a_few_standard_errors(self) -> None:
        exact = float(np.trace(self.hessian))
        for method in ("hutch++", "hutchinson"):
            estimate, stderr = hessian_trace(self.loss, self.params, probes=60, method=method)
            self.assertLess(abs(estimate - exact), 4 * stderr, method)

    def test_group_traces_are_the_top_level_blocks(self) -> None:
        bounds = _curvature.group_bounds(self.params)
        exact = {name: sum(float(np.trace(self.hessian[lo:hi, lo:hi])) for lo, hi in ranges) for name, ranges in bounds.items()}
        self.assertEqual(sorted(exact), ["b1", "w1", "w2"])
        shared = hessian_trace_by_group(self.loss, self.params, probes=200)
        for name, (estimate, stderr) in shared.items():
            self.assertLess(abs(estimate - exact[name]), 4 * stderr, name)
        gathered = hessian_trace_by_group(self.loss, self.params, probes=60, method="hutch++",
                                          groups={"hidden": ["w1", "b1"], "readout": ["w2"]})
        self.assertLess(abs(gathered["hidden"][0] - exact["w1"] - exact["b1"]), 4 * gathered["hidden"][1] + 1e-6)
        self.assertLess(abs(gathered["readout"][0] - exact["w2"]), 4 * gathered["readout"][1] + 1e-6)
        with self.assertRaises(ValueError):
            hessian_trace_by_group(self.loss, self.params, groups={"x": ["missing"]})

    def test_density_integrates_to_one(self) -> None:
        grid, values = hessian_density(self.loss, self.params, probes=3, steps=25, grid=250)
        self.assertEqual(len(grid), 250)
        self.assertAlmostEqual(sum(values) * (grid[1] - grid[0]), 1.0, delta=0.01)
        self.assertGreaterEqual(grid[-1], self.exact[0])

    def test_tracker_emits_spectrum_and_scalars(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "run.jsonl"
            client = Client(url=str(path), run="jax")
            tracker = HessianTracker(self.params, self.loss_fn, self.batch, every=3, k=2, client=client, tol=1e-5,
                                     trace_probes=30, trace_method="hutchinson", by_group=True,
                                     density_probes=2, density_steps=15)
            reports = [tracker(step, self.params) for step in range(7)]
            client.close()
            events: List[Dict[str, Any]] = [json.loads(line) for line in path.read_text().splitlines()]
        self.assertEqual([step for step, r in enumerate(reports) if r is not None], [0, 3, 6])
        spectra = [e for e in events if e["type"] == "spectrum"]
        scalars = [e for e in events if e["type"] == "scalars"]
        self.assertEqual([e["step"] for e in spectra], [0, 3, 6])
        first = spectra[0]
        for value, expected in zip(first["top"], self.exact):
            self.assertLess(abs(value - expected), 1e-5 * abs(self.exact[0]))
        estimator = first["estimator"]
        self.assertEqual((estimator["method"], estimator["top_k"], estimator["hvp"]), ("lanczos", 2, "jax.jvp(grad)"))
        self.assertEqual((estimator["warm_start"], spectra[1]["estimator"]["warm_start"]), (False, True))
        self.assertEqual((estimator["batch"], estimator["parameters"]), (64, self.hessian.shape[0]))
        self.assertEqual(first["cost"]["hvps"], estimator["top_hvps"] + 30 + 2 * 15)
        self.assertLess(abs(first["trace"] - float(np.trace(self.hessian))), 4 * first["trace_stderr"])
        self.assertEqual(len(first["density"]["values"]), 200)
        self.assertEqual(sorted(scalars[0]["values"]),
                         ["hessian/sharpness", "hessian/trace", "hessian/trace/b1", "hessian/trace/w1", "hessian/trace/w2"])
        self.assertEqual(scalars[0]["values"]["hessian/sharpness"], first["top"][0])
        assert reports[0] is not None and reports[3] is not None
        self.assertLess(reports[3].top_hvps, reports[0].top_hvps)  # same weights: the warm start is nearly free
        self.assertEqual(tracker.eigenvalues, reports[6].eigenvalues if reports[6] else [])
        # Without params the last ones given are used; a new tracker with the same seed repeats the numbers.
        again = HessianTracker(self.params, self.loss_fn, self.batch, every=3, k=2, tol=1e-5, trace_probes=30,
                               trace_method="hutchinson", by_group=True, density_probes=2, density_steps=15)
        repeat = again(0)
        assert repeat is not None
        self.assertEqual(repeat.eigenvalues, reports[0].eigenvalues)
        self.assertEqual(repeat.trace, reports[0].trace)


if __name__ == "__main__":
    unittest.main()
