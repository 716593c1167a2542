"""Stream training telemetry to trainscope and take its knobs: a stdlib-only client.

The client writes the NDJSON events of PROTOCOL.md (``run``, ``scalars``, ``spectrum``, ``pareto``,
``phase``, ``histogram``, ``knob``) to a trainscope dashboard listening on a Unix socket or a TCP
port, to standard output, or to a file, and applies the control lines (``set``, ``pause``,
``resume``, ``stop``) that the dashboard sends back, but only those that carry the session token.

Usage::

    # shell:  trainscope watch unix:   (the per-user default socket; prints: export TRAINSCOPE_TOKEN=...)
    from trainscope_client import Client

    with Client(url="unix:", run="exp1", task="modular", model="mlp",
                knobs={"lr": {"value": 1e-3, "min": 1e-6, "max": 1.0, "scale": "log"}}) as ts:
        for step in range(1000):
            ts.wait_while_paused()
            if ts.stop_requested:
                break
            for name, value in ts.knobs().items():       # changes made in the dashboard
                if name == "lr":
                    for group in optimizer.param_groups:
                        group["lr"] = value
            loss = train_step()
            ts.log(step, {"train/loss": loss}, lr=optimizer.param_groups[0]["lr"])

Destinations (``url``, else env ``TRAINSCOPE_URL``, else standard output):

* ``unix:`` alone is the per-user default socket that ``trainscope watch unix:`` listens on, so
  both sides find each other without agreeing on a path: ``$XDG_RUNTIME_DIR/trainscope/default.sock``
  when ``XDG_RUNTIME_DIR`` is set, non-empty and an existing directory, otherwise
  ``/tmp/trainscope-USER/default.sock`` (USER: the login name of this uid, or the numeric uid).
  :func:`default_socket_path` returns it. The dashboard creates its folder; the client waits for it
  and sends nothing while that folder is owned by another user or writable by others.
* ``unix:PATH``, ``tcp://HOST:PORT``, ``-``/``stdout``, ``file:PATH``, or a path ending
  ``.jsonl``/``.ndjson`` (appended to).

Errors and reports:

* The constructor raises :class:`ValueError` for a destination it can never use: an unknown scheme
  (``http://x``, ``foo:bar``; the message lists the accepted forms), a malformed ``tcp://``, a file
  (``file:``, ``.jsonl``, ``.ndjson``) or ``unix:PATH`` socket whose folder does not exist (the
  message names it; not for the default socket, whose folder the dashboard creates), or a socket
  path too long for ``AF_UNIX``. ``TRAINSCOPE_URL`` gets the same checks (its messages start with
  ``TRAINSCOPE_URL:``). The folder checks run only on a rank that sends.
* The first time the destination cannot be reached (or a file cannot be opened), the client issues
  one :class:`RuntimeWarning` through :mod:`warnings`, e.g. ``trainscope: cannot reach
  unix:/x.sock (No such file or directory); queuing events and retrying``: once per client, not per
  retry. The writer thread only notes the failure; the warning is issued on the training thread by
  the next call (``log``, ``knobs``, ..., or ``close``) so that ``warnings`` filters and
  ``catch_warnings`` apply and it points at the caller's line. Should a filter turn it into an
  error, the text goes to standard error instead: calls still never raise because of the network.
* :meth:`Client.close` writes one line to standard error when events were lost: ``trainscope
  client: run 'exp': 1234 events dropped (queue full), 56 unsent at close to unix:/x.sock``.
  Nothing is written when everything was delivered.

Guarantees:

* Calls never block the training loop (except :meth:`Client.close`, bounded, and
  :meth:`Client.wait_while_paused`) and never raise because of the network: they append one
  serialized line to a bounded queue; a daemon thread connects, writes and reads control lines.
* When the queue is full the oldest ``scalars``/``histogram`` event is dropped and counted in
  :attr:`Client.dropped`; after a (re)connect with drops, the running total is sent as the metric
  ``client/dropped``. ``run``, ``knob``, ``phase``, ``spectrum`` and ``pareto`` events are only
  dropped (and counted) when the queue holds nothing droppable.
* A dashboard that is absent or goes away is retried with backoff (0.2 s doubling to 5 s), by path
  or address each time, so a dashboard restarted on the same socket path (or port) is found again;
  every connection starts with the ``run`` event, then what was queued meanwhile.
* Under ``torchrun``-style launchers only rank 0 (env ``RANK``) sends, unless ``all_ranks=True``.

Python 3.9+, standard library only.
"""

from __future__ import annotations

import atexit
import hmac
import itertools
import json
import math
import operator
import os
import re
import selectors
import socket
import stat
import sys
import threading
import time
import warnings
import weakref
from collections import deque
from collections.abc import Mapping
from typing import Any, Deque, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

try:
    import pwd
except ImportError:  # not a Unix system
    pwd = None  # type: ignore[assignment]

__all__ = ["Client", "PROTOCOL_VERSION", "default_socket_path"]

#: Schema version written in every line's ``"v"``.
PROTOCOL_VERSION = 1

Number = Union[int, float]
KnobValue = Union[int, float, str]

_BACKOFF_INITIAL = 0.2
_BACKOFF_MAX = 5.0
_CONNECT_TIMEOUT = 2.0
_IDLE_TIMEOUT = 1.0
_CLOSE_LINGER = 0.5
_BATCH_BYTES = 1 << 16
_MAX_CONTROL_LINE = 1 << 20
_MAX_EXACT_INT = 1 << 53
_CONTROL_KINDS = frozenset(
    {"set", "pause", "resume", "step", "fork", "rollback", "checkpoint", "adopt", "discard", "stop"}
)
_DROPPABLE_KINDS = frozenset({"scalars", "histogram"})
_MSG_NOSIGNAL = getattr(socket, "MSG_NOSIGNAL", 0)

# Outcomes of serving one connection.
_DONE, _LOST, _DEAD = "done", "lost", "dead"


class _Target(NamedTuple):
    """Where events go: ``kind`` is ``unix``, ``tcp``, ``stdout`` or ``file``.

    ``text`` names it in messages (``unix:`` alone is shown with the default path it stands for);
    ``default`` is True for the per-user default socket, whose folder the dashboard creates.
    """

    kind: str
    address: Any
    text: str
    default: bool = False


# The accepted destinations, as error messages list them.
_URL_FORMS = (
    "unix:PATH, unix: (the per-user default socket), tcp://HOST:PORT, - or stdout, "
    "file:PATH, or a path ending .jsonl/.ndjson"
)
# A URL scheme: two or more characters, so that a Windows drive letter (C:...) is not one.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
# sun_path holds this many bytes including the terminating NUL (Linux 108; macOS and the BSDs 104).
_UNIX_PATH_MAX = 108 if sys.platform.startswith("linux") else 104


def default_socket_path() -> str:
    """The per-user socket that ``unix:`` with no path means, here and in the dashboard.

    ``$XDG_RUNTIME_DIR/trainscope/default.sock`` when ``XDG_RUNTIME_DIR`` is set, non-empty and an
    existing directory; otherwise ``/tmp/trainscope-USER/default.sock``, USER being the login name
    of this process's uid (``pwd.getpwuid(os.getuid()).pw_name``), or the numeric uid when that
    cannot be had. Read from the environment on each call; the folder may not exist yet (the
    dashboard creates it).
    """
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isdir(runtime):
        return os.path.join(runtime, "trainscope", "default.sock")
    return f"/tmp/trainscope-{_user_name()}/default.sock"


def _user_name() -> str:
    """This uid's login name, else the numeric uid (else ``unknown`` where there are no uids)."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:
        return "unknown"
    uid = getuid()
    try:
        name = pwd.getpwuid(uid).pw_name if pwd is not None else ""
    except (KeyError, OSError):
        name = ""
    return name or str(uid)


def _parse_url(url: str) -> _Target:
    """Parses ``unix:[PATH]``, ``tcp://HOST:PORT``, ``-``/``stdout``, ``file:PATH`` or ``*.jsonl``/``*.ndjson``.

    Syntax only: :func:`_check_target` looks at the file system.
    """
    text = url.strip()
    if text in ("-", "stdout"):
        return _Target("stdout", None, text)
    if text.startswith("unix:"):
        path = text[len("unix:"):]
        default_path = default_socket_path()
        if not path:
            return _Target("unix", default_path, f"unix:{default_path}", default=True)
        return _Target("unix", path, text, default=os.path.abspath(path) == os.path.abspath(default_path))
    if text.startswith("tcp:"):
        rest = text[len("tcp://"):].rstrip("/") if text.startswith("tcp://") else ""
        host, sep, port_text = rest.rpartition(":")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"{url!r}: tcp:// needs HOST:PORT with a port in 1-65535, e.g. tcp://127.0.0.1:7070")
        return _Target("tcp", (host, int(port_text)), text)
    if text.startswith("file:"):
        path = text[len("file:"):]
        if not path:
            raise ValueError(f"{url!r}: file: needs a path")
        return _Target("file", path, text)
    scheme = _SCHEME.match(text)
    if scheme:
        # http://..., foo:bar, even foo:bar.jsonl: a scheme this client does not speak.
        raise ValueError(
            f"{url!r}: unknown scheme {scheme.group(1)!r}; use {_URL_FORMS} "
            f"(a file whose name has a colon: file:NAME)"
        )
    if text.lower().endswith((".jsonl", ".ndjson")):
        return _Target("file", text, text)
    raise ValueError(f"{url!r}: unknown destination; use {_URL_FORMS}")


def _check_target(target: _Target, url: str) -> None:
    """Raises ValueError for a destination this process can never use.

    A file or a ``unix:PATH`` socket whose folder does not exist (the client creates no folders and
    the dashboard makes none for an explicit path), and a socket path too long for ``AF_UNIX``. The
    default socket's folder is the dashboard's to create, so its absence is waited out instead.
    """
    if target.kind == "unix":
        size = len(os.fsencode(target.address))
        if size >= _UNIX_PATH_MAX:
            raise ValueError(
                f"{url!r}: a Unix socket path must be shorter than {_UNIX_PATH_MAX} bytes, this one has {size}"
            )
        if not target.default:
            _check_folder(target.address, url, " (or use unix: for the per-user default socket)")
    elif target.kind == "file":
        _check_folder(target.address, url, "")


def _check_folder(path: str, url: str, hint: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(folder):
        return
    if os.path.exists(folder):
        raise ValueError(f"{url!r}: {folder} is not a folder; choose another path{hint}")
    raise ValueError(f"{url!r}: folder {folder} does not exist; create it or choose another path{hint}")


def _default_folder_problem(path: str) -> Optional[str]:
    """Why the default socket's folder must not be trusted now, or None (also when it does not exist yet).

    Under ``/tmp`` another user could make ``trainscope-USER`` first and listen there; the dashboard
    makes it 0700 and owns it, so a folder owned by someone else, or writable by others, is refused.
    """
    getuid = getattr(os, "getuid", None)
    if getuid is None:
        return None
    folder = os.path.dirname(path)
    try:
        info = os.lstat(folder)
    except OSError:
        return None  # not there yet: connecting reports it
    if not stat.S_ISDIR(info.st_mode):
        return f"{folder} is not a folder"
    if info.st_uid != getuid():
        return f"{folder} is owned by another user"
    if info.st_mode & 0o022:
        return f"{folder} is writable by other users"
    return None


def _env_int(name: str, default: int) -> int:
    """A non-negative integer from the environment, or ``default`` when unset or malformed."""
    try:
        value = int(os.environ.get(name, "").strip())
    except ValueError:
        return default
    return value if value >= 0 else default


def _float(x: float) -> Union[int, float, str]:
    """A float as the protocol writes it: non-finite as strings, integral values without a fraction."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x.is_integer() and abs(x) < _MAX_EXACT_INT:
        return int(x)
    return x


def _jsonable(x: Any) -> Any:
    """A copy of ``x`` that ``json.dumps(allow_nan=False)`` accepts (numbers per PROTOCOL.md)."""
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, int):
        return int(x)
    if isinstance(x, float):
        return _float(float(x))
    if isinstance(x, Mapping):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in x]
    if hasattr(x, "tolist"):  # numpy arrays and scalars, torch tensors
        try:
            return _jsonable(x.tolist())
        except Exception:
            pass
    try:
        return operator.index(x)
    except TypeError:
        pass
    try:
        return _float(float(x))
    except (TypeError, ValueError):
        return str(x)


def _dumps(event: Mapping) -> bytes:
    """One NDJSON line (ASCII, so it is valid whatever the sink's encoding)."""
    text = json.dumps(_jsonable(event), ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text.encode("ascii") + b"\n"


def _number(x: Any, what: str) -> Number:
    """A metric value as a number; accepts anything ``float()`` takes (numpy scalars, 1-element tensors)."""
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, (int, float)):
        return x
    try:
        return float(x)
    except (TypeError, ValueError):
        raise TypeError(f"{what}: expected a number, got {type(x).__name__}") from None


def _numbers(xs: Any, what: str) -> List[Number]:
    """A sequence of numbers (lists, tuples, numpy arrays, tensors)."""
    if hasattr(xs, "tolist"):
        xs = xs.tolist()
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Iterable):
        raise TypeError(f"{what}: expected a sequence of numbers, got {type(xs).__name__}")
    return [_number(x, what) for x in xs]


def _step(step: Any) -> int:
    """A training step as an int (ints, numpy/torch integers, integral floats)."""
    try:
        return operator.index(step)
    except TypeError:
        pass
    try:
        value = float(step)
    except (TypeError, ValueError):
        raise TypeError(f"step: expected an integer, got {type(step).__name__}") from None
    if not value.is_integer():
        raise ValueError(f"step: expected an integer, got {step!r}")
    return int(value)


def _knob_specs(knobs: Optional[Mapping]) -> Dict[str, Dict[str, Any]]:
    """Knob specs by name from ``{"lr": {"value": 1e-3, "min": ..., ...}}`` (a bare value is allowed)."""
    specs: Dict[str, Dict[str, Any]] = {}
    for name, spec in (knobs or {}).items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"knob names must be non-empty strings, got {name!r}")
        spec = dict(spec) if isinstance(spec, Mapping) else {"value": spec}
        spec.pop("name", None)
        if "value" not in spec:
            raise ValueError(f"knob {name!r}: a spec needs a 'value'")
        value = spec["value"]
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            value = _number(value, f"knob {name!r} value")
        if "scale" in spec and spec["scale"] not in ("lin", "log"):
            raise ValueError(f"knob {name!r}: scale must be 'lin' or 'log', got {spec['scale']!r}")
        if "choices" in spec:
            spec["choices"] = [str(c) for c in spec["choices"]]
        spec["value"] = value
        specs[name] = spec
    return specs


def _coerce_knob_value(spec: Mapping[str, Any], value: Any) -> Optional[KnobValue]:
    """``value`` as the knob takes it, or None when the spec does not allow it."""
    choices = spec.get("choices")
    if choices is not None or isinstance(spec["value"], str):
        if not isinstance(value, str) or (choices is not None and value not in choices):
            return None
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    low, high = spec.get("min"), spec.get("max")
    if (isinstance(low, (int, float)) and value < low) or (isinstance(high, (int, float)) and value > high):
        return None
    if isinstance(spec["value"], int) and float(value).is_integer():
        return int(value)
    return float(value)


class _LineReader:
    """Splits received bytes into lines; a line longer than the limit is skipped whole."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._skipping = False

    def feed(self, data: bytes) -> List[bytes]:
        self._buffer += data
        lines: List[bytes] = []
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) > _MAX_CONTROL_LINE:
                    self._buffer.clear()
                    self._skipping = True
                return lines
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if self._skipping:
                self._skipping = False
            else:
                lines.append(line)


_CLIENTS: "weakref.WeakSet[Client]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # A forked child (e.g. a DataLoader worker) has no writer thread: make its clients inert.
    for client in list(_CLIENTS):
        client._disable()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Client:
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
        #: This process's rank (env ``RANK``, default 0) and the job's size (env ``WORLD_SIZE``, default 1).
        self.rank: int = _env_int("RANK", 0)
        self.world_size: int = _env_int("WORLD_SIZE", 1)
        self.all_ranks: bool = bool(all_ranks)
        #: The run id events are sent under.
        self.run_id: str = f"{run}/rank{self.rank}" if self.all_ranks else run
        self._enabled = self.all_ranks or self.rank == 0
        url_text = url if url is not None else (os.environ.get("TRAINSCOPE_URL") or "-")
        try:
            self._target = _parse_url(url_text)
            if self._enabled:  # another node's rank may lack a folder that only rank 0 writes in
                _check_target(self._target, url_text)
        except ValueError as error:
            if url is None:
                raise ValueError(f"TRAINSCOPE_URL: {error}") from None
            raise
        token = token if token is not None else os.environ.get("TRAINSCOPE_TOKEN")
        self._token: Optional[bytes] = token.encode("utf-8") if token else None

        if config is not None and not isinstance(config, Mapping) and hasattr(config, "__dict__"):
            config = vars(config)
        self._task = task
        self._model = model
        self._config = _jsonable(dict(config)) if config is not None else None
        self._knob_specs = _knob_specs(knobs)
        self._knob_values: Dict[str, KnobValue] = {name: spec["value"] for name, spec in self._knob_specs.items()}
        self._start_time = time.time()

        self._lock = threading.Lock()
        self._capacity = buffer
        self._droppable: Deque[Tuple[int, bytes]] = deque()
        self._kept: Deque[Tuple[int, bytes]] = deque()
        self._seq = 0
        self._dropped = 0
        self._dropped_reported = 0
        self._refused = 0
        self._pending_knobs: Dict[str, KnobValue] = {}
        self._last_step = 0
        self._wake_armed = False
        # Lines the writer has taken from the queue but not yet sent (it owns it; close() counts it).
        self._carry: Deque[Tuple[bytes, Optional[str]]] = deque()
        # The one "cannot reach" warning: set once by the writer, issued (and cleared) on a caller's thread.
        self._failure_noted = False
        self._pending_warning: Optional[str] = None

        self._pause_state = threading.Condition()
        self._paused = False
        self._stop_requested = False
        self._connected = False
        self._closed = False
        self._closing = threading.Event()
        self._deadline = math.inf
        self._thread: Optional[threading.Thread] = None

        if self._enabled:
            self._wake_r, self._wake_w = socket.socketpair()
            self._wake_r.setblocking(False)
            self._wake_w.setblocking(False)
            self._thread = threading.Thread(target=self._writer, name=f"trainscope-client[{self.run_id}]", daemon=True)
            _CLIENTS.add(self)
            atexit.register(self.close)
            self._thread.start()

    # ------------------------------------------------------------------ public API: events

    def log(self, step: int, values: Optional[Mapping[str, Any]] = None, **metrics: Any) -> None:
        """Logs metric values at ``step``: a dict and/or keywords (keywords win on a clash).

        NaN and infinities are written as ``"NaN"``/``"Infinity"``/``"-Infinity"``. Values may be
        Python numbers, numpy scalars or one-element tensors.
        """
        if not self._active():
            return
        merged: Dict[str, Any] = dict(values) if values is not None else {}
        merged.update(metrics)
        if not merged:
            return
        out = {str(name): _number(merged[name], f"metric {name!r}") for name in merged}
        self._emit("scalars", step, {"values": {name: out[name] for name in sorted(out)}})

    def spectrum(
        self,
        step: int,
        top: Sequence[Number],
        trace: Optional[Number] = None,
        density: Optional[Union[Mapping[str, Any], Tuple[Sequence[Number], Sequence[Number]]]] = None,
        estimator: Optional[Mapping[str, Any]] = None,
        cost: Optional[Union[Mapping[str, Number], Tuple[int, float]]] = None,
        *,
        trace_stderr: Optional[Number] = None,
        ritz: Optional[Union[Mapping[str, Any], Tuple[Sequence[Number], Sequence[Number]]]] = None,
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
        fields: Dict[str, Any] = {"top": sorted(_numbers(top, "top"), key=_sort_key, reverse=True)}
        if trace is not None:
            fields["trace"] = _number(trace, "trace")
        if trace_stderr is not None:
            fields["trace_stderr"] = _number(trace_stderr, "trace_stderr")
        if density is not None:
            fields["density"] = _pair_object(density, ("grid", "values"), "density", extra="width")
        if ritz is not None:
            fields["ritz"] = _pair_object(ritz, ("nodes", "weights"), "ritz")
        if estimator is not None:
            fields["estimator"] = dict(estimator)
        if cost is not None:
            if isinstance(cost, Mapping):
                cost_fields = dict(cost)
                hvps, seconds = cost_fields.pop("hvps", None), cost_fields.pop("seconds", None)
            else:
                hvps, seconds = cost
                cost_fields = {}
            if hvps is None or seconds is None:
                raise ValueError("cost needs hvps and seconds")
            fields["cost"] = {"hvps": _step(hvps), "seconds": _number(seconds, "cost seconds"), **cost_fields}
        if block is not None:
            fields["block"] = str(block)
        self._emit("spectrum", step, fields)

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
        objs = []
        for objective in objectives:
            if isinstance(objective, Mapping):
                name, direction = objective.get("name"), objective.get("direction", "min")
            else:
                name, direction = objective
            if direction not in ("min", "max"):
                raise ValueError(f"objective {name!r}: direction must be 'min' or 'max', got {direction!r}")
            objs.append({"name": str(name), "direction": direction})
        if labels is not None and len(labels) != len(points):
            raise ValueError(f"pareto: {len(labels)} labels for {len(points)} points")
        pts = []
        for index, point in enumerate(points):
            if isinstance(point, Mapping):
                entry = {"values": _numbers(point["values"], "pareto point")}
                label = point.get("label")
            else:
                entry = {"values": _numbers(point, "pareto point")}
                label = None
            if labels is not None:
                label = labels[index]
            if len(entry["values"]) != len(objs):
                raise ValueError(f"pareto point {index}: {len(entry['values'])} values for {len(objs)} objectives")
            if label is not None:
                entry["label"] = str(label)
            pts.append(entry)
        fields: Dict[str, Any] = {"objectives": objs, "points": pts}
        if reference is not None:
            fields["reference"] = _numbers(reference, "reference")
        self._emit("pareto", step, fields)

    def phase(self, step: int, name: str, message: Optional[str] = None, **evidence: Any) -> None:
        """Reports a detected phase (``memorization``, ``generalization``, ``diverged``, ...) with its evidence."""
        if not self._active():
            return
        fields: Dict[str, Any] = {"name": str(name)}
        if evidence:
            fields["evidence"] = dict(evidence)
        if message is not None:
            fields["message"] = str(message)
        self._emit("phase", step, fields)

    def histogram(self, step: int, name: str, edges: Sequence[Number], counts: Sequence[Number]) -> None:
        """Logs a distribution: ``counts[i]`` values fell in ``[edges[i], edges[i+1])``."""
        if not self._active():
            return
        edge_list = _numbers(edges, "edges")
        count_list = [_step(c) for c in (counts.tolist() if hasattr(counts, "tolist") else counts)]
        if len(edge_list) != len(count_list) + 1:
            raise ValueError(f"histogram {name!r}: needs one more edge than counts, got {len(edge_list)} and {len(count_list)}")
        self._emit("histogram", step, {"name": str(name), "edges": edge_list, "counts": count_list})

    # ------------------------------------------------------------------ public API: control

    def knobs(self) -> Dict[str, KnobValue]:
        """The knob changes received since the last call, ``{"lr": 0.01}``; never blocks.

        Each change is also logged as a ``knob`` event (``by: "user"``) at the latest step seen.
        Setting a knob to its current value is not a change. Other ranks (see ``all_ranks``) get ``{}``.
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
        for name, (old, new) in changes.items():
            self._emit("knob", self._last_step, {"name": name, "old": old, "new": new, "by": "user"})
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
        return self._dropped

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
        return f"<trainscope Client run={self.run_id!r} to {self._target.text!r}, {state}, dropped={self._dropped}>"

    # ------------------------------------------------------------------ producing side

    def _active(self) -> bool:
        # Every public event/knob method calls this first, from the caller's thread: the place to
        # issue the warning the writer thread noted (stack: caller > public method > _active).
        if self._pending_warning is not None:
            self._issue_warning(3)
        return self._enabled and not self._closed

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
            _warn(message)

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

    def _unsent(self) -> int:
        """Events queued or taken by the writer but not yet written (the run/drop-report lines aside)."""
        with self._lock:
            queued = len(self._droppable) + len(self._kept)
        try:
            carried = sum(1 for _, tag in tuple(self._carry) if tag is None)
        except RuntimeError:  # changed while copied: the writer outlived close()'s join, count none
            carried = 0
        return queued + carried

    def _report_losses(self) -> None:
        """At close: one line on standard error when events were dropped or are left unsent."""
        dropped, unsent = self._dropped, self._unsent()
        if dropped or unsent:
            _warn(
                f"trainscope client: run {self.run_id!r}: {dropped} event{'' if dropped == 1 else 's'} dropped "
                f"(queue full), {unsent} unsent at close to {self._target.text}"
            )

    def _disable(self) -> None:
        """Makes this client inert (used in a forked child, where the writer thread does not exist)."""
        self._enabled = False
        self._thread = None

    def _emit(self, kind: str, step: Any, fields: Mapping[str, Any]) -> None:
        """Serializes one event and queues it."""
        step = _step(step)
        self._last_step = step
        event: Dict[str, Any] = {"v": PROTOCOL_VERSION, "type": kind, "run": self.run_id}
        if self.all_ranks:
            event["rank"] = self.rank
        event["step"] = step
        event["time"] = time.time()
        event.update(fields)
        self._push(kind, _dumps(event))

    def _push(self, kind: str, line: bytes) -> None:
        """Appends a line, dropping the oldest droppable one (or this one) when the queue is full."""
        with self._lock:
            if len(self._droppable) + len(self._kept) >= self._capacity:
                self._dropped += 1
                if not self._droppable:
                    return
                self._droppable.popleft()
            self._seq += 1
            (self._droppable if kind in _DROPPABLE_KINDS else self._kept).append((self._seq, line))
            wake, self._wake_armed = self._wake_armed, False
        if wake:
            self._wake()

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except (OSError, AttributeError):
            pass

    # ------------------------------------------------------------------ writer thread

    def _take(self, limit: int = _BATCH_BYTES) -> List[Tuple[bytes, Optional[str]]]:
        """Moves queued lines (in order, up to ``limit`` bytes) out of the queue."""
        out: List[Tuple[bytes, Optional[str]]] = []
        size = 0
        with self._lock:
            droppable, kept = self._droppable, self._kept
            while (droppable or kept) and size < limit:
                if kept and (not droppable or kept[0][0] < droppable[0][0]):
                    line = kept.popleft()[1]
                else:
                    line = droppable.popleft()[1]
                out.append((line, None))
                size += len(line)
        return out

    def _arm(self) -> bool:
        """Asks producers to wake the writer; False (not armed) when something is queued already."""
        with self._lock:
            if self._droppable or self._kept:
                return False
            self._wake_armed = True
            return True

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass

    def _remaining(self) -> float:
        return self._deadline - time.monotonic()

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
        return _dumps(event)

    def _drop_report(self) -> Optional[Tuple[bytes, str]]:
        """A ``client/dropped`` scalars line when events were dropped since the last report."""
        total = self._dropped
        if total <= self._dropped_reported:
            return None
        self._dropped_reported = total
        event: Dict[str, Any] = {"v": PROTOCOL_VERSION, "type": "scalars", "run": self.run_id}
        if self.all_ranks:
            event["rank"] = self.rank
        event.update(step=self._last_step, time=time.time(), values={"client/dropped": total})
        return _dumps(event), "dropped"

    def _head(self, carry: Deque[Tuple[bytes, Optional[str]]]) -> None:
        """Puts the run event (and a drop report) in front of what a new connection sends."""
        head: List[Tuple[bytes, Optional[str]]] = [(self._run_line(), "run")]
        report = self._drop_report()
        if report is not None:
            head.append(report)
        carry.extendleft(reversed(head))

    def _forget_head(self, carry: Deque[Tuple[bytes, Optional[str]]], reported_before: int) -> None:
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
                    _close_sink(sink)
                    sink = None
                if outcome in (_DONE, _DEAD):
                    return
                self._forget_head(carry, reported_before)
                # The dashboard that paused the run is gone: do not leave training waiting forever.
                self._set_paused(False)
                self._closing.wait(backoff)
                backoff = min(backoff * 2, _BACKOFF_MAX)
        except Exception as error:  # a bug here must never reach the training loop
            _warn(f"trainscope client: writer stopped: {type(error).__name__}: {error}")
        finally:
            if sink is not None:
                _close_sink(sink)
            self._connected = False
            self._enabled = False
            for s in (self._wake_r, self._wake_w):
                try:
                    s.close()
                except OSError:
                    pass

    def _open(self) -> Any:
        """A connected non-blocking socket, a ``_StreamSink``, or None when it cannot be opened now."""
        kind, address = self._target.kind, self._target.address
        if kind == "stdout":
            return _StreamSink(None)
        if kind == "file":
            try:
                return _StreamSink(os.open(address, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))
            except OSError as error:
                self._note_failure(error)
                return None
        if self._target.default:
            problem = _default_folder_problem(address)
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

    def _serve_socket(self, sock: socket.socket, carry: Deque[Tuple[bytes, Optional[str]]]) -> str:
        """Writes queued lines and reads control lines until the connection ends or the client closes."""
        reader = _LineReader()
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
                            return _LOST
                        if data == b"":
                            return _LOST
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
                            return _LOST  # carry[0] is resent whole on the next connection
                        sent += offset
                        while carry and sent >= len(carry[0][0]):
                            sent -= len(carry.popleft()[0])
                        offset = sent

    def _linger(self, sock: socket.socket, reader: _LineReader) -> None:
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

    def _serve_stream(self, sink: "_StreamSink", carry: Deque[Tuple[bytes, Optional[str]]]) -> str:
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

    # ------------------------------------------------------------------ control lines

    def _on_control_line(self, raw: bytes) -> None:
        """Applies one line from the dashboard if it is a control line with the right token."""
        text = raw.decode("utf-8", "replace").strip().lstrip("\ufeff")
        if not text:
            return
        try:
            message = json.loads(text)
        except ValueError:
            return
        # Replies ({"ok":...,"type":"set"}) and other non-control lines are ignored.
        if not isinstance(message, dict) or "ok" in message:
            return
        kind = message.get("type")
        if not isinstance(kind, str) or kind not in _CONTROL_KINDS:
            return
        token = message.get("token")
        if (
            self._token is None
            or not isinstance(token, str)
            or not hmac.compare_digest(token.encode("utf-8"), self._token)
        ):
            with self._lock:
                self._refused += 1
            return
        target = message.get("run")
        if target is not None and target != self.run_id:
            return
        if kind == "set":
            name = message.get("knob")
            spec = self._knob_specs.get(name) if isinstance(name, str) else None
            if spec is None:
                return
            value = _coerce_knob_value(spec, message.get("value"))
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

    def _set_paused(self, paused: bool) -> None:
        with self._pause_state:
            self._paused = paused
            self._pause_state.notify_all()


class _StreamSink:
    """Standard output (``fd is None``: whatever ``sys.stdout`` is at write time) or an appended file."""

    def __init__(self, fd: Optional[int]) -> None:
        self.fd = fd

    def write(self, data: bytes) -> Optional[str]:
        """Writes whole lines; returns None, or ``_LOST``/``_DEAD`` when the sink failed."""
        if self.fd is not None:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(self.fd, view):]
                return None
            except OSError:
                return _LOST
        stream = sys.stdout
        if stream is None:
            return _DEAD
        try:
            stream.write(data.decode("ascii"))
            stream.flush()
            return None
        except BrokenPipeError:
            _silence(stream)
            return _DEAD
        except (OSError, ValueError):
            return _DEAD

    def close(self) -> None:
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None


def _silence(stream: Any) -> None:
    """Points a stream whose pipe broke at /dev/null, so later writes and the exit flush do not fail."""
    try:
        fd = stream.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass


def _close_sink(sink: Any) -> None:
    try:
        sink.close()
    except OSError:
        pass


def _sort_key(x: Number) -> float:
    return -math.inf if isinstance(x, float) and math.isnan(x) else float(x)


def _pair_object(value: Any, keys: Tuple[str, str], what: str, extra: Optional[str] = None) -> Dict[str, Any]:
    """``{"grid": [...], "values": [...]}`` from a mapping or a ``(grid, values[, width])`` tuple."""
    if isinstance(value, Mapping):
        first, second = value.get(keys[0]), value.get(keys[1])
        rest = value.get(extra) if extra else None
    else:
        parts = list(value)
        if len(parts) not in ((2, 3) if extra else (2,)):
            raise ValueError(f"{what}: expected ({', '.join(keys)}{', ' + extra if extra else ''})")
        first, second = parts[0], parts[1]
        rest = parts[2] if len(parts) == 3 else None
    out: Dict[str, Any] = {keys[0]: _numbers(first, f"{what} {keys[0]}"), keys[1]: _numbers(second, f"{what} {keys[1]}")}
    if len(out[keys[0]]) != len(out[keys[1]]):
        raise ValueError(f"{what}: {keys[0]} and {keys[1]} must have equal length")
    if rest is not None and extra:
        out[extra] = _number(rest, f"{what} {extra}")
    return out


def _warn(message: str) -> None:
    try:
        stream = sys.stderr
        if stream is not None:
            stream.write(message + "\n")
            stream.flush()
    except Exception:
        pass
