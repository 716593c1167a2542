"""The producer: :class:`Client` sends events to a trainscope dashboard and takes its knobs."""

from __future__ import annotations

import atexit
import os
import threading
import time
import weakref
from collections.abc import Mapping
from typing import Any, Dict, Optional, Sequence, Tuple, Union

from ._control import parse_control_line
from ._destination import check_target, env_int, parse_url
from ._events import (
    PROTOCOL_VERSION,
    Number,
    dumps,
    histogram_fields,
    jsonable,
    pareto_fields,
    phase_fields,
    scalars_fields,
    spectrum_fields,
)
from ._knobs import KnobValue, coerce_knob_value, knob_specs
from ._transport import Transport

_CLIENTS: "weakref.WeakSet[Client]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # A forked child (e.g. a DataLoader worker) has no writer thread: make its clients inert.
    for client in list(_CLIENTS):
        client._disable()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Client(Transport):
    """A trainscope producer: events out, knob changes and pause/stop in.

    Args:
        url: ``unix:PATH``, ``unix:`` (the per-user default socket, :func:`default_socket_path`),
            ``tcp://HOST:PORT``, ``-`` or ``stdout``, ``file:PATH`` or a path ending
            ``.jsonl``/``.ndjson`` (appended to). Default: env ``TRAINSCOPE_URL``, else stdout.
        run: the run id. With ``all_ranks`` it becomes ``f"{run}/rank{RANK}"``.
        task, model: short descriptions for the dashboard.
        config: the run's configuration (a mapping, or an ``argparse.Namespace``).
        knobs: knobs the dashboard may set, ``{"lr": {"value": 1e-3, "min": 1e-6, "max": 1.0,
            "scale": "log"}, "optimizer": {"value": "adam", "choices": ["sgd", "adam"]}}``; spec keys
            are ``value`` (required), ``min``, ``max``, ``scale`` (``"lin"``/``"log"``), ``step``, ``choices``.
        all_ranks: send from every rank (env ``RANK``), tagging run ids and events with the rank.
            By default only rank 0 sends and every call on other ranks is a cheap no-op.
        buffer: the most events queued while the dashboard is slow or absent.
        token: the session token control lines must carry; default env ``TRAINSCOPE_TOKEN``.
            Without one, every control line is refused.

    Raises:
        ValueError: for a malformed ``url``, knob spec or ``buffer``, and for a destination that can
        never be used: an unknown scheme, a file or ``unix:PATH`` socket whose folder does not exist
        (not the default socket's: the dashboard creates it), a socket path too long for ``AF_UNIX``.
        ``TRAINSCOPE_URL`` is checked the same way. Nothing after construction raises because of
        the network.

    Warns:
        RuntimeWarning: once, the first time the destination cannot be reached (issued by the next
        call on the training thread); events stay queued and connecting is retried.
    """

    def __init__(
        self,
        url: Optional[str] = None,
        run: str = "run",
        task: Optional[str] = None,
        model: Optional[str] = None,
        config: Optional[Any] = None,
        knobs: Optional[Mapping[str, Any]] = None,
        all_ranks: bool = False,
        buffer: int = 10000,
        token: Optional[str] = None,
    ) -> None:
        if isinstance(buffer, bool) or not isinstance(buffer, int) or buffer < 1:
            raise ValueError(f"buffer must be a positive integer, got {buffer!r}")
        if not isinstance(run, str) or not run:
            raise ValueError(f"run must be a non-empty string, got {run!r}")
        rank = env_int("RANK", 0)
        #: The job's size (env ``WORLD_SIZE``, default 1); ``rank`` is this process's (env ``RANK``, default 0).
        self.world_size: int = env_int("WORLD_SIZE", 1)
        enabled = bool(all_ranks) or rank == 0
        url_text = url if url is not None else (os.environ.get("TRAINSCOPE_URL") or "-")
        try:
            target = parse_url(url_text)
            if enabled:  # another node's rank may lack a folder that only rank 0 writes in
                check_target(target, url_text)
        except ValueError as error:
            if url is None:
                raise ValueError(f"TRAINSCOPE_URL: {error}") from None
            raise
        run_id = f"{run}/rank{rank}" if all_ranks else run
        super().__init__(target, buffer, run_id, rank, bool(all_ranks), enabled)
        token = token if token is not None else os.environ.get("TRAINSCOPE_TOKEN")
        self._token: Optional[bytes] = token.encode("utf-8") if token else None

        if config is not None and not isinstance(config, Mapping) and hasattr(config, "__dict__"):
            config = vars(config)
        self._task = task
        self._model = model
        self._config = jsonable(dict(config)) if config is not None else None
        self._knob_specs = knob_specs(knobs)
        self._knob_values: Dict[str, KnobValue] = {name: spec["value"] for name, spec in self._knob_specs.items()}
        self._start_time = time.time()
        self._refused = 0
        self._pending_knobs: Dict[str, KnobValue] = {}
        self._pause_state = threading.Condition()
        self._paused = False
        self._stop_requested = False
        self._closed = False

        if enabled:
            _CLIENTS.add(self)
            atexit.register(self.close)
            self._start()

    # ------------------------------------------------------------------ public API: events

    def log(self, step: int, values: Optional[Mapping[str, Any]] = None, **metrics: Any) -> None:
        """Logs metric values at ``step``: a dict and/or keywords (keywords win on a clash).

        NaN and infinities are written as ``"NaN"``/``"Infinity"``/``"-Infinity"``. Values may be
        Python numbers, numpy scalars or one-element tensors.
        """
        if not self._active():
            return
        fields = scalars_fields(values, metrics)
        if fields is not None:
            self._emit("scalars", step, fields)

    def spectrum(
        self,
        step: int,
        top: Sequence[Number],
        trace: Optional[Number] = None,
        density: Optional[Union[Mapping[str, Any], Sequence[Any]]] = None,
        estimator: Optional[Mapping[str, Any]] = None,
        cost: Optional[Union[Mapping[str, Number], Tuple[int, float]]] = None,
        *,
        trace_stderr: Optional[Number] = None,
        ritz: Optional[Union[Mapping[str, Any], Sequence[Any]]] = None,
        block: Optional[str] = None,
    ) -> None:
        """Logs a Hessian spectrum estimate at ``step``.

        Args:
            top: top eigenvalues (sorted descending here).
            trace, trace_stderr: a trace estimate and its standard error.
            density: ``(grid, values)``, ``(grid, values, width)`` or ``{"grid", "values", "width"}``.
            estimator: free-form settings, e.g. ``{"method": "lanczos", "iterations": 20}``.
            cost: ``(hvps, seconds)`` or ``{"hvps": ..., "seconds": ...}``.
            ritz: ``(nodes, weights)`` or ``{"nodes", "weights"}``.
            block: the parameter block the Hessian is over (absent: all parameters).
        """
        if not self._active():
            return
        self._emit("spectrum", step, spectrum_fields(top, trace, density, estimator, cost, trace_stderr, ritz, block))

    def pareto(
        self,
        step: int,
        objectives: Sequence[Union[Tuple[str, str], Mapping[str, str]]],
        points: Sequence[Union[Sequence[Number], Mapping[str, Any]]],
        labels: Optional[Sequence[Optional[str]]] = None,
        reference: Optional[Sequence[Number]] = None,
    ) -> None:
        """Logs candidates over two or three objectives.

        Args:
            objectives: ``[("params", "min"), ("acc", "max")]`` (or ``{"name", "direction"}`` dicts).
            points: one value per objective each, ``[[1e5, 0.9], ...]`` (or ``{"values", "label"}`` dicts).
            labels: optional labels, one per point.
            reference: optional hypervolume reference point.
        """
        if not self._active():
            return
        self._emit("pareto", step, pareto_fields(objectives, points, labels, reference))

    def phase(self, step: int, name: str, message: Optional[str] = None, **evidence: Any) -> None:
        """Reports a detected phase (``memorization``, ``generalization``, ``diverged``, ...) with its evidence."""
        if not self._active():
            return
        self._emit("phase", step, phase_fields(name, message, evidence))

    def histogram(self, step: int, name: str, edges: Sequence[Number], counts: Sequence[Number]) -> None:
        """Logs a distribution: ``counts[i]`` values fell in ``[edges[i], edges[i+1])``."""
        if not self._active():
            return
        self._emit("histogram", step, histogram_fields(name, edges, counts))

    def update_config(self, values: Mapping[str, Any]) -> None:
        """Merges ``values`` into the run's config and announces the run again (its ``run`` event updates it)."""
        if not self._active():
            return
        merged: Dict[str, Any] = dict(self._config or {})
        merged.update(jsonable(dict(values)))
        self._config = merged
        self._push("run", self._run_line())

    # ------------------------------------------------------------------ public API: control

    def knobs(self, step: Optional[int] = None) -> Dict[str, KnobValue]:
        """The knob changes received since the last call, ``{"lr": 0.01}``; never blocks.

        Each change is also logged as a ``knob`` event (``by: "user"``) at ``step``, the step it
        applies from (default: the latest step logged). Setting a knob to its current value is not
        a change. Other ranks (see ``all_ranks``) get ``{}``.
        """
        if not self._active():
            return {}
        changes: Dict[str, Tuple[Optional[KnobValue], KnobValue]] = {}
        with self._lock:
            pending, self._pending_knobs = self._pending_knobs, {}
            for name, new in pending.items():
                old = self._knob_values.get(name)
                if new == old and type(new) is type(old):
                    continue
                self._knob_values[name] = new
                changes[name] = (old, new)
        at = self._last_step if step is None else step
        for name, (old, new) in changes.items():
            self._emit("knob", at, {"name": name, "old": old, "new": new, "by": "user"})
        return {name: new for name, (_, new) in changes.items()}

    @property
    def paused(self) -> bool:
        """True after a ``pause`` control line until ``resume`` (or until the connection is lost)."""
        return self._paused

    @property
    def stop_requested(self) -> bool:
        """True once a ``stop`` control line arrived: the training loop should end."""
        return self._stop_requested

    def wait_while_paused(self, timeout: Optional[float] = None) -> bool:
        """Blocks while paused (not after ``stop`` or ``close``).

        Returns:
            True when training may go on, False when ``timeout`` seconds passed while still paused.
        """
        if not self._enabled:
            return True
        deadline = None if timeout is None else time.monotonic() + max(0.0, timeout)
        with self._pause_state:
            while self._paused and not self._stop_requested and not self._closed:
                if deadline is None:
                    self._pause_state.wait()
                else:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    self._pause_state.wait(remaining)
        return True

    @property
    def dropped(self) -> int:
        """Events dropped because the queue was full."""
        return self._queue.dropped

    @property
    def refused_controls(self) -> int:
        """Control lines refused because their token was missing or wrong."""
        return self._refused

    @property
    def connected(self) -> bool:
        """Whether a connection (or stdout/file sink) is open right now and its ``run`` event was queued first."""
        return self._connected

    @property
    def enabled(self) -> bool:
        """Whether calls send anything: rank 0 (or every rank with ``all_ranks``) until closed or its stdout broke."""
        return self._enabled

    def close(self, timeout: float = 2.0) -> None:
        """Flushes queued events for at most ``timeout`` seconds, then closes; idempotent.

        Later calls are no-ops. Also runs at interpreter exit. When events were dropped (queue
        full) or are still unsent when the time is up, says so in one line on standard error:
        ``trainscope client: run 'exp': 1234 events dropped (queue full), 56 unsent at close to
        unix:/x.sock``; nothing when all were delivered.
        """
        self._close(timeout, 3)

    def _close(self, timeout: float, stacklevel: int) -> None:
        """:meth:`close`; ``stacklevel`` (from here) is the user's frame, for the pending warning."""
        if self._closed:
            return
        self._closed = True
        try:
            atexit.unregister(self.close)
        except Exception:
            pass
        with self._pause_state:
            self._pause_state.notify_all()
        thread = self._thread
        if thread is None:
            return
        timeout = max(0.0, float(timeout))
        self._deadline = time.monotonic() + timeout
        self._closing.set()
        self._wake()
        if thread is not threading.current_thread():
            thread.join(timeout + 0.25)
        self._issue_warning(stacklevel)
        self._report_losses()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._close(2.0, 3)

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("connected" if self._connected else "not connected")
        return f"<trainscope Client run={self.run_id!r} to {self._target.text!r}, {state}, dropped={self._queue.dropped}>"

    # ------------------------------------------------------------------ producing side

    def _active(self) -> bool:
        # Every public event/knob method calls this first, from the caller's thread: the place to
        # issue the warning the writer thread noted (stack: caller > public method > _active).
        if self._pending_warning is not None:
            self._issue_warning(3)
        return self._enabled and not self._closed

    def _disable(self) -> None:
        """Makes this client inert (used in a forked child, where the writer thread does not exist)."""
        self._enabled = False
        self._thread = None

    # ------------------------------------------------------------------ hooks of the transport

    def _run_line(self) -> bytes:
        event: Dict[str, Any] = {"v": PROTOCOL_VERSION, "type": "run", "run": self.run_id}
        if self.all_ranks:
            event["rank"] = self.rank
        if self._task is not None:
            event["task"] = str(self._task)
        if self._model is not None:
            event["model"] = str(self._model)
        event["time"] = self._start_time
        if self._config is not None:
            event["config"] = self._config
        if self._knob_specs:
            with self._lock:
                values = dict(self._knob_values)
            event["knobs"] = [{"name": name, **spec, "value": values[name]} for name, spec in self._knob_specs.items()]
        return dumps(event)

    def _on_control_line(self, raw: bytes) -> None:
        verdict, message = parse_control_line(raw, self._token, self.run_id)
        if verdict == "refused":
            with self._lock:
                self._refused += 1
        if message is None:
            return
        kind = message["type"]
        if kind == "set":
            name = message.get("knob")
            spec = self._knob_specs.get(name) if isinstance(name, str) else None
            if spec is None or not isinstance(name, str):
                return
            value = coerce_knob_value(spec, message.get("value"))
            if value is not None:
                with self._lock:
                    self._pending_knobs[name] = value
        elif kind == "pause":
            self._set_paused(True)
        elif kind == "resume":
            self._set_paused(False)
        elif kind == "stop":
            with self._pause_state:
                self._stop_requested = True
                self._pause_state.notify_all()

    def _connection_lost(self) -> None:
        # The dashboard that paused the run is gone: do not leave training waiting forever.
        self._set_paused(False)

    def _set_paused(self, paused: bool) -> None:
        with self._pause_state:
            self._paused = paused
            self._pause_state.notify_all()
