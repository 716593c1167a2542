"""HessianTracker for PyTorch: the training-loss Hessian's spectrum every N steps, sent as events."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

import torch

from .._hessian_tracking import Estimation, HessianReport, TrackerSettings, emit
from ._curvature import HVP_MODES, HessianOperator, named_groups

__all__ = ["HessianTracker"]

Tensor = torch.Tensor


def _batch_size(batch: Any) -> Optional[int]:
    """Examples in a batch: the leading size of its first tensor (a tensor, a sequence or a mapping of them)."""
    if isinstance(batch, Tensor):
        return int(batch.shape[0]) if batch.dim() else None
    values = batch.values() if isinstance(batch, Mapping) else batch if isinstance(batch, (list, tuple)) else ()
    for value in values:
        size = _batch_size(value)
        if size is not None:
            return size
    return None


class HessianTracker:
    """Top-k eigenvalues (and optionally trace, per-group traces, density) of a model's loss Hessian every ``every`` steps.

    Convention: ``loss_fn(model, batch)`` returns the scalar loss whose Hessian is tracked, on a
    fixed ``batch`` (e.g. ``lambda m, b: F.cross_entropy(m(b[0]), b[1])``; a fixed batch keeps
    the curve comparable across steps). The Hessian is over the model's trainable parameters
    (``params`` to choose others). Call ``tracker(step)`` (or ``tracker.step(step)``) once per
    training step, with the weights the step's gradient was taken at (PROTOCOL.md: before
    ``optimizer.step()``); on steps divisible by ``every`` it estimates and returns a
    :class:`~trainscope._hessian_tracking.HessianReport`, otherwise it returns None.

    Each estimate starts Lanczos from the previous eigenvectors (``warm_start``), and with a
    ``client`` sends a ``spectrum`` event (top, trace and its standard error, density and Ritz
    nodes, ``estimator`` settings with the product used, ``cost``: products and seconds) and a
    ``scalars`` event: ``hessian/sharpness``, ``hessian/trace``, ``hessian/trace/<group>``.

    The training state is left as it was: the module's mode (train or eval) is not touched,
    buffers it updates in the forward (BatchNorm statistics) are restored, no ``.grad`` is
    written, and the loss runs with the global RNG forked and seeded (dropout sees the same masks
    in every product; the caller's generator does not advance).

    Args:
        k, tol, max_iterations: top-k eigenpairs to a relative residual ``tol``, at most that many products.
        trace_probes, trace_method: products for a trace estimate (0: none), ``"hutch++"`` or ``"hutchinson"``.
        density_probes, density_steps, density_grid, density_width: stochastic Lanczos quadrature (0 probes: none).
        by_group: also each group's diagonal-block trace, from the trace probes (Hutchinson, shared probes).
        groups: the groups (default: the model's layers, see :func:`~trainscope.torch._curvature.named_groups`).
        hvp: the Hessian-vector product, see :mod:`trainscope.torch._curvature` (default ``"auto"``).
        seed: seeds the probes and the loss's RNG; deterministic across reruns.
    """

    def __init__(self, model: torch.nn.Module, loss_fn: Callable[[torch.nn.Module, Any], Tensor], batch: Any,
                 every: int = 50, k: int = 3, client: Optional[Any] = None, tol: float = 1e-3, trace_probes: int = 0,
                 density_probes: int = 0, by_group: bool = False, seed: int = 0, *, trace_method: str = "hutch++",
                 density_steps: int = 80, density_grid: Union[int, Sequence[float]] = 200,
                 density_width: Optional[float] = None, max_iterations: int = 100,
                 params: Optional[Sequence[Tensor]] = None, groups: Optional[Mapping[str, Sequence[Tensor]]] = None,
                 hvp: str = "auto", warm_start: bool = True) -> None:
        if hvp not in HVP_MODES:
            raise ValueError(f"hvp must be one of {', '.join(HVP_MODES)}; got {hvp!r}")
        self.settings = TrackerSettings(every, k, tol, max_iterations, trace_probes, trace_method, density_probes,
                                        density_steps, density_grid, density_width, by_group, warm_start, seed)
        self.settings.check()
        self.model = model
        self.loss_fn = loss_fn
        self.batch = batch
        self.client = client
        self._params = list(params) if params is not None else None
        self._groups = {str(name): list(tensors) for name, tensors in groups.items()} if groups is not None else None
        self._hvp = hvp
        # One callable for the tracker's life: "auto" remembers its choice of product per callable.
        self._loss: Callable[[], Tensor] = lambda: self.loss_fn(self.model, self.batch)
        self._calls = 0
        #: The latest report (None before the first estimate).
        self.last: Optional[HessianReport] = None
        #: The latest unit eigenvectors, flat ``[n]`` in parameter order, largest eigenvalue first.
        self.vectors: List[Tensor] = []

    @property
    def eigenvalues(self) -> List[float]:
        """The latest top-k eigenvalues, largest first (empty before the first estimate)."""
        return list(self.last.eigenvalues) if self.last else []

    @property
    def trace(self) -> Optional[float]:
        """The latest trace estimate, if traces are estimated."""
        return self.last.trace if self.last else None

    @property
    def hvp(self) -> Optional[str]:
        """The Hessian-vector product in use, once the first estimate chose it."""
        return self.last.hvp if self.last else None

    def __call__(self, step: int) -> Optional[HessianReport]:
        """Estimates at ``step`` when it is a multiple of ``every``; returns the report or None."""
        if step % self.settings.every != 0:
            return None
        return self.compute(step)

    def step(self, step: int) -> Optional[HessianReport]:
        """The same as calling the tracker."""
        return self(step)

    def _parameter_groups(self) -> Dict[str, List[Tensor]]:
        if self._groups is not None:
            return self._groups
        if self._params is not None:
            return {"params": self._params}
        return named_groups(self.model)

    def compute(self, step: int) -> HessianReport:
        """Estimates now, whatever the step, sends the events (with a client) and returns the report."""
        groups = self._parameter_groups()
        params = [p for tensors in groups.values() for p in tensors]
        buffers = [(b, b.detach().clone()) for b in self.model.buffers()]
        try:
            operator = HessianOperator(self._loss, params, self._hvp, self.settings.seed)
            bounds, start = [], 0
            for tensors in groups.values():
                size = sum(p.numel() for p in tensors)
                bounds.append((start, start + size))
                start += size

            def parts(z: Tensor, hz: Tensor) -> List[float]:
                products = z.to(torch.float64) * hz.to(torch.float64)
                return [float(products[lo:hi].sum()) for lo, hi in bounds]

            estimation = Estimation(self.settings, self._calls, operator.space, operator, parts, list(groups))
            init = self.vectors if (self.settings.warm_start and len(self.vectors) == self.settings.k
                                    and self.vectors[0].numel() == operator.dimension) else None
            report, vectors = estimation.run(step, init, lambda: operator.mode or self._hvp)
        finally:
            with torch.no_grad():
                for buffer, saved in buffers:
                    buffer.copy_(saved)
        self._calls += 1
        self.last = report
        self.vectors = vectors
        if self.client is not None:
            extra: Dict[str, Any] = {"dtype": str(operator.dtype).replace("torch.", ""), "parameters": operator.dimension}
            examples = _batch_size(self.batch)
            if examples is not None:
                extra["batch"] = examples
            emit(self.client, report, self.settings, extra)
        return report
