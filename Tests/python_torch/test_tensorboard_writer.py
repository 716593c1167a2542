"""Tests of trainscope.tensorboard.SummaryWriter: against a fake dashboard, and against the real binary.

    /tmp/venv-cpu/bin/python -m unittest discover -s Tests/python_torch -p 'test_tensorboard_writer.py' -v

The real-binary test (TRAINSCOPE_BIN, default /tmp/trainscope-bin, else .build/debug/trainscope) is
skipped where there is none; the tee test needs torch and tensorboard.
"""

from __future__ import annotations

import math
import os
import re
import threading
import unittest
from typing import Any, Dict

from integration_support import (
    TRAINSCOPE_BIN,
    FakeDashboard,
    IntegrationTestCase,
    Trainscope,
    snapshot_runs,
    snapshot_series,
    wait_until,
)

import trainscope._histogram as hist
from trainscope import Client
from trainscope.tensorboard import SummaryWriter, histogram

try:
    import numpy as np
except ImportError:  # the pure-Python path is still tested
    np = None  # type: ignore[assignment]

try:
    import torch
    import torch.utils.tensorboard  # noqa: F401  (needs the tensorboard package)
    HAVE_TORCH_TB = True
except ImportError:
    HAVE_TORCH_TB = False


class WriterTestCase(IntegrationTestCase):
    def writer(self, **kwargs: Any) -> SummaryWriter:
        kwargs.setdefault("url", self.url)
        kwargs.setdefault("run", "tb")
        writer = SummaryWriter(**kwargs)
        self.addCleanup(writer.close)
        return writer

    def closed_dashboard(self, dashboard: FakeDashboard, writer: SummaryWriter) -> None:
        """Closes the writer; the dashboard then has every line (the client sends all before closing)."""
        writer.close()
        self.assertEqual(writer.client.dropped, 0)


class ScalarTests(WriterTestCase):
    def test_scalars_of_a_step_are_one_event(self) -> None:
        dashboard = self.dashboard()
        writer = self.writer(latency=60)
        for step in range(3):
            writer.add_scalar("train/loss", 1.0 / (step + 1), step)
            writer.add_scalar("test/acc", step / 4, global_step=step)
            writer.add_scalars("lr", {"head": 0.1, "body": 0.01}, step)
        self.closed_dashboard(dashboard, writer)
        events = dashboard.events("scalars")
        self.assertEqual([e["step"] for e in events], [0, 1, 2])
        self.assertEqual(events[1]["values"], {"train/loss": 0.5, "test/acc": 0.25, "lr/head": 0.1, "lr/body": 0.01})
        self.assertEqual(dashboard.events()[0]["type"], "run")
        self.assertEqual(dashboard.events()[0]["run"], "tb")

    def test_a_tag_repeated_in_a_step_is_not_lost(self) -> None:
        dashboard = self.dashboard()
        writer = self.writer(latency=60)
        writer.add_scalar("a", 1.0, 5)
        writer.add_scalar("a", 2.0, 5)
        writer.add_scalar("b", 3.0)  # no step: TensorBoard's step 0
        self.closed_dashboard(dashboard, writer)
        self.assertEqual([(e["step"], e["values"]) for e in dashboard.events("scalars")],
                         [(5, {"a": 1}), (5, {"a": 2}), (0, {"b": 3})])

    def test_a_held_step_is_sent_after_the_latency(self) -> None:
        dashboard = self.dashboard()
        writer = self.writer(latency=0.05)
        writer.add_scalar("train/loss", torch.tensor(0.25) if HAVE_TORCH_TB else 0.25, 7)
        self.assertTrue(wait_until(lambda: dashboard.events("scalars")), "the step's scalars arrive without another call")
        self.assertEqual(dashboard.events("scalars")[0]["values"], {"train/loss": 0.25})

    def test_flush_sends_the_held_step(self) -> None:
        dashboard = self.dashboard()
        writer = self.writer(latency=60)
        writer.add_scalar("x", 1.5, 1)
        writer.flush()
        self.assertTrue(wait_until(lambda: dashboard.events("scalars")), "flush sends")
        self.assertEqual(dashboard.events("scalars")[0]["step"], 1)

    def test_one_element_tensor_is_a_scalar_and_others_are_counted(self) -> None:
        dashboard = self.dashboard()
        writer = self.writer(latency=60)
        writer.add_tensor("t", [4.0], 2)
        writer.add_tensor("big", [[1.0, 2.0]], 2)
        self.closed_dashboard(dashboard, writer)
        self.assertEqual(dashboard.values(), {"t": {2: 4}})
        self.assertEqual(writer.skipped, {"add_tensor": 1})

    def test_given_client_is_used_and_left_open(self) -> None:
        dashboard = self.dashboard()
        client = Client(url=self.url, run="mine")
        self.addCleanup(client.close)
        writer = SummaryWriter(client=client, latency=60)
        writer.add_scalar("x", 1.0, 0)
        writer.close()
        client.log(1, {"x": 2.0})
        client.close()
        self.assertEqual(dashboard.values(), {"x": {0: 1, 1: 2}})
        self.assertEqual({e["run"] for e in dashboard.events()}, {"mine"})

    def test_run_id_from_log_dir_like_tensorboard(self) -> None:
        self.dashboard()
        writer = self.writer(run=None, log_dir=os.path.join(self.dir, "logs", "exp-3"))
        self.assertEqual(writer.client.run_id, "exp-3")
        self.assertEqual(writer.get_logdir(), os.path.join(self.dir, "logs", "exp-3"))
        default = self.writer(run=None, comment="-lr0.1")
        self.assertRegex(default.log_dir, r"^runs/[A-Z][a-z]{2}\d{2}_\d{2}-\d{2}-\d{2}_.+-lr0\.1$")
        self.assertEqual(default.client.run_id, os.path.basename(default.log_dir))

    def test_context_manager_closes(self) -> None:
        dashboard = self.dashboard()
        with SummaryWriter(url=self.url, run="cm", latency=60) as writer:
            writer.add_scalar("x", 1.0, 3)
        self.assertFalse(writer.client.enabled)
        self.assertEqual(dashboard.values(), {"x": {3: 1}})


class HistogramTests(WriterTestCase):
    def test_tensorflow_buckets_trimmed_to_the_values(self) -> None:
        values = [-2.0, -0.5, 0.0, 1e-3, 0.3, 0.3, 5.0]
        edges, counts, left_out = histogram(values)
        self.assertEqual(left_out, 0)
        self.assertEqual(sum(counts), len(values))
        self.assertEqual(len(edges), len(counts) + 1)
        self.assertTrue(all(b > a for a, b in zip(edges, edges[1:])))
        self.assertLessEqual(edges[0], -2.0)
        self.assertGreater(edges[-1], 5.0)
        self.assertGreater(counts[0], 0)
        self.assertGreater(counts[-1], 0)
        tf = hist.tensorflow_edges()
        for edge in edges:
            self.assertIn(edge, tf)
        # Every value sits in the bucket [edges[i], edges[i+1]) that counts it.
        for v in values:
            i = max(j for j in range(len(counts)) if edges[j] <= v)
            self.assertLess(v, edges[i + 1])

    def test_python_and_numpy_agree(self) -> None:
        if np is None:
            self.skipTest("numpy is not installed")
        rng = np.random.default_rng(0)
        values = rng.normal(size=500).tolist() + [math.nan, math.inf]
        for bins in ("tensorflow", 7, [-1.0, 0.0, 0.5, 1.0]):
            with self.subTest(bins=bins):
                with_numpy = histogram(values, bins)
                pure = hist.histogram_python([float(v) for v in values], bins, None)
                self.assertEqual(with_numpy[1], pure[1])
                self.assertEqual(with_numpy[2], 2)
                for a, b in zip(with_numpy[0], pure[0]):
                    self.assertAlmostEqual(a, b, places=12)
        self.assertEqual(histogram(values, 20, max_bins=6)[1], [sum(histogram(values, 20)[1][i:i + 4]) for i in range(0, 20, 4)])

    def test_add_histogram_of_a_tensor(self) -> None:
        if not HAVE_TORCH_TB:
            self.skipTest("torch is not installed")
        dashboard = self.dashboard()
        writer = self.writer()
        weights = torch.linspace(-1, 1, 101, dtype=torch.bfloat16)
        weights[3] = float("nan")
        writer.add_histogram("weights/fc", weights, 4, bins=10)
        writer.add_histogram("weights/none", torch.tensor([float("nan")]), 4)
        self.closed_dashboard(dashboard, writer)
        (event,) = dashboard.events("histogram")
        self.assertEqual((event["step"], event["name"], sum(event["counts"]), len(event["edges"])), (4, "weights/fc", 100, 11))
        self.assertEqual(writer.left_out_values, 1)
        self.assertEqual(writer.skipped, {"add_histogram without finite values": 1})
        self.assertIn("1 non-finite histogram values", self.stderr.getvalue())

    def test_add_histogram_raw_as_tensorboard_draws_it(self) -> None:
        dashboard = self.dashboard()
        writer = self.writer()
        writer.add_histogram_raw("h", min=-1.5, max=2.5, num=6, sum=3.0, sum_squares=9.0,
                                 bucket_limits=[-2.0, -1.0, 0.0, 1.0, 2.0, 3.0], bucket_counts=[0, 1, 2, 0, 3, 0], global_step=1)
        self.closed_dashboard(dashboard, writer)
        (event,) = dashboard.events("histogram")
        self.assertEqual((event["edges"], event["counts"]), ([-1.5, -1, 0, 1, 2.5], [1, 2, 0, 3]))


class HparamsAndSkippedTests(WriterTestCase):
    def test_hparams_join_the_config_and_metrics_follow_the_latest_step(self) -> None:
        dashboard = self.dashboard()
        writer = self.writer(config={"seed": 1}, latency=60)
        writer.add_scalar("train/loss", 0.5, 9)
        writer.add_hparams({"lr": 0.1, "optimizer": "sgd", "nesterov": True}, {"hparam/acc": 0.75})
        self.closed_dashboard(dashboard, writer)
        runs = dashboard.events("run")
        merged = {"seed": 1, "lr": 0.1, "optimizer": "sgd", "nesterov": True}
        self.assertEqual(runs[-1]["config"], merged)
        # The first run event is the one the connection starts with: made when the client connected.
        self.assertIn(runs[0]["config"], ({"seed": 1}, merged))
        self.assertEqual(dashboard.values(), {"train/loss": {9: 0.5}, "hparam/acc": {9: 0.75}})

    def test_kinds_the_dashboard_cannot_show_are_counted_and_reported_once(self) -> None:
        dashboard = self.dashboard()
        writer = self.writer()
        writer.add_text("notes", "hello", 1)
        writer.add_text("notes", "again", 2)
        writer.add_image("img", [[0.0]], 1)
        writer.add_graph(object())
        self.closed_dashboard(dashboard, writer)
        self.assertEqual(writer.skipped, {"add_text": 2, "add_image": 1, "add_graph": 1})
        lines = [line for line in self.stderr.getvalue().splitlines() if line.startswith("trainscope SummaryWriter")]
        self.assertEqual(lines, ["trainscope SummaryWriter: run 'tb': not sent to trainscope: 1 add_graph, 1 add_image, 2 add_text"])
        self.assertEqual(dashboard.events("scalars"), [])


@unittest.skipUnless(TRAINSCOPE_BIN.is_file(), f"no trainscope binary at {TRAINSCOPE_BIN}")
@unittest.skipUnless(HAVE_TORCH_TB, "tee needs torch.utils.tensorboard")
class RealBinaryTests(WriterTestCase):
    def test_live_stream_and_tensorboard_files_look_the_same(self) -> None:
        """The SummaryWriter streams to `trainscope snapshot unix:SOCK` and (tee) writes event files; both read alike."""
        live_json = os.path.join(self.dir, "live.json")
        live = Trainscope(["snapshot", self.url, "--format", "json", "-o", live_json, "--quiet"], self.dir)
        self.addCleanup(live.stop)
        self.assertTrue(wait_until(lambda: os.path.exists(self.socket_path) or live.proc.poll() is not None, 30),
                        "trainscope listens")
        log_dir = os.path.join(self.dir, "runs", "exp")
        writer = SummaryWriter(log_dir, url=self.url, tee=True, latency=60)
        for step in range(20):
            writer.add_scalar("train/loss", 1.0 / (step + 1), step)
            writer.add_scalar("test/acc", step / 20, step)
            if step % 5 == 0:
                writer.add_histogram("weights/fc", torch.linspace(-1, 1, 50) * (step + 1), step)
        writer.add_hparams({"lr": 0.125, "optimizer": "adamw"}, {"hparam/final_acc": 0.95}, global_step=19)
        writer.add_text("notes", "hello", 0)
        writer.close()
        self.assertEqual(live.wait(60), 0, live.stderr())

        files_json = os.path.join(self.dir, "files.json")
        files = Trainscope(["snapshot", os.path.join(self.dir, "runs"), "--format", "json", "-o", files_json, "--quiet"], self.dir)
        self.assertEqual(files.wait(60), 0, files.stderr())

        live_series = snapshot_series(live_json)["exp"]
        file_series = snapshot_series(files_json)["exp"]
        for name in ("train/loss", "test/acc", "hparam/final_acc"):
            self.assertEqual(sorted(live_series[name]), sorted(file_series[name]), name)
            for step, value in live_series[name].items():
                self.assertAlmostEqual(value, file_series[name][step], delta=1e-6 * max(1.0, abs(value)))  # float32 in the files
        self.assertEqual(live_series["train/loss"][3], 0.25)
        live_run, file_run = snapshot_runs(live_json)["exp"], snapshot_runs(files_json)["exp"]
        self.assertEqual(live_run["config"], file_run["config"])
        self.assertEqual(live_run["config"], {"lr": 0.125, "optimizer": "adamw"})
        live_hist = {h["name"]: h for h in live_run["histograms"]}["weights/fc"]
        self.assertEqual([s["step"] for s in live_hist["steps"]], [0, 5, 10, 15])
        self.assertEqual([sum(s["counts"]) for s in live_hist["steps"]], [50] * 4)
        self.assertTrue(re.search(r"1 add_text", self.stderr.getvalue()))


if __name__ == "__main__":
    unittest.main()
