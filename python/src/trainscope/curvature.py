"""Hessian spectrum estimators written once for every framework: standard library only.

Each algorithm takes a :class:`VectorSpace` (how to add, scale, dot and draw vectors ``[n]`` of
one backend: flat torch tensors, numpy arrays, Python lists) and ``matvec``, a symmetric operator
``[n] -> [n]`` (a Hessian-vector product), and returns its result with ``hvps``, the products it
used. :mod:`trainscope.torch` and :mod:`trainscope.jax` supply the spaces and products.

* :func:`top_eigenpairs`: the k largest eigenpairs by Lanczos with full reorthogonalization, to a
  relative residual ``tol``, warm-started from previous eigenvectors.
* :func:`hutchinson_trace`, :func:`hutch_plus_plus_trace`, :func:`hutchinson_block_traces`: the
  trace (of the whole operator or of diagonal blocks) with a standard error.
* :func:`spectral_density`: stochastic Lanczos quadrature with Gaussian broadening.

Small eigenproblems (tridiagonal Lanczos matrices, Rayleigh quotients) are solved in float64 in
pure Python (:mod:`trainscope._lanczos`), so importing this module imports no numerical library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Dict, Generic, List, Optional, Sequence, Tuple, TypeVar, Union

from ._lanczos import (
    CountingOperator,
    LanczosProcess,
    VectorSpace,
    norm,
    orthogonalize,
    symmetric_eigen,
    tridiagonal_eigen,
    tridiagonal_eigenvectors,
)

__all__ = [
    "Eigenpairs",
    "SpectralDensity",
    "TraceEstimate",
    "VectorSpace",
    "hutch_plus_plus_trace",
    "hutchinson_block_traces",
    "hutchinson_trace",
    "spectral_density",
    "symmetric_eigen",
    "top_eigenpairs",
    "tridiagonal_eigen",
]

V = TypeVar("V")

#: A residual counts relative to |λ| but never to less than this share of the largest |Ritz value|,
#: so an eigenvalue at (or crossing) zero can still converge.
_FLOOR = 1e-3


@dataclass
class Eigenpairs(Generic[V]):
    """The k largest eigenpairs: ``values`` descending, unit ``vectors`` ``[n]`` in the same order."""

    values: List[float]
    vectors: List[V]
    #: ‖A v − λ v‖ for each pair (Lanczos' estimate |β_m s_m|, or computed on the warm-start subspace).
    residuals: List[float]
    hvps: int
    #: Whether every residual reached ``tol`` (False when ``max_iterations`` stopped the search).
    converged: bool
    #: Whether the Krylov space started from ``init``.
    warm_start: bool


@dataclass
class TraceEstimate:
    """A stochastic trace estimate and its standard error."""

    value: float
    stderr: float
    hvps: int
    method: str
    #: Random probes the standard error is over.
    samples: int


@dataclass
class SpectralDensity:
    """A stochastic Lanczos quadrature estimate of the eigenvalue density (integrates to about 1)."""

    grid: List[float]
    values: List[float]
    #: Standard deviation across probes of each probe's density at each grid point (the mean's
    #: standard error is ``spread / sqrt(probes)``).
    spread: List[float]
    #: The Gaussian σ used.
    width: float
    #: Ritz values over all probes and their weights (summing to 1 over all probes).
    nodes: List[float]
    weights: List[float]
    #: [tr(A)/n, tr(A²)/n] as the quadrature estimates them, and their standard errors over probes.
    moments: List[float]
    moment_stderr: List[float]
    probes: int
    steps: int
    hvps: int


def _scales(values: Sequence[float], spectrum: Sequence[float]) -> List[float]:
    """max(|λ|, floor × largest |Ritz value|) for each wanted value: what its residual is relative to."""
    largest = max((abs(x) for x in spectrum), default=0.0)
    return [max(abs(x), _FLOOR * largest, 1e-300) for x in values]


def top_eigenpairs(space: VectorSpace[V], matvec: Callable[[V], V], k: int = 3, tol: float = 1e-3,
                   init: Optional[Sequence[V]] = None, max_iterations: int = 100) -> Eigenpairs[V]:
    """The ``k`` largest (algebraic) eigenpairs of a symmetric operator, each to ‖Av − λv‖ ≤ tol·|λ|.

    Lanczos with full reorthogonalization (Gram–Schmidt twice), stopping when the top k Ritz pairs
    all meet the tolerance, after at most ``max_iterations`` products (then ``converged`` is False).

    Cold (``init`` empty) the Krylov space starts from a Gaussian vector. Warm (``init``: previous
    eigenvectors ``[n]``, e.g. the last tracking step's) it starts from their sum, each scaled to
    unit length: if they span the current top eigenvectors exactly, the space is invariant after
    ``len(init)`` steps; if they are close, the start's large components on the wanted directions
    let the Ritz pairs converge in fewer steps. Block alternatives (Rayleigh–Ritz on span(init)
    grown by residuals, with or without LOBPCG's previous directions) were measured on synthetic
    spectra and along a grokking run and never needed fewer products in total. How much a warm
    start saves depends on the gaps: a single Krylov space separates near-equal eigenvalues only
    slowly (and holds one copy of a repeated one), however good the start. Warm starts trust the
    old directions: an eigenvector orthogonal to all of them enters only through rounding.

    Ritz values converge quadratically: a residual of tol·|λ| leaves λ off by about (tol·λ)²/gap.
    A residual is relative to |λ| but never to less than 1e-3 of the largest |Ritz value|, so
    eigenvalues near zero converge too.
    """
    operator: CountingOperator[V] = CountingOperator(matvec)
    k = max(0, min(int(k), space.dimension))
    if k == 0:
        return Eigenpairs([], [], [], 0, True, bool(init))
    start = space.gaussian()
    if init:
        units = [v for v in init if norm(space, v) > 0.0]
        if units:
            start = space.combine([1.0 / norm(space, v) for v in units], units)
    result = _lanczos_top(space, operator, start, k, tol, max(int(max_iterations), k))
    result.hvps = operator.products
    result.warm_start = bool(init)
    return result


def _lanczos_top(space: VectorSpace[V], operator: CountingOperator[V], start: V, k: int, tol: float,
                 steps: int) -> Eigenpairs[V]:
    """Grows one Krylov space from ``start`` until the top ``k`` Ritz pairs converge or ``steps`` products are spent."""
    process = LanczosProcess(space, operator, start, restart=True)
    limit = min(steps, space.dimension)
    while True:
        process.advance()
        m = process.steps
        if m < k and not process.exhausted and m < limit:
            continue
        diagonal, offdiagonal = process.tridiagonal()
        values, (last,) = tridiagonal_eigen(diagonal, offdiagonal, rows=[m - 1])
        order = list(range(m - 1, max(m - 1 - k, -1), -1))
        wanted = [values[j] for j in order]
        residuals = [abs(process.residual_norm * last[j]) for j in order]
        converged = all(r <= tol * s for r, s in zip(residuals, _scales(wanted, values)))
        if converged or process.exhausted or m >= limit:
            coordinates = tridiagonal_eigenvectors(diagonal, offdiagonal, wanted)
            vectors = []
            for s in coordinates:
                y = space.combine(s, process.basis)
                vectors.append(space.scale(1.0 / max(norm(space, y), 1e-300), y))
            return Eigenpairs(wanted, vectors, residuals, 0, converged, False)


def _mean_stderr(samples: Sequence[float]) -> Tuple[float, float]:
    """The mean and its standard error (sample standard deviation / √count)."""
    count = len(samples)
    mean = math.fsum(samples) / count
    if count < 2:
        return mean, 0.0
    variance = math.fsum((x - mean) ** 2 for x in samples) / (count - 1)
    return mean, math.sqrt(variance / count)


def hutchinson_trace(space: VectorSpace[V], matvec: Callable[[V], V], probes: int = 30) -> TraceEstimate:
    """tr(A) ≈ the mean of zᵀAz over ``probes`` Rademacher probes z; standard error = sample std / √probes."""
    if probes < 2:
        raise ValueError(f"a standard error needs at least 2 probes, got {probes}")
    operator: CountingOperator[V] = CountingOperator(matvec)
    samples = []
    for _ in range(probes):
        z = space.rademacher()
        samples.append(space.dot(z, operator(z)))
    mean, stderr = _mean_stderr(samples)
    return TraceEstimate(mean, stderr, operator.products, "hutchinson", probes)


def hutch_plus_plus_trace(space: VectorSpace[V], matvec: Callable[[V], V], probes: int = 30) -> TraceEstimate:
    """Hutch++ (Meyer, Musco, Musco, Woodruff 2021) with ``probes`` products in all.

    A third of the products sketch the top of the spectrum: Q = orth(A·S) for Rademacher S; a
    third take tr(QᵀAQ) exactly; the rest run Hutchinson on the deflated remainder with probes
    (I − QQᵀ)z. tr(A) = tr(QᵀAQ) + tr((I − QQᵀ)A(I − QQᵀ)) exactly, so given Q the only random
    part is the remainder's Hutchinson mean, and the standard error reported is its sample
    std / √(remainder probes): the estimator's spread for this sketch. Needs ``probes`` ≥ 4.
    """
    if probes < 4:
        raise ValueError(f"Hutch++ needs at least 4 products (sketch, its trace, 2 probes), got {probes}")
    operator: CountingOperator[V] = CountingOperator(matvec)
    sketch = probes // 3
    remainder = probes - 2 * sketch
    basis: List[V] = []
    for _ in range(sketch):
        y = operator(space.rademacher())
        before = norm(space, y)
        y, _ = orthogonalize(space, y, basis)
        length = norm(space, y)
        if before > 0.0 and length > 1e-6 * before:
            basis.append(space.scale(1.0 / length, y))
    exact = math.fsum(space.dot(q, operator(q)) for q in basis)
    samples = []
    for _ in range(remainder):
        g, _ = orthogonalize(space, space.rademacher(), basis)
        samples.append(space.dot(g, operator(g)))
    mean, stderr = _mean_stderr(samples)
    return TraceEstimate(exact + mean, stderr, operator.products, "hutch++", remainder)


def hutchinson_block_traces(space: VectorSpace[V], matvec: Callable[[V], V], probes: int,
                            parts: Callable[[V, V], Sequence[float]], names: Sequence[str]) -> Dict[str, TraceEstimate]:
    """The trace of each diagonal block of A from the same ``probes`` Rademacher probes over all of it.

    ``parts(z, Az)`` returns z_bᵀ(Az)_b for each block b (in ``names`` order). E[z_bᵀ(Az)_b] =
    Σ_{i∈b} A_ii = tr(A_bb), since the other terms have zero mean; the cost is ``probes`` products
    whatever the number of blocks, and the block estimates add up to the Hutchinson estimate of
    tr(A) from the same probes. The off-block terms add variance, which the standard errors (sample
    std / √probes per block) include.
    """
    if probes < 2:
        raise ValueError(f"a standard error needs at least 2 probes, got {probes}")
    operator: CountingOperator[V] = CountingOperator(matvec)
    samples: List[List[float]] = [[] for _ in names]
    for _ in range(probes):
        z = space.rademacher()
        for bucket, value in zip(samples, parts(z, operator(z))):
            bucket.append(float(value))
    out = {}
    for name, bucket in zip(names, samples):
        mean, stderr = _mean_stderr(bucket)
        out[name] = TraceEstimate(mean, stderr, operator.products, "hutchinson", probes)
    return out


def spectral_density(space: VectorSpace[V], matvec: Callable[[V], V], probes: int = 10, steps: int = 80,
                     grid: Union[int, Sequence[float]] = 200, width: Optional[float] = None,
                     relative_width: float = 0.01) -> SpectralDensity:
    """The eigenvalue density of A by stochastic Lanczos quadrature (Ubaru, Chen, Saad 2017).

    For each of ``probes`` Rademacher starts, ``steps`` Lanczos steps (full reorthogonalization)
    give Ritz nodes θⱼ with weights τⱼ = (first component of T's j-th eigenvector)²; a probe's
    density is Σ τⱼ N(x; θⱼ, σ²) and the estimate is their mean. σ = ``width``, else
    ``relative_width`` × the node range. ``grid``: a point count spanning the nodes ± 3σ, or the
    points themselves. Costs ``probes`` × ``steps`` products (fewer when A has fewer dimensions).
    """
    if probes < 1 or steps < 1:
        raise ValueError(f"the density needs probes ≥ 1 and steps ≥ 1, got {probes} and {steps}")
    operator: CountingOperator[V] = CountingOperator(matvec)
    per_probe: List[Tuple[List[float], List[float]]] = []
    for _ in range(probes):
        process = LanczosProcess(space, operator, space.rademacher(), restart=False)
        while process.steps < min(steps, space.dimension) and not process.exhausted:
            process.advance()
        diagonal, offdiagonal = process.tridiagonal()
        values, (first,) = tridiagonal_eigen(diagonal, offdiagonal, rows=[0])
        per_probe.append((values, [c * c for c in first]))
    nodes = [theta for values, _ in per_probe for theta in values]
    weights = [tau / probes for _, taus in per_probe for tau in taus]
    low, high = min(nodes), max(nodes)
    span = high - low if high > low else max(abs(high), abs(low), 1.0)
    sigma = float(width) if width is not None else relative_width * span
    if not sigma > 0.0:
        raise ValueError(f"width must be positive, got {width}")
    if isinstance(grid, int):
        lo, hi = low - 3.0 * sigma, high + 3.0 * sigma
        points = [lo + (hi - lo) * i / max(grid - 1, 1) for i in range(grid)]
    else:
        points = [float(x) for x in grid]
    normal = 1.0 / (sigma * math.sqrt(2.0 * math.pi))
    densities = []
    for values, taus in per_probe:
        densities.append([normal * math.fsum(t * math.exp(-0.5 * ((x - v) / sigma) ** 2) for v, t in zip(values, taus))
                          for x in points])
    mean_and_spread = [_mean_stderr([d[i] for d in densities]) for i in range(len(points))]
    moment_samples = [[math.fsum(t * v ** power for v, t in zip(values, taus)) for values, taus in per_probe]
                      for power in (1, 2)]
    moment_stats = [_mean_stderr(samples) for samples in moment_samples]
    return SpectralDensity(
        grid=points,
        values=[m for m, _ in mean_and_spread],
        spread=[se * math.sqrt(probes) for _, se in mean_and_spread],
        width=sigma,
        nodes=nodes,
        weights=weights,
        moments=[m for m, _ in moment_stats],
        moment_stderr=[se for _, se in moment_stats],
        probes=probes,
        steps=steps,
        hvps=operator.products,
    )
