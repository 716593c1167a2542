"""HessianTracker for JAX: the training-loss Hessian's spectrum every N steps, sent as events."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

import jax
import numpy as np

from .._hessian_tracking import Estimation, HessianReport, TrackerSettings, emit
from ._curvature import JaxHessian, block_parts, group_bounds

__all__ = ["HessianTracker"]


class HessianTracker:
    """Top-k eigenvalues (and optionally trace, per-group traces, density) of a loss Hessian every ``every`` steps.

    Convention: ``loss_fn(params, batch)`` returns the scalar loss whose Hessian is tracked, on a
    fixed ``batch`` (``batch=None``: ``loss_fn(params)``); ``params`` is the parameter pytree at
    construction. JAX parameters are values, so pass the current ones each step:
    ``tracker(step, params)`` (or ``tracker.step(step, params)``) once per training step, with the
    weights the step's gradient was taken at (before the update); without ``params`` the last
    ones given are used. On steps divisible by ``every`` it estimates and returns a
    :class:`~trainscope._hessian_tracking.HessianReport`, otherwise None.

    The product is ``jax.jvp`` of ``jax.grad``, jitted once per ``loss_fn`` with the batch as a
    traced argument, so steps after the first do not retrace. Each estimate starts Lanczos from
    the previous eigenvectors (``warm_start``), and with a ``client`` sends a ``spectrum`` event
    (top, trace and standard error, density and Ritz nodes, ``estimator`` settings, ``cost``) and a
    ``scalars`` event: ``hessian/sharpness``, ``hessian/trace``, ``hessian/trace/<group>``.
    Groups are the top-level keys of ``params`` (or ``groups``: name → top-level keys).
    Nothing of the caller's is consumed or changed: probes come from the tracker's own numpy
    generator seeded with ``seed``.

    Args:
        k, tol, max_iterations: top-k eigenpairs to a relative residual ``tol``, at most that many products.
        trace_probes, trace_method: products for a trace estimate (0: none), ``"hutch++"`` or ``"hutchinson"``.
        density_probes, density_steps, density_grid, density_width: stochastic Lanczos quadrature (0 probes: none).
        by_group: also each group's diagonal-block trace, from the trace probes (Hutchinson, shared probes).
    """

    def __init__(self, params: Any, loss_fn: Callable[..., Any], batch: Any = None, every: int = 50, k: int = 3,
                 client: Optional[Any] = None, tol: float = 1e-3, trace_probes: int = 0, density_probes: int = 0,
                 by_group: bool = False, seed: int = 0, *, trace_method: str = "hutch++", density_steps: int = 80,
                 density_grid: Union[int, Sequence[float]] = 200, density_width: Optional[float] = None,
                 max_iterations: int = 100, groups: Optional[Mapping[str, Sequence[Any]]] = None,
                 warm_start: bool = True) -> None:
        self.settings = TrackerSettings(every, k, tol, max_iterations, trace_probes, trace_method, density_probes,
                                        density_steps, density_grid, density_width, by_group, warm_start, seed)
        self.settings.check()
        self.params = params
        self.loss_fn = loss_fn
        self.batch = batch
        self.client = client
        self.groups = groups
        self._calls = 0
        #: The latest report (None before the first estimate).
        self.last: Optional[HessianReport] = None
        #: The latest unit eigenvectors, flat ``[n]`` numpy arrays in ``ravel_pytree`` order, largest eigenvalue first.
        self.vectors: List[np.ndarray] = []

    @property
    def eigenvalues(self) -> List[float]:
        """The latest top-k eigenvalues, largest first (empty before the first estimate)."""
        return list(self.last.eigenvalues) if self.last else []

    @property
    def trace(self) -> Optional[float]:
        """The latest trace estimate, if traces are estimated."""
        return self.last.trace if self.last else None

    def __call__(self, step: int, params: Any = None) -> Optional[HessianReport]:
        """Estimates at ``step`` when it is a multiple of ``every``; returns the report or None."""
        if params is not None:
            self.params = params
        if step % self.settings.every != 0:
            return None
        return self.compute(step)

    def step(self, step: int, params: Any = None) -> Optional[HessianReport]:
        """The same as calling the tracker."""
        return self(step, params)

    def compute(self, step: int, params: Any = None) -> HessianReport:
        """Estimates now, whatever the step, sends the events (with a client) and returns the report."""
        if params is not None:
            self.params = params
        args = () if self.batch is None else (self.batch,)
        operator = JaxHessian(self.loss_fn, self.params, args)
        bounds = group_bounds(self.params, self.groups)
        estimation = Estimation(self.settings, self._calls, operator.space, operator, block_parts(bounds), list(bounds))
        init = self.vectors if (self.settings.warm_start and len(self.vectors) == self.settings.k
                                and self.vectors[0].size == operator.dimension) else None
        report, vectors = estimation.run(step, init, lambda: operator.mode)
        self._calls += 1
        self.last = report
        self.vectors = vectors
        if self.client is not None:
            extra: Dict[str, Any] = {"dtype": str(operator.dtype), "parameters": operator.dimension}
            leaves = jax.tree_util.tree_leaves(self.batch)
            if leaves and np.ndim(leaves[0]) > 0:
                extra["batch"] = int(np.shape(leaves[0])[0])
            emit(self.client, report, self.settings, extra)
        return report
