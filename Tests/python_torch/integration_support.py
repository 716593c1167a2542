"""Shared by the integration tests (SummaryWriter, Hugging Face, Lightning, torchrun): a fake dashboard and helpers.

The fake dashboard is a Unix-socket listener standing in for trainscope: it records every NDJSON
line a producer sends, can send control lines back, and can react to events from its reader thread
(``react``), as a person at the dashboard would. Nothing sleeps to synchronise: waits poll a
condition with a bound.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional
from unittest import mock

REPO_ROOT = Path(__file__).resolve().parents[2]
SRC = REPO_ROOT / "python" / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

TOKEN = "0123456789abcdef0123456789abcdef"
CLIENT_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "TRAINSCOPE_URL", "TRAINSCOPE_TOKEN")
TRAINSCOPE_BIN = Path(os.environ.get("TRAINSCOPE_BIN", "/tmp/trainscope-bin"))
if not TRAINSCOPE_BIN.is_file():
    TRAINSCOPE_BIN = REPO_ROOT / ".build" / "debug" / "trainscope"


def wait_until(condition: Callable[[], Any], timeout: float = 20.0, interval: float = 0.005) -> bool:
    """Polls ``condition`` until it is truthy or ``timeout`` seconds passed; returns whether it held."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def control(kind: str, **fields: Any) -> Dict[str, Any]:
    """A control line as trainscope sends it to a producer, with the session token."""
    return {"v": 1, "type": kind, **fields, "token": TOKEN}


class FakeDashboard:
    """A Unix-socket listener standing in for trainscope: records lines, sends and reacts with control lines."""

    def __init__(self, path: str, react: Optional[Callable[["FakeDashboard", Dict[str, Any]], None]] = None) -> None:
        self.path = path
        self.react = react
        self._lock = threading.Lock()
        self._events: List[Dict[str, Any]] = []
        self._connections: List[socket.socket] = []
        self._stopped = threading.Event()
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(path)
        self._server.listen(8)
        self._server.settimeout(0.02)
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()
        self.errors: List[str] = []

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
                self._connections.append(conn)
            thread = threading.Thread(target=self._read, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _read(self, conn: socket.socket) -> None:
        try:
            with conn.makefile("rb") as lines:
                for raw in lines:
                    event = json.loads(raw)
                    with self._lock:
                        self._events.append(event)
                    if self.react is not None:
                        try:
                            self.react(self, event)
                        except Exception as error:  # reported by the test, never kills the reader
                            self.errors.append(f"{type(error).__name__}: {error}")
        except (OSError, ValueError):
            pass

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._connections)

    def events(self, kind: Optional[str] = None) -> List[Dict[str, Any]]:
        with self._lock:
            return [e for e in self._events if kind is None or e["type"] == kind]

    def values(self) -> Dict[str, Dict[int, float]]:
        """Every metric's values by step, from the ``scalars`` events (a later value wins)."""
        series: Dict[str, Dict[int, float]] = {}
        for event in self.events("scalars"):
            for name, value in event["values"].items():
                series.setdefault(name, {})[event["step"]] = value
        return series

    def send(self, message: Dict[str, Any], connection: int = -1) -> None:
        """Sends a control line to a producer's connection (default: the newest); waits for one to connect."""
        if not wait_until(lambda: self.connections > 0):
            raise AssertionError("no producer connected to the fake dashboard")
        with self._lock:
            conn = self._connections[connection]
        conn.sendall(json.dumps(message).encode() + b"\n")

    def stop(self) -> None:
        self._stopped.set()
        self._server.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        for thread in self._threads:
            thread.join(5)


class IntegrationTestCase(unittest.TestCase):
    """A temporary directory with a socket path, a clean client environment, captured stderr."""

    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="tsint")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.socket_path = os.path.join(self.dir, "s.sock")
        self.url = f"unix:{self.socket_path}"
        patcher = mock.patch.dict(os.environ)
        patcher.start()
        self.addCleanup(patcher.stop)
        for name in CLIENT_ENV:
            os.environ.pop(name, None)
        self.stderr = io.StringIO()
        redirect = contextlib.redirect_stderr(self.stderr)
        redirect.__enter__()
        self.addCleanup(redirect.__exit__, None, None, None)

    def dashboard(self, react: Optional[Callable[[FakeDashboard, Dict[str, Any]], None]] = None) -> FakeDashboard:
        dashboard = FakeDashboard(self.socket_path, react)
        self.addCleanup(dashboard.stop)
        return dashboard

    def assertEventually(self, condition: Callable[[], Any], message: str, timeout: float = 20.0) -> None:
        self.assertTrue(wait_until(condition, timeout), message)


def blocked_in(thread: threading.Thread, function: str) -> bool:
    """Whether ``thread`` is inside a call of ``function`` right now (its stack names it)."""
    frame = sys._current_frames().get(thread.ident or -1)
    while frame is not None:
        if frame.f_code.co_name == function:
            return True
        frame = frame.f_back
    return False


class Trainscope:
    """The real trainscope binary as a subprocess (``snapshot`` of a socket or of files)."""

    def __init__(self, args: List[str], workdir: str) -> None:
        env = dict(os.environ, TRAINSCOPE_TOKEN=TOKEN)
        self.stderr_path = os.path.join(workdir, f"trainscope-{len(os.listdir(workdir))}.stderr")
        with open(self.stderr_path, "wb") as stderr:
            self.proc = subprocess.Popen([str(TRAINSCOPE_BIN), *args], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=stderr, env=env)

    def wait(self, timeout: float = 60.0) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self.stop()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stderr(self) -> str:
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


def snapshot_series(path: str) -> Dict[str, Dict[str, Dict[int, float]]]:
    """A snapshot JSON's runs: run id → metric → step → value."""
    with open(path) as f:
        document = json.load(f)
    return {
        run["id"]: {s["name"]: dict(zip(s["step"], s["value"])) for s in run["series"]}
        for run in document["runs"]
    }


def snapshot_runs(path: str) -> Dict[str, Dict[str, Any]]:
    with open(path) as f:
        return {run["id"]: run for run in json.load(f)["runs"]}


__all__ = [
    "FakeDashboard", "IntegrationTestCase", "REPO_ROOT", "SRC", "TOKEN", "TRAINSCOPE_BIN", "Trainscope",
    "blocked_in", "control", "snapshot_runs", "snapshot_series", "wait_until",
]
