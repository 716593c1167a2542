"""Tests of the trainscope package's client (python/src/trainscope; standard library only).

    python3 -m unittest discover -s Tests/python -v          # from the repository root

The first classes run the client against fake listeners inside the test process. RealBinaryTests
drives the trainscope binary (env TRAINSCOPE_BIN, default .build/debug/trainscope) and is skipped
when it does not exist. Nothing here sleeps to synchronise: waits poll a condition with a bound.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional
from unittest import mock

REPO_ROOT = Path(__file__).resolve().parents[2]
CLIENT_DIR = REPO_ROOT / "python" / "src"
sys.path.insert(0, str(CLIENT_DIR))

import trainscope._destination  # noqa: E402
import trainscope._transport  # noqa: E402
from trainscope import Client, default_socket_path  # noqa: E402

TOKEN = "0123456789abcdef0123456789abcdef"
CLIENT_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "TRAINSCOPE_URL", "TRAINSCOPE_TOKEN")
LR = {"value": 0.001, "min": 1e-6, "max": 1.0, "scale": "log"}


def wait_until(condition: Callable[[], Any], timeout: float = 10.0, interval: float = 0.005) -> bool:
    """Polls ``condition`` until it is truthy or ``timeout`` seconds passed; returns whether it held."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def reject_constants(name: str) -> Any:
    raise AssertionError(f"bare {name} in a written line")


def parse_line(raw: bytes) -> Dict[str, Any]:
    """One written line as JSON, failing on the bare NaN/Infinity tokens JSON does not have."""
    return json.loads(raw.decode("utf-8"), parse_constant=reject_constants)


class FakeDashboard:
    """A Unix-socket listener standing in for trainscope: records every line, sends control lines."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._received: List[tuple] = []  # (connection index, raw line)
        self._connections: List[socket.socket] = []
        self._stopped = threading.Event()
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(path)
        self._server.listen(8)
        self._server.settimeout(0.02)  # so the accept loop notices stop()
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(None)
            with self._lock:
                index = len(self._connections)
                self._connections.append(conn)
            thread = threading.Thread(target=self._read, args=(conn, index), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _read(self, conn: socket.socket, index: int) -> None:
        try:
            with conn.makefile("rb") as lines:
                for raw in lines:
                    with self._lock:
                        self._received.append((index, raw.rstrip(b"\n")))
        except (OSError, ValueError):
            pass
        finally:
            conn.close()

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._connections)

    def raw_lines(self, connection: Optional[int] = None) -> List[bytes]:
        with self._lock:
            return [raw for index, raw in self._received if connection is None or index == connection]

    def events(self, connection: Optional[int] = None) -> List[Dict[str, Any]]:
        return [parse_line(raw) for raw in self.raw_lines(connection)]

    def scalars(self, connection: Optional[int] = None) -> List[Dict[str, Any]]:
        return [e for e in self.events(connection) if e["type"] == "scalars"]

    def send(self, message: Any, connection: int = -1) -> None:
        """Sends a control line (a dict, or raw text) to a connection (default: the newest)."""
        text = message if isinstance(message, str) else json.dumps(message)
        with self._lock:
            conn = self._connections[connection]
        conn.sendall(text.encode("utf-8") + b"\n")

    def stop(self, remove: bool = True) -> None:
        """Goes away: stops listening, removes the socket file (unless ``remove`` is False, as after
        a crash) and drops every connection."""
        self._stopped.set()
        self._server.close()
        if remove:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(5)


class ClientTestCase(unittest.TestCase):
    """A temporary directory, a clean client environment, captured warnings and stderr, and helpers."""

    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="tsclient")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.socket_path = os.path.join(self.dir, "s.sock")
        self.url = f"unix:{self.socket_path}"
        self.env(**{name: None for name in CLIENT_ENV})
        # Every warning and every stderr line of the test, including those of clients closed by
        # cleanups registered later (cleanups run last-in first-out).
        catcher = warnings.catch_warnings(record=True)
        self.warnings = catcher.__enter__()
        self.addCleanup(catcher.__exit__, None, None, None)
        warnings.simplefilter("always")
        self.stderr = io.StringIO()
        redirect = contextlib.redirect_stderr(self.stderr)
        redirect.__enter__()
        self.addCleanup(redirect.__exit__, None, None, None)

    def client_warnings(self) -> List[warnings.WarningMessage]:
        return [w for w in self.warnings if str(w.message).startswith("trainscope:")]

    def reports(self) -> List[str]:
        """The close reports written to stderr."""
        return [line for line in self.stderr.getvalue().splitlines() if line.startswith("trainscope client: run")]

    def env(self, **values: Optional[str]) -> None:
        """Sets (or with None removes) environment variables for this test only."""
        patcher = mock.patch.dict(os.environ)
        patcher.start()
        self.addCleanup(patcher.stop)
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def dashboard(self) -> FakeDashboard:
        dashboard = FakeDashboard(self.socket_path)
        self.addCleanup(dashboard.stop)
        return dashboard

    def client(self, **kwargs: Any) -> Client:
        kwargs.setdefault("url", self.url)
        kwargs.setdefault("run", "exp")
        client = Client(**kwargs)
        self.addCleanup(client.close, 1.0)
        return client

    def assertEventually(self, condition: Callable[[], Any], message: str, timeout: float = 10.0) -> None:
        self.assertTrue(wait_until(condition, timeout), message)


class EventTests(ClientTestCase):
    def test_events_carry_version_type_run_and_integer_steps(self) -> None:
        dashboard = self.dashboard()
        ts = self.client(task="modular", model="mlp", config={"p": 97, "lr": 0.001})
        for step in range(5):
            ts.log(step, {"train/loss": 1.0 / (step + 1)}, acc=step / 10)
        ts.close()
        self.assertEventually(lambda: len(dashboard.raw_lines()) >= 6, "run + 5 scalars arrive")
        raw = dashboard.raw_lines()
        for line in raw:
            self.assertRegex(line.decode(), r'^\{"v":1,"type":"[a-z]+",')
        events = dashboard.events()
        run = events[0]
        self.assertEqual(run["type"], "run")
        self.assertEqual((run["run"], run["task"], run["model"]), ("exp", "modular", "mlp"))
        self.assertEqual(run["config"], {"p": 97, "lr": 0.001})
        self.assertIsInstance(run["time"], (int, float))
        scalars = events[1:]
        self.assertEqual([e["type"] for e in scalars], ["scalars"] * 5)
        self.assertEqual([e["step"] for e in scalars], [0, 1, 2, 3, 4])
        for step, event in enumerate(scalars):
            self.assertEqual(event["run"], "exp")
            self.assertIsInstance(event["step"], int)
            self.assertIsInstance(event["time"], float)
            self.assertEqual(event["values"], {"acc": step / 10, "train/loss": 1.0 / (step + 1)})
            self.assertEqual(list(event["values"]), sorted(event["values"]))

    def test_nan_and_infinities_are_written_as_strings(self) -> None:
        dashboard = self.dashboard()
        ts = self.client()
        ts.log(3, {"a": float("nan"), "b": math.inf}, c=-math.inf, d=2.0)
        ts.close()
        self.assertEventually(lambda: len(dashboard.raw_lines()) >= 2, "the scalars line arrives")
        line = dashboard.raw_lines()[1]
        self.assertIn(b'"a":"NaN"', line)
        self.assertIn(b'"b":"Infinity"', line)
        self.assertIn(b'"c":"-Infinity"', line)
        self.assertIn(b'"d":2', line)  # integral values without a fraction
        self.assertEqual(parse_line(line)["values"], {"a": "NaN", "b": "Infinity", "c": "-Infinity", "d": 2})

    def test_knob_specs_are_declared_in_the_run_event(self) -> None:
        dashboard = self.dashboard()
        ts = self.client(knobs={"lr": dict(LR, step=2), "optimizer": {"value": "adam", "choices": ["sgd", "adam"]}})
        ts.close()
        self.assertEventually(lambda: dashboard.raw_lines(), "the run event arrives")
        knobs = dashboard.events()[0]["knobs"]
        self.assertEqual(knobs, [
            {"name": "lr", "value": 0.001, "min": 1e-6, "max": 1, "scale": "log", "step": 2},
            {"name": "optimizer", "value": "adam", "choices": ["sgd", "adam"]},
        ])
        self.assertEqual(list(knobs[0])[0], "name")


class ControlTests(ClientTestCase):
    def connected(self, **kwargs: Any) -> tuple:
        dashboard = self.dashboard()
        kwargs.setdefault("knobs", {"lr": LR, "optimizer": {"value": "adam", "choices": ["sgd", "adam"]}})
        ts = self.client(**kwargs)
        self.assertEventually(lambda: dashboard.raw_lines(), "the client connects and sends its run event")
        return dashboard, ts

    def poll_knobs(self, ts: Client, timeout: float = 10.0) -> Dict[str, Any]:
        changes: Dict[str, Any] = {}
        wait_until(lambda: changes.update(ts.knobs()) or changes, timeout)
        return changes

    def test_set_with_the_right_token_is_applied_and_logged(self) -> None:
        self.env(TRAINSCOPE_TOKEN=TOKEN)
        dashboard, ts = self.connected()
        ts.log(7, loss=1.0)
        dashboard.send({"v": 1, "type": "set", "run": "exp", "knob": "lr", "value": 0.5, "token": TOKEN})
        self.assertEqual(self.poll_knobs(ts), {"lr": 0.5})
        self.assertEqual(ts.knobs(), {}, "a change is returned once")
        self.assertEqual(ts.refused_controls, 0)
        ts.close()
        self.assertEventually(lambda: any(e["type"] == "knob" for e in dashboard.events()), "a knob event arrives")
        knob = next(e for e in dashboard.events() if e["type"] == "knob")
        self.assertEqual({k: knob[k] for k in ("run", "step", "name", "old", "new", "by")},
                         {"run": "exp", "step": 7, "name": "lr", "old": 0.001, "new": 0.5, "by": "user"})

    def test_token_argument_and_choice_knobs(self) -> None:
        dashboard, ts = self.connected(token="s3cr3t")
        dashboard.send({"v": 1, "type": "set", "knob": "optimizer", "value": "sgd", "token": "s3cr3t"})
        self.assertEqual(self.poll_knobs(ts), {"optimizer": "sgd"})

    def test_missing_or_wrong_token_is_refused_and_replies_are_ignored(self) -> None:
        self.env(TRAINSCOPE_TOKEN=TOKEN)
        dashboard, ts = self.connected()
        dashboard.send({"ok": True, "line": 1, "type": "set"})  # a reply, not a control line
        dashboard.send({"v": 1, "type": "set", "run": "exp", "knob": "lr", "value": 0.5, "token": "wrong"})
        dashboard.send({"v": 1, "type": "set", "run": "exp", "knob": "lr", "value": 0.5})
        dashboard.send({"v": 1, "type": "pause", "token": TOKEN.upper()})
        dashboard.send("not json")
        # Lines are handled in order: once this one is applied, the ones before it have been seen.
        dashboard.send({"v": 1, "type": "set", "knob": "lr", "value": 0.25, "token": TOKEN})
        self.assertEqual(self.poll_knobs(ts), {"lr": 0.25})
        self.assertEqual(ts.refused_controls, 3)
        self.assertFalse(ts.paused)

    def test_without_a_configured_token_everything_is_refused(self) -> None:
        dashboard, ts = self.connected()
        dashboard.send({"v": 1, "type": "set", "knob": "lr", "value": 0.5, "token": "anything"})
        dashboard.send({"v": 1, "type": "stop", "token": ""})
        self.assertEventually(lambda: ts.refused_controls == 2, "both lines are refused")
        self.assertEqual(ts.knobs(), {})
        self.assertFalse(ts.stop_requested)

    def test_undeclared_knobs_values_out_of_range_and_other_runs_are_ignored(self) -> None:
        dashboard, ts = self.connected(token=TOKEN)
        dashboard.send({"v": 1, "type": "set", "knob": "momentum", "value": 0.9, "token": TOKEN})
        dashboard.send({"v": 1, "type": "set", "knob": "lr", "value": 5, "token": TOKEN})
        dashboard.send({"v": 1, "type": "set", "knob": "lr", "value": "big", "token": TOKEN})
        dashboard.send({"v": 1, "type": "set", "knob": "optimizer", "value": "lion", "token": TOKEN})
        dashboard.send({"v": 1, "type": "set", "run": "other", "knob": "lr", "value": 0.125, "token": TOKEN})
        dashboard.send({"v": 1, "type": "set", "knob": "lr", "value": 0.25, "token": TOKEN})
        self.assertEqual(self.poll_knobs(ts), {"lr": 0.25})
        self.assertEqual(ts.refused_controls, 0)

    def test_pause_resume_and_stop(self) -> None:
        dashboard, ts = self.connected(token=TOKEN)
        self.assertTrue(ts.wait_while_paused(timeout=0), "not paused: returns at once")
        dashboard.send({"v": 1, "type": "pause", "run": "exp", "token": TOKEN})
        self.assertEventually(lambda: ts.paused, "paused")
        self.assertFalse(ts.wait_while_paused(timeout=0.01), "still paused when the timeout passes")

        result: List[bool] = []
        waiter = threading.Thread(target=lambda: result.append(ts.wait_while_paused()), daemon=True)
        waiter.start()
        dashboard.send({"v": 1, "type": "resume", "token": TOKEN})
        waiter.join(10)
        self.assertFalse(waiter.is_alive(), "resume wakes a waiting training loop")
        self.assertEqual(result, [True])
        self.assertFalse(ts.paused)

        self.assertFalse(ts.stop_requested)
        dashboard.send({"v": 1, "type": "pause", "token": TOKEN})
        dashboard.send({"v": 1, "type": "stop", "token": TOKEN})
        self.assertEventually(lambda: ts.stop_requested, "stop requested")
        self.assertTrue(ts.wait_while_paused(), "after stop, waiting returns at once")


class RankTests(ClientTestCase):
    def test_other_ranks_send_nothing(self) -> None:
        self.env(RANK="1", WORLD_SIZE="2", TRAINSCOPE_TOKEN=TOKEN)
        dashboard = self.dashboard()
        ts = self.client(knobs={"lr": LR})
        self.assertFalse(ts.enabled)
        ts.log(1, loss=0.5)
        ts.phase(1, "memorization")
        ts.spectrum(1, top=[1.0])
        self.assertEqual(ts.knobs(), {})
        self.assertTrue(ts.wait_while_paused())
        ts.close()
        self.assertEqual(dashboard.connections, 0)
        self.assertEqual(ts.dropped, 0)

    def test_rank_zero_sends_untagged(self) -> None:
        self.env(RANK="0", WORLD_SIZE="2")
        dashboard = self.dashboard()
        ts = self.client()
        ts.log(1, loss=0.5)
        ts.close()
        self.assertEventually(lambda: len(dashboard.raw_lines()) >= 2, "rank 0's events arrive")
        for event in dashboard.events():
            self.assertEqual(event["run"], "exp")
            self.assertNotIn("rank", event)

    def test_all_ranks_tags_run_ids_and_events(self) -> None:
        self.env(RANK="1", WORLD_SIZE="2")
        dashboard = self.dashboard()
        ts = self.client(all_ranks=True)
        self.assertEqual(ts.run_id, "exp/rank1")
        ts.log(1, loss=0.5)
        ts.close()
        self.assertEventually(lambda: len(dashboard.raw_lines()) >= 2, "rank 1's events arrive")
        run, scalars = dashboard.events()[:2]
        self.assertEqual((run["type"], run["run"], run["rank"]), ("run", "exp/rank1", 1))
        self.assertEqual((scalars["type"], scalars["run"], scalars["rank"]), ("scalars", "exp/rank1", 1))


class ConnectionTests(ClientTestCase):
    def test_without_a_dashboard_calls_return_and_overflow_is_counted(self) -> None:
        ts = self.client(buffer=10)
        for step in range(100):
            ts.log(step, loss=float(step))
        ts.phase(100, "diverged")
        self.assertEqual(ts.dropped, 91)  # 90 while full of scalars, then the oldest one for the phase
        started = time.monotonic()
        ts.close(timeout=0.5)
        self.assertLess(time.monotonic() - started, 3.0, "close() is bounded by its timeout")
        self.assertFalse(ts.connected)
        ts.log(101, loss=0.0)  # a no-op after close

    def test_a_late_dashboard_gets_the_run_event_then_the_drop_count(self) -> None:
        ts = self.client(buffer=3)
        ts.log(0, loss=0.0)
        ts.phase(1, "memorization")
        ts.log(2, loss=2.0)
        ts.log(3, loss=3.0)  # drops step 0
        ts.log(4, loss=4.0)  # drops step 2; the phase is kept
        self.assertEqual(ts.dropped, 2)
        dashboard = self.dashboard()
        self.assertEventually(lambda: len(dashboard.raw_lines()) >= 5, "the client reconnects and flushes")
        events = dashboard.events()
        self.assertEqual(events[0]["type"], "run")
        self.assertEqual((events[1]["type"], events[1]["values"]), ("scalars", {"client/dropped": 2}))
        self.assertEqual([(e["type"], e["step"]) for e in events[2:]], [("phase", 1), ("scalars", 3), ("scalars", 4)])

    def test_a_full_queue_of_kept_events_drops_the_new_scalars(self) -> None:
        ts = self.client(buffer=2)
        ts.phase(0, "memorization")
        ts.spectrum(1, top=[2.0, 5.0], estimator={"method": "lanczos", "iterations": 20}, cost=(20, 0.5))
        ts.log(2, loss=1.0)
        self.assertEqual(ts.dropped, 1)
        dashboard = self.dashboard()
        self.assertEventually(lambda: len(dashboard.raw_lines()) >= 4, "the client reconnects and flushes")
        events = dashboard.events()
        self.assertEqual([e["type"] for e in events], ["run", "scalars", "phase", "spectrum"])
        self.assertEqual(events[1]["values"], {"client/dropped": 1})
        self.assertEqual(events[3]["top"], [5, 2])
        self.assertEqual(events[3]["cost"], {"hvps": 20, "seconds": 0.5})

    def test_the_dashboard_going_away_mid_run(self) -> None:
        dashboard = FakeDashboard(self.socket_path)
        ts = self.client(knobs={"lr": LR}, token=TOKEN)
        ts.log(0, loss=1.0)
        self.assertEventually(lambda: len(dashboard.raw_lines()) >= 2, "first events arrive")
        dashboard.stop()
        self.assertEventually(lambda: not ts.connected, "the client notices")
        for step in range(1, 6):
            ts.log(step, loss=float(step))  # no exception, no blocking
        second = self.dashboard()
        self.assertEventually(lambda: len(second.raw_lines()) >= 6, "the client reconnects and sends what was queued")
        events = second.events()
        self.assertEqual((events[0]["type"], events[0]["run"]), ("run", "exp"))
        self.assertEqual([e["step"] for e in events[1:]], [1, 2, 3, 4, 5])
        second.send({"v": 1, "type": "set", "knob": "lr", "value": 0.5, "token": TOKEN})
        self.assertEventually(lambda: ts.knobs() == {"lr": 0.5}, "control works on the new connection")
        ts.close()
        self.assertEqual(ts.dropped, 0)

    def test_the_url_comes_from_the_environment(self) -> None:
        self.env(TRAINSCOPE_URL=self.url)
        dashboard = self.dashboard()
        ts = Client(run="from-env")
        self.addCleanup(ts.close, 1.0)
        ts.close()
        self.assertEventually(lambda: dashboard.raw_lines(), "the run event arrives")
        self.assertEqual(dashboard.events()[0]["run"], "from-env")

    def test_malformed_urls_are_rejected_at_construction(self) -> None:
        for url in ("tcp://localhost", "tcp://:80", "tcp://h:0", "tcp:127.0.0.1:7070", "http://x", "out.txt"):
            with self.subTest(url=url), self.assertRaises(ValueError):
                Client(url=url)


class StreamSinkTests(ClientTestCase):
    def test_stdout(self) -> None:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            with Client(url="-", run="exp") as ts:
                ts.log(1, loss=0.5)
                ts.pareto(2, [("params", "min"), ("acc", "max")], [[1e5, 0.9], [2e5, 0.95]], labels=["a", "b"])
                ts.histogram(3, "weights", [0, 0.5, 1], [3, 4])
                ts.phase(4, "generalization", message="done", **{"test/acc": 0.99})
        events = [parse_line(line.encode()) for line in out.getvalue().splitlines()]
        self.assertEqual([e["type"] for e in events], ["run", "scalars", "pareto", "histogram", "phase"])
        self.assertEqual(events[2]["objectives"], [{"name": "params", "direction": "min"}, {"name": "acc", "direction": "max"}])
        self.assertEqual(events[2]["points"], [{"values": [100000, 0.9], "label": "a"}, {"values": [200000, 0.95], "label": "b"}])
        self.assertEqual((events[3]["edges"], events[3]["counts"]), ([0, 0.5, 1], [3, 4]))
        self.assertEqual((events[4]["evidence"], events[4]["message"]), ({"test/acc": 0.99}, "done"))

    def test_a_stdout_that_fails_is_swallowed(self) -> None:
        class BrokenPipeStdout(io.TextIOBase):
            def write(self, text: str) -> int:
                raise BrokenPipeError(32, "Broken pipe")

        with contextlib.redirect_stdout(BrokenPipeStdout()):
            ts = Client(url="stdout", run="exp")
            ts.log(1, loss=0.5)
            ts.close()
        self.assertFalse(ts.enabled, "the client stops sending after a broken pipe")
        ts.log(2, loss=0.5)

    def test_a_closed_pipe_does_not_kill_the_process(self) -> None:
        script = (
            "import sys\n"
            f"sys.path.insert(0, {str(CLIENT_DIR)!r})\n"
            "from trainscope import Client\n"
            "ts = Client(url='-', run='exp')\n"
            "ts.log(0, loss=0.0)\n"
            "sys.stdin.readline()\n"
            "for step in range(1, 1000):\n"
            "    ts.log(step, loss=float(step))\n"
            "ts.close()\n"
            "print('after close')\n"
            "sys.stderr.write('finished\\n')\n"
        )
        proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            self.assertTrue(proc.stdout.readline().startswith(b'{"v":1,"type":"run"'))
            proc.stdout.close()  # nobody reads any more: the next write gets EPIPE
            proc.stdin.write(b"go\n")
            proc.stdin.close()
            stderr = proc.stderr.read().decode()
            self.assertEqual(proc.wait(60), 0, stderr)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stderr.close()
        self.assertIn("finished", stderr)
        self.assertNotIn("Traceback", stderr)
        self.assertNotIn("Exception ignored", stderr)

    def test_files_are_appended(self) -> None:
        for url in (f"file:{self.dir}/a.log", f"{self.dir}/b.jsonl"):
            path = url[len("file:"):] if url.startswith("file:") else url
            with self.subTest(url=url):
                for step in (1, 2):
                    with Client(url=url, run="exp") as ts:
                        ts.log(step, loss=float(step))
                with open(path, "rb") as f:
                    events = [parse_line(line) for line in f]
                self.assertEqual([(e["type"], e.get("step")) for e in events],
                                 [("run", None), ("scalars", 1), ("run", None), ("scalars", 2)])


class DefaultSocketTests(ClientTestCase):
    """``unix:`` alone: the per-user socket the dashboard's ``unix:`` listens on."""

    def use_runtime_dir(self) -> str:
        """Points XDG_RUNTIME_DIR at a fresh temporary folder; returns the default socket path in it."""
        runtime = os.path.join(self.dir, "run")
        os.mkdir(runtime, 0o700)
        self.env(XDG_RUNTIME_DIR=runtime)
        return os.path.join(runtime, "trainscope", "default.sock")

    def listen(self, path: str) -> FakeDashboard:
        dashboard = FakeDashboard(path)
        self.addCleanup(dashboard.stop)
        return dashboard

    def test_default_socket_path_is_under_xdg_runtime_dir(self) -> None:
        expected = self.use_runtime_dir()
        self.assertEqual(default_socket_path(), expected)
        self.env(XDG_RUNTIME_DIR=os.environ["XDG_RUNTIME_DIR"] + "/")
        self.assertEqual(default_socket_path(), expected, "a trailing slash changes nothing")

    def test_default_socket_path_falls_back_to_tmp_and_the_login_name(self) -> None:
        expected = f"/tmp/trainscope-{trainscope._destination.pwd.getpwuid(os.getuid()).pw_name}/default.sock"
        plain_file = os.path.join(self.dir, "file")
        open(plain_file, "w").close()
        for value in (None, "", plain_file, os.path.join(self.dir, "missing")):
            with self.subTest(XDG_RUNTIME_DIR=value):
                self.env(XDG_RUNTIME_DIR=value)
                self.assertEqual(default_socket_path(), expected)

    def test_default_socket_path_uses_the_uid_without_a_login_name(self) -> None:
        with mock.patch.object(trainscope._destination.pwd, "getpwuid", side_effect=KeyError("getpwuid(): uid not found")):
            self.assertEqual(default_socket_path(), f"/tmp/trainscope-{os.getuid()}/default.sock")

    def test_unix_alone_waits_for_the_dashboard_and_finds_it_again_after_restarts(self) -> None:
        path = self.use_runtime_dir()
        folder = os.path.dirname(path)
        ts = self.client(url="unix:")  # the folder does not exist yet: the dashboard makes it
        self.assertIn(f"to 'unix:{path}'", repr(ts))
        ts.log(0, loss=0.0)
        self.assertEventually(lambda: ts.knobs() == {} and self.client_warnings(), "the failed attempt is warned about")

        os.mkdir(folder, 0o700)
        first = self.listen(path)
        self.assertEventually(lambda: len(first.raw_lines()) >= 2, "the client finds the dashboard")
        self.assertEqual([(e["type"], e.get("step")) for e in first.events()], [("run", None), ("scalars", 0)])

        # The dashboard quits, removing its socket and folder, and is started again.
        first.stop()
        os.rmdir(folder)
        self.assertEventually(lambda: not ts.connected, "the client notices")
        ts.log(1, loss=1.0)
        ts.log(2, loss=2.0)
        os.mkdir(folder, 0o700)
        second = self.listen(path)
        self.assertEventually(lambda: len(second.raw_lines()) >= 3, "the client finds the restarted dashboard")
        self.assertEqual([(e["type"], e.get("step")) for e in second.events()],
                         [("run", None), ("scalars", 1), ("scalars", 2)])

        # The dashboard crashes, leaving its socket file (connecting is refused), and is restarted.
        second.stop(remove=False)
        self.assertEventually(lambda: not ts.connected, "the client notices the crash")
        ts.log(3, loss=3.0)
        os.unlink(path)  # what a restarted dashboard does with a stale socket
        third = self.listen(path)
        self.assertEventually(lambda: len(third.raw_lines()) >= 2, "the client finds the dashboard after the crash")
        ts.log(4, loss=4.0)
        self.assertEventually(lambda: len(third.raw_lines()) >= 3, "later events go to the new dashboard")
        events = third.events()
        self.assertEqual((events[0]["type"], events[0]["run"]), ("run", "exp"))
        self.assertEqual([e["step"] for e in events[1:]], [3, 4])
        ts.close()
        self.assertEqual(ts.dropped, 0)
        self.assertEqual([str(w.message) for w in self.client_warnings()], [
            f"trainscope: cannot reach unix:{path} (No such file or directory); queuing events and retrying"
        ])
        self.assertEqual(self.reports(), [])

    def test_a_default_folder_writable_by_others_is_not_used(self) -> None:
        path = self.use_runtime_dir()
        folder = os.path.dirname(path)
        os.mkdir(folder)
        os.chmod(folder, 0o777)
        dashboard = self.listen(path)
        ts = self.client(url="unix:")
        self.assertEventually(lambda: ts.knobs() == {} and self.client_warnings(), "the refusal is warned about")
        self.assertEqual(str(self.client_warnings()[0].message),
                         f"trainscope: cannot reach unix:{path} ({folder} is writable by other users); "
                         "queuing events and retrying")
        self.assertEqual(dashboard.connections, 0)
        os.chmod(folder, 0o700)
        self.assertEventually(lambda: dashboard.raw_lines(), "the client connects once the folder is private")

    def test_the_default_path_written_out_is_not_checked_for_its_folder(self) -> None:
        path = self.use_runtime_dir()
        ts = self.client(url=f"unix:{path}")
        self.assertTrue(ts.enabled)
        with self.assertRaises(ValueError):
            Client(url=f"unix:{os.path.dirname(path)}/other.sock")


class DestinationCheckTests(ClientTestCase):
    """A destination the client can never use raises at construction."""

    def test_unknown_schemes_are_rejected_with_the_accepted_forms(self) -> None:
        for url, scheme in (("http://x", "http"), ("foo:bar", "foo"), ("foo://x", "foo"),
                            ("foo:bar.jsonl", "foo"), ("localhost:7070", "localhost")):
            with self.subTest(url=url):
                with self.assertRaises(ValueError) as caught:
                    Client(url=url)
                message = str(caught.exception)
                self.assertTrue(message.startswith(f"{url!r}: unknown scheme {scheme!r}; use "), message)
                for form in ("unix:PATH", "unix: (the per-user default socket)", "tcp://HOST:PORT", "stdout",
                             "file:PATH", ".jsonl/.ndjson"):
                    self.assertIn(form, message)

    def test_a_file_in_a_missing_folder_is_rejected_naming_it(self) -> None:
        missing = os.path.join(self.dir, "no", "such")
        for url in (f"file:{missing}/a.log", f"{missing}/b.jsonl", f"{missing}/c.NDJSON"):
            with self.subTest(url=url):
                with self.assertRaises(ValueError) as caught:
                    Client(url=url)
                self.assertEqual(str(caught.exception),
                                 f"{url!r}: folder {missing} does not exist; create it or choose another path")
        plain_file = os.path.join(self.dir, "plain")
        open(plain_file, "w").close()
        with self.assertRaises(ValueError) as caught:
            Client(url=f"{plain_file}/x.jsonl")
        self.assertEqual(str(caught.exception), f"'{plain_file}/x.jsonl': {plain_file} is not a folder; choose another path")
        self.assertFalse(os.path.exists(os.path.join(self.dir, "no")), "no folder is created")

    def test_a_socket_in_a_missing_folder_is_rejected_naming_it(self) -> None:
        missing = os.path.join(self.dir, "gone")
        url = f"unix:{missing}/s.sock"
        with self.assertRaises(ValueError) as caught:
            Client(url=url)
        self.assertEqual(str(caught.exception), f"{url!r}: folder {missing} does not exist; create it or choose "
                                                "another path (or use unix: for the per-user default socket)")

    def test_a_socket_path_too_long_is_rejected(self) -> None:
        with self.assertRaises(ValueError) as caught:
            Client(url=f"unix:{self.dir}/{'x' * 120}.sock")
        self.assertIn("a Unix socket path must be shorter than", str(caught.exception))

    def test_the_environment_url_gets_the_same_checks(self) -> None:
        missing = os.path.join(self.dir, "gone")
        for value, start in (("http://x", "TRAINSCOPE_URL: 'http://x': unknown scheme 'http'; use "),
                             (f"{missing}/x.jsonl", f"TRAINSCOPE_URL: '{missing}/x.jsonl': folder {missing} does not exist")):
            with self.subTest(TRAINSCOPE_URL=value):
                self.env(TRAINSCOPE_URL=value)
                with self.assertRaises(ValueError) as caught:
                    Client(run="exp")
                self.assertTrue(str(caught.exception).startswith(start), str(caught.exception))

    def test_only_a_rank_that_sends_checks_folders(self) -> None:
        self.env(RANK="1", WORLD_SIZE="2")
        ts = self.client(url=f"{self.dir}/gone/x.jsonl")  # the folder may exist on rank 0's node only
        self.assertFalse(ts.enabled)
        with self.assertRaises(ValueError):
            Client(url="http://x")  # syntax is checked on every rank


class LoudnessTests(ClientTestCase):
    """One warning when the destination cannot be reached; one stderr line at close when events were lost."""

    @contextlib.contextmanager
    def counted_attempts(self) -> Any:
        """Counts connection attempts, with a backoff of a few milliseconds so that there are many."""
        attempts: List[int] = []
        original = Client._open

        def counting(client: Client) -> Any:
            attempts.append(1)
            return original(client)

        with mock.patch.object(trainscope._transport, "_BACKOFF_INITIAL", 0.001), \
                mock.patch.object(trainscope._transport, "_BACKOFF_MAX", 0.002), \
                mock.patch.object(Client, "_open", counting):
            yield attempts

    def test_an_unreachable_dashboard_warns_once_at_the_callers_line(self) -> None:
        absent = os.path.join(self.dir, "absent.sock")
        with self.counted_attempts() as attempts:
            ts = self.client(url=f"unix:{absent}")
            steps = iter(range(10 ** 6))
            self.assertEventually(lambda: ts.log(next(steps), loss=1.0) or len(attempts) >= 20,
                                  "the writer retries many times")
            ts.log(next(steps), loss=1.0)
        caught = self.client_warnings()
        self.assertEqual(len(caught), 1, [str(w.message) for w in caught])
        self.assertIs(caught[0].category, RuntimeWarning)
        self.assertEqual(str(caught[0].message),
                         f"trainscope: cannot reach unix:{absent} (No such file or directory); queuing events and retrying")
        self.assertEqual(os.path.abspath(caught[0].filename), os.path.abspath(__file__), "it points at the log() call")

    def test_close_issues_the_warning_when_no_call_came_after_the_failure(self) -> None:
        with self.counted_attempts() as attempts:
            ts = self.client(url=f"unix:{self.dir}/absent.sock")
            self.assertEventually(lambda: len(attempts) >= 2, "the first attempt has failed")
            self.assertEqual(self.client_warnings(), [])
            ts.close(timeout=0.1)
        caught = self.client_warnings()
        self.assertEqual(len(caught), 1)
        self.assertEqual(os.path.abspath(caught[0].filename), os.path.abspath(__file__), "it points at the close() call")
        self.assertEqual(self.reports(), [], "nothing was logged, so nothing was lost")

    def test_leaving_a_with_block_issues_the_warning_at_the_callers_line(self) -> None:
        with self.counted_attempts() as attempts:
            with Client(url=f"unix:{self.dir}/absent.sock", run="exp") as ts:
                self.assertEventually(lambda: len(attempts) >= 2, "the first attempt has failed")
        self.assertFalse(ts.enabled)
        caught = self.client_warnings()
        self.assertEqual(len(caught), 1)
        self.assertEqual(os.path.abspath(caught[0].filename), os.path.abspath(__file__), "it points at the with block")

    def test_a_warnings_filter_set_to_error_does_not_break_the_training_loop(self) -> None:
        absent = os.path.join(self.dir, "absent.sock")
        expected = f"trainscope: cannot reach unix:{absent} (No such file or directory); queuing events and retrying\n"
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ts = self.client(url=f"unix:{absent}")
            self.assertEventually(lambda: ts.log(0, loss=0.0) or expected in self.stderr.getvalue(),
                                  "the message goes to stderr instead of raising")
        self.assertEqual(self.client_warnings(), [])
        self.assertEqual(self.stderr.getvalue().count(expected), 1)

    def test_a_file_that_cannot_be_opened_warns(self) -> None:
        target = os.path.join(self.dir, "d.jsonl")
        os.mkdir(target)
        ts = self.client(url=target)
        self.assertEventually(lambda: ts.knobs() == {} and self.client_warnings(), "the failure is warned about")
        self.assertEqual(str(self.client_warnings()[0].message),
                         f"trainscope: cannot open {target} (Is a directory); queuing events and retrying")

    def test_close_reports_drops_and_unsent_events_without_a_dashboard(self) -> None:
        ts = self.client(url=f"unix:{self.dir}/absent.sock", buffer=5)
        for step in range(6):
            ts.log(step, loss=float(step))
        ts.close(timeout=0.2)
        self.assertEqual(self.reports(), [
            f"trainscope client: run 'exp': 1 event dropped (queue full), 5 unsent at close to unix:{self.dir}/absent.sock"
        ])
        self.assertEqual(len(self.client_warnings()), 1)
        ts.close()
        self.assertEqual(len(self.reports()), 1, "a second close says nothing")

    def test_close_reports_nothing_when_everything_was_delivered(self) -> None:
        dashboard = self.dashboard()
        ts = self.client()
        for step in range(5):
            ts.log(step, loss=float(step))
        ts.close()
        self.assertEventually(lambda: len(dashboard.raw_lines()) >= 6, "everything arrives")
        self.assertEqual(self.client_warnings(), [])
        self.assertEqual(self.stderr.getvalue(), "")

    def test_close_counts_what_the_writer_holds_when_the_dashboard_stops_reading(self) -> None:
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(server.close)
        server.bind(self.socket_path)
        server.listen(1)  # accepted only after close(): nothing is read meanwhile
        ts = self.client(buffer=200)
        self.assertEventually(lambda: ts.connected, "the client connects")
        wide = {f"metric/{i:03d}": i + 0.123456789 for i in range(100)}
        total = 4000  # about 10 MB: far more than the socket buffers hold
        for step in range(total):
            ts.log(step, wide)
        ts.close(timeout=0.2)
        server.settimeout(10)
        conn, _ = server.accept()
        conn.settimeout(10)
        with conn, conn.makefile("rb") as stream:
            received = stream.read()
        complete = [parse_line(line) for line in received.split(b"\n")[:-1]]  # a cut last line is unsent
        delivered = sum(1 for e in complete if e["type"] == "scalars" and "client/dropped" not in e["values"])
        self.assertEqual(complete[0]["type"], "run")
        [report] = self.reports()
        match = re.fullmatch(rf"trainscope client: run 'exp': (\d+) events dropped \(queue full\), (\d+) unsent "
                             rf"at close to {re.escape(self.url)}", report)
        self.assertIsNotNone(match, report)
        dropped, unsent = int(match.group(1)), int(match.group(2))
        self.assertEqual(dropped, ts.dropped)
        self.assertGreater(dropped, 0)
        self.assertGreater(unsent, 200, "the full queue and the lines the writer had taken")
        self.assertEqual(delivered + dropped + unsent, total, "every event is delivered, dropped or unsent")


# --------------------------------------------------------------------------- the real binary

TRAINSCOPE_BIN = Path(os.environ.get("TRAINSCOPE_BIN") or REPO_ROOT / ".build" / "debug" / "trainscope")

PRODUCER = """
import sys
sys.path.insert(0, sys.argv[1])
from trainscope import Client
ts = Client(url=sys.argv[2], run="exp", all_ranks=sys.argv[3] == "1",
            knobs={"lr": {"value": 0.001, "min": 1e-6, "max": 1.0, "scale": "log"}})
for step in range(10):
    ts.log(step, {"x": float(step)})
sys.stdin.readline()  # stay connected until the test says so
ts.close(timeout=10)
"""


class Trainscope:
    """A trainscope process whose stderr is collected line by line on a thread."""

    def __init__(self, args: List[str], workdir: str, token: Optional[str]) -> None:
        env = dict(os.environ)
        env.pop("TRAINSCOPE_TOKEN", None)
        if token is not None:
            env["TRAINSCOPE_TOKEN"] = token
        self.stdout_path = os.path.join(workdir, "trainscope.stdout")
        with open(self.stdout_path, "wb") as stdout:
            self.proc = subprocess.Popen([str(TRAINSCOPE_BIN), *args], stdin=subprocess.DEVNULL, stdout=stdout,
                                         stderr=subprocess.PIPE, env=env)
        self.stderr_lines: "queue.Queue[str]" = queue.Queue()
        self.stderr: List[str] = []
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self) -> None:
        try:
            for raw in self.proc.stderr:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                self.stderr.append(line)
                self.stderr_lines.put(line)
        except (OSError, ValueError):
            pass

    def stderr_line(self, pattern: str, timeout: float = 30.0) -> re.Match:
        """The first stderr line matching ``pattern`` (waits for it, bounded)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no stderr line matching {pattern!r}; stderr so far: {self.stderr}")
            try:
                line = self.stderr_lines.get(timeout=remaining)
            except queue.Empty:
                continue
            match = re.search(pattern, line)
            if match:
                return match

    def wait(self, timeout: float = 60.0) -> int:
        """The exit status; kills the process if it runs longer than ``timeout`` seconds."""
        try:
            return self.proc.wait(timeout)
        finally:
            self.stop()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(5)  # the process has gone, so its stderr reaches end of file
        self.proc.stderr.close()

    def details(self) -> str:
        with open(self.stdout_path, "rb") as f:
            stdout = f.read().decode("utf-8", "replace")
        return "stderr:\n" + "\n".join(self.stderr) + "\nstdout:\n" + stdout


@unittest.skipUnless(TRAINSCOPE_BIN.is_file() and os.access(TRAINSCOPE_BIN, os.X_OK),
                     f"no trainscope binary at {TRAINSCOPE_BIN} (build it, or set TRAINSCOPE_BIN)")
class RealBinaryTests(ClientTestCase):
    def snapshot(self, fmt: str, token: Optional[str] = TOKEN) -> tuple:
        """Starts `trainscope snapshot unix:DIR/s.sock --format FMT -o DIR/out.FMT`; waits for the socket."""
        output = os.path.join(self.dir, f"out.{fmt}")
        trainscope = Trainscope(["snapshot", self.url, "--format", fmt, "-o", output], self.dir, token)
        self.addCleanup(trainscope.stop)
        self.assertEventually(lambda: os.path.exists(self.socket_path) or trainscope.proc.poll() is not None,
                              "trainscope creates its socket", timeout=30)
        self.assertIsNone(trainscope.proc.poll(), f"trainscope exited early\n{trainscope.details()}")
        return trainscope, output

    def finish(self, trainscope: Trainscope, refusals_expected: bool = False) -> None:
        """Waits for trainscope to end (every producer gone) and checks that it exits 0.

        Refused control lines are answered to their sender and noted, never counted as source
        problems, so they do not change the exit status (``refusals_expected`` documents intent).
        """
        code = trainscope.wait(60)
        self.assertEqual(code, 0, f"trainscope snapshot failed\n{trainscope.details()}")

    def raw_connection(self) -> socket.socket:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(30)
        conn.connect(self.socket_path)
        self.addCleanup(conn.close)
        return conn

    @staticmethod
    def request(conn: socket.socket, reader: Any, message: Dict[str, Any]) -> Dict[str, Any]:
        """Sends one control line and reads trainscope's one-line reply."""
        conn.sendall(json.dumps(message).encode() + b"\n")
        line = reader.readline()
        if not line:
            raise AssertionError(f"trainscope closed the connection instead of answering {message}")
        return json.loads(line)

    def set_until_routed(self, conn: socket.socket, reader: Any, message: Dict[str, Any]) -> Dict[str, Any]:
        """Sends a `set` until trainscope knows the run (its run event may still be on its way)."""
        replies: List[Dict[str, Any]] = []
        wait_until(lambda: replies.append(self.request(conn, reader, message)) or replies[-1].get("ok") is True, 30, 0.02)
        self.assertTrue(replies and replies[-1].get("ok"), f"set was never accepted: {replies[-5:]}")
        self.assertEqual(replies[-1].get("type"), "set")
        return replies[-1]

    def csv_rows(self, path: str) -> List[Dict[str, str]]:
        with open(path, newline="") as f:
            return list(csv.DictReader(f))

    def test_scalars_arrive_at_full_resolution(self) -> None:
        trainscope, output = self.snapshot("csv")
        line = trainscope.stderr_line(r"listening on unix:")
        self.assertIn(self.socket_path, line.string)
        self.assertIn(f"export TRAINSCOPE_TOKEN={TOKEN}", line.string)
        ts = Client(url=self.url, run="exp", task="test")
        for step in range(50):
            ts.log(step, {"train/loss": 1.0 / (step + 1)}, **{"test/acc": step / 50})
        ts.close(timeout=10)
        self.assertEqual(ts.dropped, 0)
        self.finish(trainscope)
        rows = self.csv_rows(output)
        self.assertEqual(list(rows[0])[:3], ["run", "step", "time"])
        self.assertEqual([row["run"] for row in rows], ["exp"] * 50)
        self.assertEqual([int(row["step"]) for row in rows], list(range(50)))
        for step, row in enumerate(rows):
            self.assertEqual(float(row["train/loss"]), 1.0 / (step + 1))
            self.assertEqual(float(row["test/acc"]), step / 50)
            self.assertGreater(float(row["time"]), 0)

    def test_json_snapshot_has_the_run_and_its_series(self) -> None:
        trainscope, output = self.snapshot("json")
        ts = Client(url=self.url, run="exp", task="test", model="mlp", config={"p": 7})
        for step in range(20):
            ts.log(step, loss=float(step))
        ts.close(timeout=10)
        self.finish(trainscope)
        with open(output) as f:
            document = json.load(f)
        runs = {run["id"]: run for run in document["runs"]}
        self.assertEqual(list(runs), ["exp"])
        run = runs["exp"]
        self.assertEqual((run["task"], run["model"], run["config"], run["latest_step"]), ("test", "mlp", {"p": 7}, 19))
        series = {s["name"]: s for s in run["series"]}
        self.assertEqual(series["loss"]["points"], 20)
        self.assertEqual(series["loss"]["step"][-1], 19)
        self.assertEqual(series["loss"]["value"][-1], 19)

    def knob_round_trip(self, trainscope: Trainscope, output: str, token: str) -> None:
        ts = Client(url=self.url, run="exp", knobs={"lr": LR}, token=token)
        for step in range(5):
            ts.log(step, loss=1.0)
        self.assertEventually(lambda: ts.connected, "the client connects", timeout=30)
        conn = self.raw_connection()
        reader = conn.makefile("rb")
        self.addCleanup(reader.close)
        self.set_until_routed(conn, reader, {"v": 1, "type": "set", "run": "exp", "knob": "lr", "value": 0.5, "token": token})
        refused = self.request(conn, reader, {"v": 1, "type": "set", "run": "exp", "knob": "lr", "value": 0.25})
        self.assertIs(refused.get("ok"), False, refused)
        self.assertIn("token", refused.get("error", "").lower(), refused)
        wrong = self.request(conn, reader, {"v": 1, "type": "set", "run": "exp", "knob": "lr", "value": 0.25, "token": token + "0"})
        self.assertIs(wrong.get("ok"), False, wrong)
        changes: Dict[str, Any] = {}
        self.assertEventually(lambda: changes.update(ts.knobs()) or changes, "the change reaches the client", timeout=30)
        self.assertEqual(changes, {"lr": 0.5})
        self.assertEqual(ts.refused_controls, 0)
        for step in range(5, 10):
            ts.log(step, loss=0.5)
        reader.close()
        conn.close()
        ts.close(timeout=10)
        self.finish(trainscope, refusals_expected=True)
        with open(output) as f:
            run = next(r for r in json.load(f)["runs"] if r["id"] == "exp")
        user_changes = [c for c in run["knob_changes"] if c["by"] == "user"]
        self.assertEqual(user_changes, [{"step": 4, "name": "lr", "old": 0.001, "new": 0.5, "by": "user"}])
        self.assertEqual([k for k in run["knobs"] if k["name"] == "lr"], [{"name": "lr", "value": 0.5}])

    def test_knob_round_trip_through_trainscope(self) -> None:
        trainscope, output = self.snapshot("json")
        self.knob_round_trip(trainscope, output, TOKEN)

    def test_generated_token_is_printed_and_works(self) -> None:
        trainscope, output = self.snapshot("json", token=None)
        token = trainscope.stderr_line(r"export TRAINSCOPE_TOKEN=([0-9a-fA-F]+)").group(1)
        self.assertRegex(token, r"^[0-9a-fA-F]{32}$")
        self.knob_round_trip(trainscope, output, token)

    def run_ranks(self, all_ranks: bool) -> List[str]:
        trainscope, output = self.snapshot("csv")
        producers = []
        for rank in (0, 1):
            env = dict(os.environ, RANK=str(rank), WORLD_SIZE="2", TRAINSCOPE_TOKEN=TOKEN)
            proc = subprocess.Popen([sys.executable, "-c", PRODUCER, str(CLIENT_DIR), self.url, "1" if all_ranks else "0"],
                                    stdin=subprocess.PIPE, env=env)
            self.addCleanup(lambda p=proc: (p.poll() is None and p.kill(), p.wait()))
            producers.append(proc)
        # Both producers must be connected before either leaves (the snapshot ends when all have gone):
        # a routed `set` proves trainscope knows a run.
        conn = self.raw_connection()
        reader = conn.makefile("rb")
        self.addCleanup(reader.close)
        for run in (("exp/rank0", "exp/rank1") if all_ranks else ("exp",)):
            self.set_until_routed(conn, reader, {"v": 1, "type": "set", "run": run, "knob": "lr", "value": 0.5, "token": TOKEN})
        reader.close()
        conn.close()
        for proc in producers:
            proc.stdin.write(b"go\n")
            proc.stdin.close()
        for proc in producers:
            self.assertEqual(proc.wait(60), 0)
        self.finish(trainscope, refusals_expected=True)
        rows = self.csv_rows(output)
        for run in {row["run"] for row in rows}:
            self.assertEqual([int(row["step"]) for row in rows if row["run"] == run], list(range(10)), run)
        return sorted({row["run"] for row in rows})

    def test_only_rank_zero_sends_by_default(self) -> None:
        self.assertEqual(self.run_ranks(all_ranks=False), ["exp"])

    def test_all_ranks_send_tagged_runs(self) -> None:
        self.assertEqual(self.run_ranks(all_ranks=True), ["exp/rank0", "exp/rank1"])

    def test_no_dashboard_listening(self) -> None:
        ts = Client(url=f"unix:{self.dir}/absent.sock", run="exp", buffer=100)
        for step in range(1000):
            ts.log(step, loss=float(step))
        ts.close(timeout=1)
        self.assertEqual(ts.dropped, 900)
        self.assertEqual(self.reports(), [
            f"trainscope client: run 'exp': 900 events dropped (queue full), 100 unsent at close to unix:{self.dir}/absent.sock"
        ])
        self.assertEqual(len(self.client_warnings()), 1)

    def test_a_dashboard_that_comes_late_gets_the_kept_events_and_the_drop_count(self) -> None:
        ts = Client(url=self.url, run="exp", buffer=100)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for step in range(1000):
                ts.log(step, loss=float(step))
        self.assertEqual([str(w.message).split(" (")[0] for w in caught], [f"trainscope: cannot reach {self.url}"],
                         "one warning, however many calls")
        self.assertEqual(ts.dropped, 900)
        trainscope, output = self.snapshot("json")
        self.assertEventually(lambda: ts.connected, "the client finds the late dashboard", timeout=30)
        ts.close(timeout=10)
        self.finish(trainscope)
        with open(output) as f:
            run = next(r for r in json.load(f)["runs"] if r["id"] == "exp")
        series = {s["name"]: s for s in run["series"]}
        self.assertEqual(series["loss"]["points"], 100, "the newest 100 steps were kept")
        self.assertEqual(series["loss"]["step"][0], 900)
        self.assertEqual(series["client/dropped"]["value"][-1], 900, "the dashboard is told how many were dropped")
        self.assertEqual(self.reports(), [f"trainscope client: run 'exp': 900 events dropped (queue full), 0 unsent at close to {self.url}"])


if __name__ == "__main__":
    unittest.main()
