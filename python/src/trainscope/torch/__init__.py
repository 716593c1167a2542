"""Curvature and compression fronts for PyTorch models: every view the built-in engine has.

``hessian_top_k``, ``hessian_trace``, ``hessian_trace_by_group`` and ``hessian_density`` are plain
functions over Hessian-vector products of a zero-argument ``loss`` callable and the list of
tensors it depends on; :class:`HessianTracker` runs them every N steps of a training loop and
sends ``spectrum`` events and ``hessian/*`` scalars; :func:`compression_front` sends the ``pareto``
front of pruned and quantized copies of a model. The same names exist in :mod:`trainscope.jax`.
"""

from __future__ import annotations

from ._compression import compression_front
from ._curvature import hessian_density, hessian_top_k, hessian_trace, hessian_trace_by_group
from ._tracker import HessianTracker

__all__ = [
    "HessianTracker",
    "compression_front",
    "hessian_density",
    "hessian_top_k",
    "hessian_trace",
    "hessian_trace_by_group",
]
