"""What the Hessian trackers of :mod:`trainscope.torch` and :mod:`trainscope.jax` share (standard library only):
the settings, running every estimate on one operator, the result, and the events it becomes.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Generic, List, Optional, Sequence, Tuple, TypeVar, Union

from ._lanczos import VectorSpace
from .curvature import (
    SpectralDensity,
    TraceEstimate,
    hutch_plus_plus_trace,
    hutchinson_block_traces,
    hutchinson_trace,
    spectral_density,
    top_eigenpairs,
)

V = TypeVar("V")

#: Seeds of one tracking call's estimators are seed + _SEED_STRIDE·call + offset, so every call draws
#: new probes and a rerun draws the same ones.
_SEED_STRIDE = 4


@dataclass
class HessianReport:
    """One tracking step's estimates of the training-loss Hessian."""

    step: int
    #: The top-k eigenvalues, largest first, and their residual norms ‖Hv − λv‖.
    eigenvalues: List[float]
    residuals: List[float]
    #: Whether every pair reached the tolerance within ``max_iterations`` products.
    converged: bool
    #: Whether the Lanczos space started from the previous call's eigenvectors.
    warm_start: bool
    #: Products used by the top-k search, and by everything this step.
    top_hvps: int
    hvps: int
    #: Wall time of this step's estimates.
    seconds: float
    #: The Hessian-vector product used ("torch.func", "double-backward", "jax.jvp(grad)", ...).
    hvp: str
    trace: Optional[float] = None
    trace_stderr: Optional[float] = None
    #: Per-group trace of the group's diagonal block: name → (estimate, standard error).
    group_traces: Dict[str, Tuple[float, float]] = field(default_factory=dict)
    density: Optional[SpectralDensity] = None

    @property
    def sharpness(self) -> float:
        """The top eigenvalue (NaN when there is none)."""
        return self.eigenvalues[0] if self.eigenvalues else math.nan

    def scalars(self) -> Dict[str, float]:
        """``hessian/sharpness``, ``hessian/trace`` and ``hessian/trace/<group>``, as the ``scalars`` event carries them."""
        values: Dict[str, float] = {}
        if self.eigenvalues:
            values["hessian/sharpness"] = self.eigenvalues[0]
        if self.trace is not None:
            values["hessian/trace"] = self.trace
        for name, (estimate, _) in self.group_traces.items():
            values[f"hessian/trace/{name}"] = estimate
        return values


@dataclass
class TrackerSettings:
    """What a tracker estimates and how hard it tries (see the trackers' arguments)."""

    every: int = 50
    k: int = 3
    tol: float = 1e-3
    max_iterations: int = 100
    trace_probes: int = 0
    trace_method: str = "hutch++"
    density_probes: int = 0
    density_steps: int = 80
    density_grid: Union[int, Sequence[float]] = 200
    density_width: Optional[float] = None
    by_group: bool = False
    warm_start: bool = True
    seed: int = 0

    def check(self) -> None:
        """Raises ValueError for settings no estimate can run with."""
        if self.every < 1:
            raise ValueError(f"every must be ≥ 1, got {self.every}")
        if self.k < 1 or self.max_iterations < 1 or not self.tol > 0.0:
            raise ValueError("k and max_iterations must be ≥ 1 and tol > 0")
        if self.trace_method not in ("hutch++", "hutchinson"):
            raise ValueError(f"trace_method must be 'hutch++' or 'hutchinson', got {self.trace_method!r}")
        least = 4 if self.trace_method == "hutch++" else 2
        if self.trace_probes and self.trace_probes < least:
            raise ValueError(f"{self.trace_method} needs trace_probes ≥ {least} (or 0: no trace), got {self.trace_probes}")
        if self.by_group and self.trace_probes < 2:
            raise ValueError("by_group traces use the trace probes: set trace_probes ≥ 2")
        if self.density_probes < 0 or (self.density_probes and self.density_steps < 2):
            raise ValueError("density_probes must be ≥ 0 and density_steps ≥ 2")


class Estimation(Generic[V]):
    """Runs one tracking call's estimates on one Hessian operator ``[n] -> [n]``.

    ``space_for(seed)`` makes the backend's vector space drawing from a generator seeded with
    ``seed``; ``parts(z, Hz)`` (for per-group traces) returns z_gᵀ(Hz)_g per group of ``names``.
    """

    def __init__(self, settings: TrackerSettings, call: int, space_for: Callable[[int], VectorSpace[V]],
                 operator: Callable[[V], V], parts: Optional[Callable[[V, V], Sequence[float]]] = None,
                 names: Sequence[str] = ()) -> None:
        self.settings = settings
        self.seed = settings.seed + _SEED_STRIDE * call
        self.space_for = space_for
        self.operator = operator
        self.parts = parts
        self.names = list(names)

    def run(self, step: int, init: Optional[Sequence[V]], hvp: Callable[[], str]) -> Tuple[HessianReport, List[V]]:
        """The report of ``step`` (``hvp()`` names the product once one ran) and the new eigenvectors."""
        s = self.settings
        started = time.perf_counter()
        top = top_eigenpairs(self.space_for(self.seed), self.operator, s.k, s.tol, init, s.max_iterations)
        hvps = top.hvps
        trace: Optional[TraceEstimate] = None
        groups: Dict[str, Tuple[float, float]] = {}
        if s.by_group and self.parts is not None:
            parts = self.parts
            # With Hutchinson the whole trace is one more "group" of the same probes: no extra products.
            together = s.trace_method == "hutchinson"
            names = self.names + (["\0total"] if together else [])

            def with_total(z: V, hz: V) -> List[float]:
                values = [float(x) for x in parts(z, hz)]
                return values + [math.fsum(values)] if together else values

            estimates = hutchinson_block_traces(self.space_for(self.seed + 1), self.operator, s.trace_probes,
                                                with_total, names)
            hvps += s.trace_probes
            trace = estimates.pop("\0total", None)
            groups = {name: (e.value, e.stderr) for name, e in estimates.items()}
        if s.trace_probes and trace is None:
            estimator = hutch_plus_plus_trace if s.trace_method == "hutch++" else hutchinson_trace
            trace = estimator(self.space_for(self.seed + 2), self.operator, s.trace_probes)
            hvps += trace.hvps
        density: Optional[SpectralDensity] = None
        if s.density_probes:
            density = spectral_density(self.space_for(self.seed + 3), self.operator, s.density_probes, s.density_steps,
                                       s.density_grid, s.density_width)
            hvps += density.hvps
        report = HessianReport(
            step=step, eigenvalues=top.values, residuals=top.residuals, converged=top.converged,
            warm_start=top.warm_start, top_hvps=top.hvps, hvps=hvps, seconds=time.perf_counter() - started,
            hvp=hvp(), trace=trace.value if trace else None, trace_stderr=trace.stderr if trace else None,
            group_traces=groups, density=density)
        return report, top.vectors


def estimator_settings(report: HessianReport, settings: TrackerSettings, extra: Dict[str, Any]) -> Dict[str, Any]:
    """The ``estimator`` object of a ``spectrum`` event, with the built-in engine's key names."""
    out: Dict[str, Any] = {
        "method": "lanczos", "top_k": settings.k, "tolerance": settings.tol, "warm_start": report.warm_start,
        "top_hvps": report.top_hvps, "converged": report.converged, "hvp": report.hvp,
    }
    if report.trace is not None:
        out["trace_method"] = "hutchinson" if report.group_traces and settings.trace_method == "hutchinson" else settings.trace_method
        out["trace_probes"] = settings.trace_probes
    if report.group_traces:
        out["group_trace_method"] = "hutchinson"
        out["groups"] = sorted(report.group_traces)
    if report.density is not None:
        out["density_method"] = "slq"
        out["density_probes"] = report.density.probes
        out["density_iterations"] = report.density.steps
    out.update(extra)
    return out


def emit(client: Any, report: HessianReport, settings: TrackerSettings, extra: Dict[str, Any]) -> None:
    """Sends ``report`` through a :class:`trainscope.Client`: one ``spectrum`` event and one ``scalars`` event."""
    density = report.density
    client.spectrum(
        report.step, report.eigenvalues, trace=report.trace,
        density={"grid": density.grid, "values": density.values, "width": density.width} if density else None,
        estimator=estimator_settings(report, settings, extra),
        cost={"hvps": report.hvps, "seconds": report.seconds},
        trace_stderr=report.trace_stderr,
        ritz={"nodes": density.nodes, "weights": density.weights} if density else None,
    )
    values = report.scalars()
    if values:
        client.log(report.step, values)
