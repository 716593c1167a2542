"""A drop-in for ``torch.utils.tensorboard.SummaryWriter`` that streams to trainscope live.

Change one import and existing logging code streams to the dashboard::

    # from torch.utils.tensorboard import SummaryWriter
    from trainscope.tensorboard import SummaryWriter

    writer = SummaryWriter(comment="-lr3e-4")            # url: env TRAINSCOPE_URL, else stdout
    writer.add_scalar("train/loss", loss, step)
    writer.add_histogram("weights/fc1", model.fc1.weight, step)
    writer.add_hparams({"lr": 3e-4}, {"hparam/acc": acc})
    writer.close()

What each call becomes (PROTOCOL.md events):

* ``add_scalar``: the tag is the metric name (``train/loss`` and ``test/acc`` feed the dashboard's
  phase detection). Scalars of one step are sent as one ``scalars`` event: they are held until a
  call for another step, a tag repeated at the same step, :meth:`~SummaryWriter.flush`,
  :meth:`~SummaryWriter.close`, or ``latency`` seconds (default 0.5) pass.
* ``add_scalars(main_tag, {key: value})``: metrics ``main_tag/key`` in this writer's run
  (TensorBoard writes each key as a run of its own, ``LOGDIR/main_tag_key``; here they stay
  together so the dashboard draws them in one chart of one run).
* ``add_histogram``: computed here (numpy when installed, else pure Python) and sent as a
  ``histogram`` event. ``bins="tensorflow"`` uses TensorBoard's exponential buckets, trimmed to the
  values' range; an int or any numpy ``bins`` works too. Non-finite values are left out (counted).
  ``add_histogram_raw`` is sent as TensorBoard draws it (empty end buckets dropped, ``min`` … ``max``).
* ``add_hparams``: the hparams join the run's ``config`` (a ``run`` event updates it) and the
  metrics are sent as scalars at ``global_step``, else at the latest step this writer saw.
* ``add_tensor`` of one element is a scalar. ``add_text``, ``add_image``, ``add_figure``,
  ``add_graph``, ``add_audio``, ``add_video``, ``add_embedding``, ``add_pr_curve``, ``add_mesh`` and
  the other kinds the dashboard cannot show are counted per method, and :meth:`~SummaryWriter.close`
  says on standard error how many were not sent. Nothing is dropped without a word.

``global_step=None`` is step 0, as in TensorBoard; ``walltime`` is not sent (events carry the time
they are logged). With ``tee=True`` every call is also made on a real
``torch.utils.tensorboard.SummaryWriter`` over the same ``log_dir``, so the event files are written
as before (``tee`` may also be a writer object of your own, e.g. tensorboardX's).

The run id defaults to the last component of ``log_dir`` (TensorBoard's default
``runs/<Mon DD_HH-MM-SS>_<host><comment>``), which is the name ``trainscope watch runs/`` gives the
event files of that folder.
"""

from __future__ import annotations

import atexit
import os
import socket
import threading
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ._events import as_number, as_step, jsonable
from ._histogram import as_array_input, flat_floats, histogram
from ._sinks import warn_stderr
from .client import Client

__all__ = ["SummaryWriter", "histogram"]


def _counted(name: str) -> Callable[..., None]:
    """A SummaryWriter method the dashboard cannot show: counted, reported at close, forwarded with tee."""

    def method(self: "SummaryWriter", *args: Any, **kwargs: Any) -> None:
        self._skip(name)
        self._forward(name, args, kwargs)

    method.__name__ = name
    method.__doc__ = f"``{name}``: not shown by trainscope (counted and reported at close); forwarded with ``tee``."
    return method


class SummaryWriter:
    """``torch.utils.tensorboard.SummaryWriter``'s logging API, streaming to a trainscope dashboard.

    Args:
        log_dir, comment: as TensorBoard: the default ``log_dir`` is
            ``runs/<Mon DD_HH-MM-SS>_<host><comment>``; its last component is the default run id.
        purge_step, max_queue, flush_secs, filename_suffix: passed to the ``tee`` writer only.
        url, task, model, config, knobs, all_ranks, token: as :class:`trainscope.Client`.
        run: the run id (default: from ``log_dir``).
        tee: True to also write TensorBoard event files through ``torch.utils.tensorboard``, or a
            writer object to forward every call to.
        latency: the longest a step's scalars wait for more of the same step, in seconds.
        client: an existing :class:`~trainscope.Client` to send through (not closed by :meth:`close`).
    """

    def __init__(
        self,
        log_dir: Optional[str] = None,
        comment: str = "",
        purge_step: Optional[int] = None,
        max_queue: int = 10,
        flush_secs: int = 120,
        filename_suffix: str = "",
        *,
        url: Optional[str] = None,
        run: Optional[str] = None,
        task: Optional[str] = None,
        model: Optional[str] = None,
        config: Optional[Any] = None,
        knobs: Optional[Mapping[str, Any]] = None,
        all_ranks: bool = False,
        token: Optional[str] = None,
        tee: Any = False,
        latency: float = 0.5,
        client: Optional[Client] = None,
    ) -> None:
        if log_dir is None:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir: str = str(log_dir)
        run_id = run or os.path.basename(os.path.normpath(self.log_dir)) or "run"
        self._owns_client = client is None
        #: The client events go through: ``writer.client.knobs()``, ``.paused``, ``.stop_requested``.
        self.client: Client = client if client is not None else Client(
            url=url, run=run_id, task=task, model=model, config=config, knobs=knobs, all_ranks=all_ranks, token=token
        )
        self._tee: Any = None
        if tee is True:
            try:
                from torch.utils.tensorboard import SummaryWriter as TorchWriter
            except ImportError as error:
                raise ImportError("tee=True needs torch.utils.tensorboard (pip install torch tensorboard)") from error
            self._tee = TorchWriter(self.log_dir, comment, purge_step, max_queue, flush_secs, filename_suffix)
        elif tee is not False and tee is not None:
            self._tee = tee
        self._latency = max(0.0, float(latency))
        self._cond = threading.Condition()
        self._pending: Dict[str, Any] = {}
        self._pending_step = 0
        self._pending_since = 0.0
        self._latest_step = 0
        self._closed = False
        self._flusher: Optional[threading.Thread] = None
        self._skipped: Dict[str, int] = {}
        self._left_out = 0
        atexit.register(self.close)  # runs before the client's own (atexit is last in, first out)

    # ------------------------------------------------------------------ scalars

    def add_scalar(
        self,
        tag: str,
        scalar_value: Any,
        global_step: Optional[int] = None,
        walltime: Optional[float] = None,
        new_style: bool = False,
        double_precision: bool = False,
    ) -> None:
        """Logs one metric value (sent with the other scalars of its step)."""
        self._forward("add_scalar", (tag, scalar_value, global_step, walltime, new_style, double_precision), {})
        self._add(str(tag), as_number(scalar_value, f"add_scalar {tag!r}"), global_step)

    def add_scalars(
        self, main_tag: str, tag_scalar_dict: Mapping[str, Any], global_step: Optional[int] = None, walltime: Optional[float] = None
    ) -> None:
        """Logs several values as metrics ``main_tag/key`` of this run (see the module's doc)."""
        self._forward("add_scalars", (main_tag, tag_scalar_dict, global_step, walltime), {})
        for key, value in tag_scalar_dict.items():
            self._add(f"{main_tag}/{key}", as_number(value, f"add_scalars {main_tag!r} {key!r}"), global_step)

    def add_tensor(self, tag: str, tensor: Any, global_step: Optional[int] = None, walltime: Optional[float] = None) -> None:
        """Logs a one-element tensor as a scalar; any other tensor is counted as not sent."""
        self._forward("add_tensor", (tag, tensor, global_step, walltime), {})
        try:
            values = flat_floats(as_array_input(tensor))
        except (TypeError, ValueError):
            values = []
        if len(values) == 1:
            self._add(str(tag), values[0], global_step)
        else:
            self._skip("add_tensor")

    def _add(self, tag: str, value: Any, global_step: Optional[int]) -> None:
        step = 0 if global_step is None else as_step(global_step)
        with self._cond:
            if self._closed:
                return
            self._latest_step = step
            if self._pending and (step != self._pending_step or tag in self._pending):
                self._flush_locked()
            if not self._pending:
                self._pending_step = step
                self._pending_since = time.monotonic()
                self._cond.notify_all()
            self._pending[tag] = value
            if self._flusher is None and self._latency > 0:
                self._flusher = threading.Thread(target=self._flush_later, name="trainscope-summarywriter", daemon=True)
                self._flusher.start()
        if self._latency == 0:
            self.flush()

    def _flush_locked(self) -> None:
        if self._pending:
            values, self._pending = self._pending, {}
            self.client.log(self._pending_step, values)

    def _flush_later(self) -> None:
        """Sends a step's scalars once they have waited ``latency`` seconds for more."""
        with self._cond:
            while not self._closed:
                if not self._pending:
                    self._cond.wait()
                    continue
                remaining = self._pending_since + self._latency - time.monotonic()
                if remaining > 0:
                    self._cond.wait(remaining)
                else:
                    self._flush_locked()

    # ------------------------------------------------------------------ histograms

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: Optional[int] = None,
        bins: Any = "tensorflow",
        walltime: Optional[float] = None,
        max_bins: Optional[int] = None,
    ) -> None:
        """Logs the distribution of ``values`` (a tensor, array or sequence) as a ``histogram`` event."""
        self._forward("add_histogram", (tag, values, global_step, bins, walltime, max_bins), {})
        try:
            edges, counts, left_out = histogram(values, bins, max_bins)
        except ValueError:
            self._skip("add_histogram without finite values")
            return
        self._left_out += left_out
        self.client.histogram(0 if global_step is None else as_step(global_step), str(tag), edges, counts)

    def add_histogram_raw(
        self,
        tag: str,
        min: float,
        max: float,
        num: int,
        sum: float,
        sum_squares: float,
        bucket_limits: Sequence[float],
        bucket_counts: Sequence[float],
        global_step: Optional[int] = None,
        walltime: Optional[float] = None,
    ) -> None:
        """Logs a histogram given as TensorBoard's buckets (right limits and counts)."""
        self._forward("add_histogram_raw", (tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts, global_step, walltime), {})
        limits = [float(x) for x in flat_floats(bucket_limits)]
        counts = [int(round(c)) for c in flat_floats(bucket_counts)]
        nonzero = [i for i, c in enumerate(counts) if c > 0]
        if len(limits) != len(counts) or not nonzero:
            self._skip("add_histogram_raw malformed")
            return
        first, last = nonzero[0], nonzero[-1]
        edges = [float(min)] + limits[first:last] + [float(max)]
        if any(b < a for a, b in zip(edges, edges[1:])):
            self._skip("add_histogram_raw malformed")
            return
        self.client.histogram(0 if global_step is None else as_step(global_step), str(tag), edges, counts[first:last + 1])

    # ------------------------------------------------------------------ hparams

    def add_hparams(
        self,
        hparam_dict: Mapping[str, Any],
        metric_dict: Mapping[str, Any],
        hparam_domain_discrete: Optional[Mapping[str, Sequence[Any]]] = None,
        run_name: Optional[str] = None,
        global_step: Optional[int] = None,
    ) -> None:
        """Adds the hparams to the run's ``config`` and logs the metrics (see the module's doc for the step)."""
        self._forward("add_hparams", (hparam_dict, metric_dict, hparam_domain_discrete, run_name, global_step), {})
        self.client.update_config(hparam_dict)
        step = self._latest_step if global_step is None else global_step
        self.flush()
        for tag, value in metric_dict.items():
            self._add(str(tag), as_number(value, f"add_hparams metric {tag!r}"), step)
        self.flush()

    # ------------------------------------------------------------------ what the dashboard cannot show

    add_text = _counted("add_text")
    add_image = _counted("add_image")
    add_images = _counted("add_images")
    add_image_with_boxes = _counted("add_image_with_boxes")
    add_figure = _counted("add_figure")
    add_video = _counted("add_video")
    add_audio = _counted("add_audio")
    add_graph = _counted("add_graph")
    add_onnx_graph = _counted("add_onnx_graph")
    add_embedding = _counted("add_embedding")
    add_pr_curve = _counted("add_pr_curve")
    add_pr_curve_raw = _counted("add_pr_curve_raw")
    add_mesh = _counted("add_mesh")
    add_custom_scalars = _counted("add_custom_scalars")
    add_custom_scalars_multilinechart = _counted("add_custom_scalars_multilinechart")
    add_custom_scalars_marginchart = _counted("add_custom_scalars_marginchart")

    def _skip(self, what: str) -> None:
        with self._cond:
            self._skipped[what] = self._skipped.get(what, 0) + 1

    @property
    def skipped(self) -> Dict[str, int]:
        """Calls not sent to the dashboard, per method (``{"add_image": 12}``)."""
        with self._cond:
            return dict(self._skipped)

    @property
    def left_out_values(self) -> int:
        """Non-finite values left out of histograms so far."""
        return self._left_out

    def _forward(self, name: str, args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> None:
        if self._tee is not None:
            getattr(self._tee, name)(*args, **kwargs)

    # ------------------------------------------------------------------ lifecycle

    def get_logdir(self) -> str:
        """The log directory (TensorBoard's; the run id's default source)."""
        return self.log_dir

    def flush(self) -> None:
        """Sends the scalars held for the current step now (and flushes the ``tee`` writer)."""
        with self._cond:
            self._flush_locked()
        if self._tee is not None:
            self._tee.flush()

    def close(self) -> None:
        """Sends what is held, closes the client (unless given) and the ``tee`` writer; reports what was not sent."""
        with self._cond:
            if self._closed:
                return
            self._flush_locked()
            self._closed = True
            self._cond.notify_all()
        atexit.unregister(self.close)
        if self._flusher is not None and self._flusher is not threading.current_thread():
            self._flusher.join(5)
        if self._tee is not None:
            self._tee.close()
        if self._owns_client:
            self.client.close()
        self._report()

    def _report(self) -> None:
        parts = [f"{count} {what}" for what, count in sorted(self._skipped.items())]
        if self._left_out:
            parts.append(f"{self._left_out} non-finite histogram values")
        if parts:
            where = " (in the TensorBoard files: tee is on)" if self._tee is not None else ""
            warn_stderr(f"trainscope SummaryWriter: run {self.client.run_id!r}: not sent to trainscope: {', '.join(parts)}{where}")

    def __enter__(self) -> "SummaryWriter":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
