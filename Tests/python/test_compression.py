"""Tests of the compression fronts: trainscope.compression (standard library) and trainscope.jax's.

    python3 -m unittest discover -s Tests/python -p 'test_compression*.py' -v    # from the repository root

The JAX tests are skipped where jax is not importable. The PyTorch ones are in
Tests/python_torch/test_torch_compression.py. Everything is deterministic (fixed keys) and fast.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple
from unittest import mock

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "python" / "src"))

from trainscope import Client  # noqa: E402
from trainscope.compression import (  # noqa: E402
    ENGINE_BIT_WIDTHS,
    ENGINE_SPARSITIES,
    Probe,
    TensorCount,
    metric_direction,
    model_bits,
    probe_plan,
    prune_count,
    quantization_levels,
    read_metrics,
    run_probes,
)

try:
    import jax
    import jax.numpy as jnp
    import numpy as np

    from trainscope.jax import compression_front as jax_compression_front
    from trainscope.jax._compression import magnitude_ranks, pruned, quantized
except ImportError:  # jax (or numpy) missing: the JAX tests skip
    jax = None

ENGINE_LABELS = ["dense 32-bit"] + [
    f"prune {round(s * 100)}% {scope}" for scope in ("global", "layer-wise") for s in ENGINE_SPARSITIES
] + [f"{b}-bit" for b in ENGINE_BIT_WIDTHS]


def read_events(path: str) -> List[Dict[str, Any]]:
    """The NDJSON events a Client appended to ``path``."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


class ClientFile:
    """A Client appending to a temporary .jsonl file; ``events()`` closes it and reads the file back."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self._dir.name, "run.jsonl")
        with mock.patch.dict(os.environ, {"RANK": "0"}):
            self.client = Client(url=self.path, run="probe-test")

    def events(self) -> List[Dict[str, Any]]:
        self.client.close()
        try:
            return read_events(self.path)
        finally:
            self._dir.cleanup()


class PlanTests(unittest.TestCase):
    def test_default_plan_is_the_engines_round(self) -> None:
        plan = probe_plan()
        self.assertEqual([p.label for p in plan], ENGINE_LABELS)
        self.assertEqual(len(plan), 18)
        self.assertEqual(plan[0], Probe("dense", bits=32))

    def test_scopes_order_and_duplicates(self) -> None:
        plan = probe_plan([0.9, 0.5, 0.9], [4, 4], "layer-wise")
        self.assertEqual([p.label for p in plan], ["dense 32-bit", "prune 90% layer-wise", "prune 50% layer-wise", "4-bit"])
        self.assertEqual([p.label for p in probe_plan([0.5], [], ())], ["dense 32-bit"])
        self.assertEqual(probe_plan([0.5], [8], "global", dense_bits=16)[0].label, "dense 16-bit")

    def test_invalid_plans_are_refused(self) -> None:
        for kwargs in ({"sparsities": [0.0]}, {"sparsities": [1.0]}, {"bits": [0]}, {"bits": [17]}, {"bits": [2.5]},
                       {"scope": "row"}, {"scheme": "log"}, {"bits": [1], "scheme": "symmetric"}):
            with self.subTest(kwargs=kwargs), self.assertRaises(ValueError):
                probe_plan(**kwargs)
        self.assertEqual(probe_plan([], [1])[-1].label, "1-bit")  # affine 1-bit: two levels, min and max

    def test_counts_round_halves_up_as_the_engine(self) -> None:
        self.assertEqual(prune_count(0.5, 5), 3)  # Python's round(2.5) would give 2
        self.assertEqual(prune_count(0.7, 776), 543)
        self.assertEqual(prune_count(0.95, 10), 10)
        self.assertEqual(Probe("prune", sparsity=0.955).label, "prune 96% global")
        self.assertEqual(quantization_levels(4), 16)
        self.assertEqual(quantization_levels(4, "symmetric"), 15)


class BitsTests(unittest.TestCase):
    def test_bits_of_each_kind(self) -> None:
        weight = TensorCount(100, 40, True)
        bias = TensorCount(10, 10, False)
        self.assertEqual(model_bits([weight, bias], Probe("dense")), 110 * 32)
        self.assertEqual(model_bits([weight, bias], Probe("prune", sparsity=0.6)), 40 * 32 + 10 * 32)
        self.assertEqual(model_bits([weight, bias], Probe("quantize", bits=4)), 100 * 4 + 10 * 32)
        self.assertEqual(model_bits([TensorCount(100, 100, True, 16)], Probe("dense")), 1600)
        # With overhead: a one-bit mask per entry; the scale (and the affine offset) per tensor.
        self.assertEqual(model_bits([weight, bias], Probe("prune", sparsity=0.6), overhead=True), 40 * 32 + 100 + 320)
        self.assertEqual(model_bits([weight], Probe("quantize", bits=4), overhead=True), 400 + 64)
        self.assertEqual(model_bits([weight], Probe("quantize", bits=4), scheme="symmetric", overhead=True), 400 + 32)

    def test_the_engines_recorded_front_is_reproduced(self) -> None:
        # Samples/runs/pareto.jsonl: the built-in engine's probe round of a 3 × [97, 8] weight model.
        recording = REPO_ROOT / "Samples" / "runs" / "pareto.jsonl"
        if not recording.exists():
            self.skipTest("Samples/runs/pareto.jsonl is absent")
        event = next(e for e in read_events(str(recording)) if e["type"] == "pareto")
        sizes = [776, 776, 776]
        self.assertEqual(event["points"][0]["values"][0], 32 * sum(sizes))
        expected = []
        for probe in probe_plan():
            if probe.kind == "prune" and probe.scope == "global":
                counts = [TensorCount(sum(sizes), sum(sizes) - prune_count(probe.sparsity, sum(sizes)), True)]
            else:
                counts = [TensorCount(n, n - prune_count(probe.sparsity, n) if probe.kind == "prune" else n, True) for n in sizes]
            expected.append([probe.label, model_bits(counts, probe)])
        self.assertEqual([[p["label"], p["values"][0]] for p in event["points"]], expected)
        self.assertEqual(event["objectives"], [{"name": "model_bits", "direction": "min"}, {"name": "test/acc", "direction": "max"}])
        self.assertAlmostEqual(event["reference"][0], 1.1 * 32 * sum(sizes))
        self.assertEqual(event["reference"][1], 0)


class RunProbesTests(unittest.TestCase):
    @staticmethod
    def scorer(values: Dict[str, Any]) -> Any:
        """A score function over one 100-entry weight: its quality is looked up by label."""
        def score(probe: Probe) -> Tuple[Sequence[TensorCount], Any]:
            nonzero = 100 - prune_count(probe.sparsity, 100) if probe.kind == "prune" else 100
            return [TensorCount(100, nonzero, True), TensorCount(10, 10, False)], values[probe.label]
        return score

    def test_event_and_cost_are_sent(self) -> None:
        plan = probe_plan([0.5], [4], "global")
        quality = {"dense 32-bit": 0.9, "prune 50% global": 0.8, "4-bit": 0.85}
        sink = ClientFile()
        front = run_probes(plan, self.scorer(quality), step=7, client=sink.client)
        events = sink.events()
        pareto = [e for e in events if e["type"] == "pareto"]
        self.assertEqual(len(pareto), 1)
        self.assertEqual(pareto[0]["step"], 7)
        self.assertEqual(pareto[0]["objectives"], [{"name": "model_bits", "direction": "min"}, {"name": "test/acc", "direction": "max"}])
        self.assertEqual(pareto[0]["points"], [
            {"values": [3520, 0.9], "label": "dense 32-bit"},
            {"values": [1600 + 320, 0.8], "label": "prune 50% global"},
            {"values": [400 + 320, 0.85], "label": "4-bit"},
        ])
        self.assertAlmostEqual(pareto[0]["reference"][0], 3520 * 1.1)
        self.assertEqual(pareto[0]["reference"][1], 0)
        cost = [e for e in events if e["type"] == "scalars" and "probe/seconds" in e["values"]]
        self.assertEqual([e["step"] for e in cost], [7])
        self.assertAlmostEqual(cost[0]["values"]["probe/seconds"], front.seconds)
        self.assertGreaterEqual(front.seconds, sum(p.seconds for p in front.points))

    def test_loss_metric_and_non_finite_points(self) -> None:
        plan = probe_plan([0.5], [4], "global")
        quality = {"dense 32-bit": {"test/loss": 0.1, "test/acc": 1.0}, "prune 50% global": {"test/loss": math.inf, "test/acc": 0.0},
                   "4-bit": {"test/loss": 0.2, "test/acc": 0.9}}
        sink = ClientFile()
        front = run_probes(plan, self.scorer(quality), metric="test/loss", step=3, client=sink.client)
        self.assertEqual(front.direction, "min")
        self.assertIsNone(front.reference)  # a loss has no natural worst value: the dashboard picks one
        self.assertEqual(front.points[1].metrics, {"test/loss": math.inf, "test/acc": 0.0})
        (pareto,) = [e for e in sink.events() if e["type"] == "pareto"]
        self.assertEqual([p["label"] for p in pareto["points"]], ["dense 32-bit", "4-bit"])  # inf would void the event
        self.assertNotIn("reference", pareto)
        self.assertEqual(pareto["objectives"][1], {"name": "test/loss", "direction": "min"})

    def test_arguments_are_checked(self) -> None:
        plan = probe_plan([0.5], [4], "global")
        score = self.scorer({"dense 32-bit": 1.0, "prune 50% global": 1.0, "4-bit": 1.0})
        with self.assertRaises(ValueError):
            run_probes(plan, score, client=object())  # no step
        with self.assertRaises(ValueError):
            run_probes(plan[1:], score)
        with self.assertRaises(ValueError):
            run_probes(plan, score, reference=[1.0])
        with self.assertRaises(ValueError):
            read_metrics({"acc": 1.0}, "test/acc")
        self.assertEqual(run_probes(plan, score, reference=[1e4, -1]).reference, [1e4, -1.0])
        self.assertEqual(metric_direction("test/acc"), "max")
        self.assertEqual(metric_direction("val/error_rate"), "min")
        self.assertEqual(metric_direction("test/loss", "max"), "max")


def mlp_params(seed: int = 0) -> Dict[str, Any]:
    """A small MLP pytree: two [in, out] weights, their biases, and a list-held [4, 4] weight."""
    keys = jax.random.split(jax.random.PRNGKey(seed), 3)
    return {
        "dense1": {"w": jax.random.normal(keys[0], (8, 16)), "b": jnp.linspace(-1, 1, 16)},
        "dense2": {"w": jax.random.normal(keys[1], (16, 4)), "b": jnp.ones(4)},
        "extra": [jax.random.normal(keys[2], (4, 4))],
    }


@unittest.skipIf(jax is None, "jax is not importable")
class JaxCompressionTests(unittest.TestCase):
    def setUp(self) -> None:
        self.params = mlp_params()
        self.weights = [self.params["dense1"]["w"], self.params["dense2"]["w"], self.params["extra"][0]]

    def test_pruning_zeroes_exactly_the_smallest(self) -> None:
        total = sum(w.size for w in self.weights)
        for sparsity in (0.5, 0.9, 0.98):
            out = pruned(self.weights, sparsity, "global")
            zeros = sum(int((o == 0).sum()) for o in out)
            self.assertEqual(zeros, prune_count(sparsity, total))
            dropped = np.concatenate([np.abs(np.asarray(w))[np.asarray(o) == 0] for w, o in zip(self.weights, out)])
            kept = np.concatenate([np.abs(np.asarray(w))[np.asarray(o) != 0] for w, o in zip(self.weights, out)])
            self.assertLessEqual(dropped.max(), kept.min())
            for w, o in zip(self.weights, out):  # survivors keep their values
                np.testing.assert_array_equal(np.asarray(o)[np.asarray(o) != 0], np.asarray(w)[np.asarray(o) != 0])
            for w, o in zip(self.weights, pruned(self.weights, sparsity, "layer")):
                self.assertEqual(int((o == 0).sum()), prune_count(sparsity, w.size))

    def test_ties_are_broken_by_position(self) -> None:
        (ranks,) = magnitude_ranks([jnp.array([[1.0, -1.0], [1.0, 0.5]])], "layer")
        np.testing.assert_array_equal(np.asarray(ranks), [[1, 2], [3, 0]])
        (out,) = pruned([jnp.array([[1.0, -1.0], [1.0, 0.5]])], 0.5, "layer")
        np.testing.assert_array_equal(np.asarray(out), [[0.0, -1.0], [1.0, 0.0]])

    def test_quantization_levels(self) -> None:
        for bits in (2, 3, 4, 8):
            for w in self.weights:
                affine = np.asarray(quantized(w, bits))
                self.assertLessEqual(len(np.unique(affine)), 2 ** bits)
                spread = float(w.max() - w.min())
                self.assertLessEqual(np.abs(affine - np.asarray(w)).max(), spread / (2 ** bits - 1) / 2 * 1.001)
                symmetric = np.asarray(quantized(w, bits, "symmetric"))
                self.assertLessEqual(len(np.unique(symmetric)), 2 ** bits - 1)
                self.assertLessEqual(np.abs(symmetric).max(), float(jnp.abs(w).max()) * (1 + 1e-6))
        np.testing.assert_array_equal(np.asarray(quantized(jnp.full((2, 2), 3.0), 2)), 3.0)  # constant: unchanged

    def test_front_leaves_params_untouched_and_is_sent(self) -> None:
        before = jax.tree_util.tree_map(np.array, self.params)
        x = jax.random.normal(jax.random.PRNGKey(1), (64, 8))
        labels = jnp.argmax(x[:, :4], axis=1)
        seen: List[Dict[str, Any]] = []

        @jax.jit
        def metrics(p: Dict[str, Any]) -> Dict[str, Any]:
            h = jnp.tanh(x @ p["dense1"]["w"] + p["dense1"]["b"])
            logits = h @ p["dense2"]["w"] @ p["extra"][0] + p["dense2"]["b"]
            return {"test/acc": jnp.mean(jnp.argmax(logits, 1) == labels), "test/loss": jnp.mean(logits ** 2)}

        def eval_fn(p: Dict[str, Any]) -> Dict[str, Any]:
            seen.append(p)
            return metrics(p)

        sink = ClientFile()
        front = jax_compression_front(self.params, eval_fn, [0.5, 0.9], [8, 2], step=40, client=sink.client)
        events = sink.events()
        jax.tree_util.tree_map(np.testing.assert_array_equal, self.params, before)
        self.assertEqual(len(seen), 7)
        self.assertIs(seen[0], self.params)  # the dense point is the model itself
        for candidate in seen:
            self.assertEqual(jax.tree_util.tree_structure(candidate), jax.tree_util.tree_structure(self.params))
            np.testing.assert_array_equal(candidate["dense1"]["b"], before["dense1"]["b"])  # biases stay dense
        total = sum(w.size for w in self.weights)
        global90 = front.points[2]
        self.assertEqual(global90.label, "prune 90% global")
        self.assertEqual(global90.bits, (total - prune_count(0.9, total)) * 32 + 20 * 32)
        self.assertEqual(front.points[-1].bits, total * 2 + 20 * 32)
        self.assertEqual(front.dense.bits, (total + 20) * 32)
        self.assertEqual(set(front.dense.metrics), {"test/acc", "test/loss"})
        (pareto,) = [e for e in events if e["type"] == "pareto"]
        self.assertEqual(pareto["step"], 40)
        self.assertEqual([p["label"] for p in pareto["points"]], [p.label for p in front.points])
        self.assertEqual([p["values"] for p in pareto["points"]], [[p.bits, p.value] for p in front.points])
        self.assertAlmostEqual(pareto["reference"][0], 1.1 * front.dense.bits)
        self.assertTrue(any(e["type"] == "scalars" and e["step"] == 40 and "probe/seconds" in e["values"] for e in events))

    def test_include_predicate_and_no_compressible_leaf(self) -> None:
        names: List[str] = []

        def only_dense1(name: str, leaf: Any) -> bool:
            names.append(name)
            return name == "dense1.w"

        front = jax_compression_front(self.params, lambda p: 1.0, [0.5], [4], scope="layer", include=only_dense1)
        self.assertEqual(sorted(names), ["dense1.b", "dense1.w", "dense2.b", "dense2.w", "extra.0"])
        self.assertEqual(front.points[2].bits, 128 * 4 + (16 + 64 + 4 + 16) * 32)
        with self.assertRaises(ValueError):
            jax_compression_front({"b": jnp.ones(3)}, lambda p: 1.0)


if __name__ == "__main__":
    unittest.main()
