"""The writer thread behind :class:`trainscope.Client`: a bounded queue, connections, and sinks.

Producers append serialized lines under a lock and never block; one daemon thread connects (with
backoff), writes, and reads the control lines the dashboard sends back. :class:`Transport` knows
nothing about event kinds beyond which ones may be dropped; the client supplies the ``run`` line
and applies control lines through two hooks.
"""

from __future__ import annotations

import itertools
import math
import os
import selectors
import socket
import threading
import time
import warnings
from collections import deque
from collections.abc import Mapping
from typing import Any, Deque, Dict, List, Optional, Tuple

from ._control import LineReader
from ._destination import Target, default_folder_problem
from ._events import PROTOCOL_VERSION, as_step, dumps
from ._queue import EventQueue
from ._sinks import DEAD, LOST, StreamSink, close_sink, warn_stderr

_BACKOFF_INITIAL = 0.2
_BACKOFF_MAX = 5.0
_CONNECT_TIMEOUT = 2.0
_IDLE_TIMEOUT = 1.0
_CLOSE_LINGER = 0.5
_BATCH_BYTES = 1 << 16
_MSG_NOSIGNAL = getattr(socket, "MSG_NOSIGNAL", 0)

# Outcomes of serving one connection: the client closed (or the time is up), or LOST/DEAD.
_DONE = "done"

Carry = Deque[Tuple[bytes, Optional[str]]]


class Transport:
    """The queue and writer thread of one producer; :class:`trainscope.Client` is its one subclass."""

    def __init__(self, target: Target, capacity: int, run_id: str, rank: int, all_ranks: bool, enabled: bool) -> None:
        self._target = target
        self.run_id = run_id
        self.rank = rank
        self.all_ranks = all_ranks
        self._enabled = enabled
        # Guards the pending warning here, and the client's knob and control state.
        self._lock = threading.Lock()
        self._queue = EventQueue(capacity)
        self._dropped_reported = 0
        self._last_step = 0
        # Lines the writer has taken from the queue but not yet sent (it owns it; close() counts it).
        self._carry: Carry = deque()
        # The one "cannot reach" warning: set once by the writer, issued (and cleared) on a caller's thread.
        self._failure_noted = False
        self._pending_warning: Optional[str] = None
        self._connected = False
        self._closing = threading.Event()
        self._deadline = math.inf
        self._thread: Optional[threading.Thread] = None

    def _start(self) -> None:
        """Starts the writer thread (only for a producer that sends)."""
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._thread = threading.Thread(target=self._writer, name=f"trainscope-client[{self.run_id}]", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ hooks for the client

    def _run_line(self) -> bytes:
        """The ``run`` event every connection starts with."""
        raise NotImplementedError

    def _on_control_line(self, raw: bytes) -> None:
        """Applies one line the dashboard sent."""
        raise NotImplementedError

    def _connection_lost(self) -> None:
        """Called by the writer after a connection ended before the client closed."""

    # ------------------------------------------------------------------ producing side

    def _note_failure(self, error: BaseException) -> None:
        """Writer thread: the first failure to reach the destination queues this client's one warning."""
        if self._failure_noted:
            return
        self._failure_noted = True
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        verb = "open" if self._target.kind == "file" else "reach"
        with self._lock:
            self._pending_warning = (
                f"trainscope: cannot {verb} {self._target.text} ({reason}); queuing events and retrying"
            )

    def _issue_warning(self, stacklevel: int) -> None:
        """Issues the pending "cannot reach" warning, if any, attributed ``stacklevel`` frames up from the caller.

        The writer thread only notes the failure (:meth:`_note_failure`); warning from it would be
        fragile: ``warnings.catch_warnings`` and the filters are process-global state that a thread
        reads only by chance while a test holds them (and per-context in Python 3.14 builds with
        context-aware warnings), and its stack is not the user's. Issued here, on the training
        thread, filters and ``catch_warnings`` work and the warning points at the user's call.
        """
        with self._lock:
            message, self._pending_warning = self._pending_warning, None
        if message is None:
            return
        try:
            warnings.warn(message, RuntimeWarning, stacklevel=stacklevel + 1)
        except Exception:
            # A filter that turns warnings into errors must not make a call raise because of the
            # network: the text goes to standard error instead.
            warn_stderr(message)


    def _unsent(self) -> int:
        """Events queued or taken by the writer but not yet written (the run/drop-report lines aside)."""
        queued = len(self._queue)
        try:
            carried = sum(1 for _, tag in tuple(self._carry) if tag is None)
        except RuntimeError:  # changed while copied: the writer outlived close()'s join, count none
            carried = 0
        return queued + carried

    def _report_losses(self) -> None:
        """At close: one line on standard error when events were dropped or are left unsent."""
        dropped, unsent = self._queue.dropped, self._unsent()
        if dropped or unsent:
            warn_stderr(
                f"trainscope client: run {self.run_id!r}: {dropped} event{'' if dropped == 1 else 's'} dropped "
                f"(queue full), {unsent} unsent at close to {self._target.text}"
            )

    def _emit(self, kind: str, step: Any, fields: Mapping[str, Any]) -> None:
        """Serializes one event and queues it."""
        step = as_step(step)
        self._last_step = step
        event: Dict[str, Any] = {"v": PROTOCOL_VERSION, "type": kind, "run": self.run_id}
        if self.all_ranks:
            event["rank"] = self.rank
        event["step"] = step
        event["time"] = time.time()
        event.update(fields)
        self._push(kind, dumps(event))

    def _push(self, kind: str, line: bytes) -> None:
        if self._queue.push(kind, line):
            self._wake()

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except (OSError, AttributeError):
            pass

    # ------------------------------------------------------------------ writer thread

    def _take(self, limit: int = _BATCH_BYTES) -> List[Tuple[bytes, Optional[str]]]:
        return [(line, None) for line in self._queue.take(limit)]

    def _arm(self) -> bool:
        return self._queue.arm()

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass

    def _remaining(self) -> float:
        return self._deadline - time.monotonic()

    def _drop_report(self) -> Optional[Tuple[bytes, str]]:
        """A ``client/dropped`` scalars line when events were dropped since the last report."""
        total = self._queue.dropped
        if total <= self._dropped_reported:
            return None
        self._dropped_reported = total
        event: Dict[str, Any] = {"v": PROTOCOL_VERSION, "type": "scalars", "run": self.run_id}
        if self.all_ranks:
            event["rank"] = self.rank
        event.update(step=self._last_step, time=time.time(), values={"client/dropped": total})
        return dumps(event), "dropped"

    def _head(self, carry: Carry) -> None:
        """Puts the run event (and a drop report) in front of what a new connection sends."""
        head: List[Tuple[bytes, Optional[str]]] = [(self._run_line(), "run")]
        report = self._drop_report()
        if report is not None:
            head.append(report)
        carry.extendleft(reversed(head))

    def _forget_head(self, carry: Carry, reported_before: int) -> None:
        """After a lost connection: unsent run/drop-report lines are rebuilt on the next one."""
        while carry and carry[0][1] is not None:
            if carry.popleft()[1] == "dropped":
                self._dropped_reported = min(self._dropped_reported, reported_before)

    def _writer(self) -> None:
        sink: Any = None
        try:
            carry = self._carry
            backoff = _BACKOFF_INITIAL
            while self._remaining() > 0:
                sink = self._open()
                if sink is None:
                    if self._closing.is_set():
                        return
                    self._closing.wait(backoff)
                    backoff = min(backoff * 2, _BACKOFF_MAX)
                    continue
                backoff = _BACKOFF_INITIAL
                reported_before = self._dropped_reported
                self._head(carry)
                self._connected = True
                try:
                    if isinstance(sink, socket.socket):
                        outcome = self._serve_socket(sink, carry)
                    else:
                        outcome = self._serve_stream(sink, carry)
                finally:
                    self._connected = False
                    close_sink(sink)
                    sink = None
                if outcome in (_DONE, DEAD):
                    return
                self._forget_head(carry, reported_before)
                self._connection_lost()
                self._closing.wait(backoff)
                backoff = min(backoff * 2, _BACKOFF_MAX)
        except Exception as error:  # a bug here must never reach the training loop
            warn_stderr(f"trainscope client: writer stopped: {type(error).__name__}: {error}")
        finally:
            if sink is not None:
                close_sink(sink)
            self._connected = False
            self._enabled = False
            for s in (self._wake_r, self._wake_w):
                try:
                    s.close()
                except OSError:
                    pass

    def _open(self) -> Any:
        """A connected non-blocking socket, a ``StreamSink``, or None when it cannot be opened now."""
        kind, address = self._target.kind, self._target.address
        if kind == "stdout":
            return StreamSink(None)
        if kind == "file":
            try:
                return StreamSink(os.open(address, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))
            except OSError as error:
                self._note_failure(error)
                return None
        if self._target.default:
            problem = default_folder_problem(address)
            if problem is not None:
                self._note_failure(PermissionError(problem))
                return None
        sock: Optional[socket.socket] = None
        try:
            if kind == "unix":
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(_CONNECT_TIMEOUT)
                sock.connect(address)
            else:
                sock = socket.create_connection(address, timeout=_CONNECT_TIMEOUT)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if hasattr(socket, "SO_NOSIGPIPE"):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_NOSIGPIPE, 1)
            sock.setblocking(False)
            return sock
        except OSError as error:
            if sock is not None:
                sock.close()
            self._note_failure(error)
            return None

    def _serve_socket(self, sock: socket.socket, carry: Carry) -> str:
        """Writes queued lines and reads control lines until the connection ends or the client closes."""
        reader = LineReader()
        offset = 0  # bytes of carry[0] already sent
        with selectors.DefaultSelector() as selector:
            selector.register(self._wake_r, selectors.EVENT_READ)
            selector.register(sock, selectors.EVENT_READ)
            mask = selectors.EVENT_READ
            while True:
                if self._remaining() <= 0:
                    return _DONE
                if len(carry) < 64:
                    carry.extend(self._take())
                    report = self._drop_report()
                    if report is not None:
                        carry.append(report)
                if not carry and self._closing.is_set():
                    self._linger(sock, reader)
                    return _DONE
                timeout = _IDLE_TIMEOUT
                if not carry and not self._arm():
                    continue
                if self._closing.is_set():
                    timeout = max(0.0, min(timeout, self._remaining()))
                want = selectors.EVENT_READ | (selectors.EVENT_WRITE if carry else 0)
                if want != mask:
                    selector.modify(sock, want)
                    mask = want
                for key, events in selector.select(timeout):
                    if key.fileobj is self._wake_r:
                        self._drain_wake()
                        continue
                    if events & selectors.EVENT_READ:
                        try:
                            data = sock.recv(65536)
                        except (BlockingIOError, InterruptedError):
                            data = None
                        except OSError:
                            return LOST
                        if data == b"":
                            return LOST
                        if data:
                            for line in reader.feed(data):
                                self._on_control_line(line)
                    if events & selectors.EVENT_WRITE and carry:
                        chunk = bytearray(carry[0][0][offset:])
                        for line, _ in itertools.islice(carry, 1, None):
                            if len(chunk) >= _BATCH_BYTES:
                                break
                            chunk += line
                        try:
                            sent = sock.send(chunk, _MSG_NOSIGNAL)
                        except (BlockingIOError, InterruptedError):
                            sent = 0
                        except OSError:
                            return LOST  # carry[0] is resent whole on the next connection
                        sent += offset
                        while carry and sent >= len(carry[0][0]):
                            sent -= len(carry.popleft()[0])
                        offset = sent

    def _linger(self, sock: socket.socket, reader: LineReader) -> None:
        """Half-closes and reads until the peer closes (briefly), so the last lines are not reset away."""
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            return
        end = time.monotonic() + max(0.0, min(_CLOSE_LINGER, self._remaining()))
        with selectors.DefaultSelector() as selector:
            selector.register(sock, selectors.EVENT_READ)
            while True:
                left = end - time.monotonic()
                if left <= 0 or not selector.select(left):
                    return
                try:
                    data = sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    return
                if not data:
                    return
                for line in reader.feed(data):
                    self._on_control_line(line)

    def _serve_stream(self, sink: "StreamSink", carry: Carry) -> str:
        """Writes queued lines to stdout or a file until the client closes."""
        with selectors.DefaultSelector() as selector:
            selector.register(self._wake_r, selectors.EVENT_READ)
            while True:
                if self._remaining() <= 0:
                    return _DONE
                if not carry:
                    carry.extend(self._take())
                    report = self._drop_report()
                    if report is not None:
                        carry.append(report)
                if carry:
                    outcome = sink.write(b"".join(line for line, _ in carry))
                    if outcome is not None:
                        return outcome
                    carry.clear()
                    continue
                if self._closing.is_set():
                    return _DONE
                if not self._arm():
                    continue
                for _ in selector.select(_IDLE_TIMEOUT):
                    self._drain_wake()
