"""Hessian curvature of a JAX loss: top-k eigenpairs, trace, per-group traces, spectral density.

``loss(params, *args)`` returns the scalar loss of ``params``, a pytree of arrays (``args``:
extra inputs such as the batch, traced rather than baked in, so new values reuse the compiled
product). Hessian-vector products are ``jax.jvp`` of ``jax.grad`` (forward-over-reverse), jitted
and cached per ``loss`` function: repeated calls and tracker steps with same-shaped inputs do not
retrace. Vectors are flat ``[n]`` arrays in the order of ``jax.flatten_util.ravel_pytree(params)``
(its second result turns one back into a pytree) and in the params' dtype. The Lanczos and
trace arithmetic runs on the host in numpy, dot products accumulated in float64 (JAX has no
float64 on the device unless ``jax_enable_x64`` is set); each product moves its vector to the
device and back. The algorithms are :mod:`trainscope.curvature`'s.
"""

from __future__ import annotations

import collections
import threading
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from ..curvature import (
    TraceEstimate,
    hutch_plus_plus_trace,
    hutchinson_block_traces,
    hutchinson_trace,
    spectral_density,
    top_eigenpairs,
)

__all__ = ["hessian_density", "hessian_top_k", "hessian_trace", "hessian_trace_by_group"]

#: What estimator["hvp"] says for these products.
HVP_NAME = "jax.jvp(grad)"

Loss = Callable[..., Any]
Vector = np.ndarray


#: The most bytes NumpySpace spends on a float64 copy of a growing basis (see ``NumpySpace.dots``).
BASIS_CACHE_BYTES = 256 << 20


class NumpySpace:
    """:class:`~trainscope.curvature.VectorSpace` of flat ``[n]`` numpy arrays; random vectors from its own seeded generator."""

    def __init__(self, dimension: int, dtype: Any, seed: int) -> None:
        self.dimension = dimension
        self._dtype = np.dtype(dtype)
        self._rng = np.random.default_rng(int(seed))
        self._held: List[Vector] = []
        self._rows = np.empty((0, dimension), dtype=np.float64)

    def dot(self, a: Vector, b: Vector) -> float:
        """aᵀb in float64."""
        return float(np.dot(a.astype(np.float64, copy=False), b.astype(np.float64, copy=False)))

    def _matrix(self, vectors: Sequence[Vector]) -> Optional[Vector]:
        """The float64 rows ``[m, n]`` of ``vectors`` when they extend the ones seen last, else None.

        Lanczos and Gram–Schmidt pass the same growing basis on every step; keeping its float64
        copy turns each pass into one matrix-vector product instead of m conversions. The arrays
        are held, so an id cannot be reused while it stands for a row.
        """
        held = len(self._held)
        if len(vectors) < held or any(v is not h for v, h in zip(vectors, self._held)):
            self._held, held = [], 0
        if len(vectors) * self.dimension * 8 > BASIS_CACHE_BYTES:
            self._held = []
            self._rows = self._rows[:0]
            return None
        if len(vectors) > self._rows.shape[0]:
            grown = np.empty((max(2 * self._rows.shape[0], len(vectors), 8), self.dimension), dtype=np.float64)
            grown[:held] = self._rows[:held]
            self._rows = grown
        for index in range(held, len(vectors)):
            self._rows[index] = vectors[index]
            self._held.append(vectors[index])
        return self._rows[: len(vectors)]

    def dots(self, vectors: Sequence[Vector], w: Vector) -> List[float]:
        """[vᵀw for v in vectors] in float64."""
        if not vectors:
            return []
        matrix = self._matrix(vectors)
        w64 = w.astype(np.float64)
        if matrix is None:
            return [float(np.dot(v.astype(np.float64), w64)) for v in vectors]
        result: List[float] = (matrix @ w64).tolist()
        return result

    def combine(self, coefficients: Sequence[float], vectors: Sequence[Vector]) -> Vector:
        """Σ cᵢ vᵢ."""
        if len(vectors) == len(self._held) and vectors and all(v is h for v, h in zip(vectors, self._held)):
            weights = np.asarray(coefficients, dtype=np.float64)
            combined: Vector = (weights @ self._rows[: len(vectors)]).astype(self._dtype)
            return combined
        out = np.zeros(self.dimension, dtype=self._dtype)
        for c, v in zip(coefficients, vectors):
            out += self._dtype.type(c) * v
        return out

    def axpy(self, alpha: float, x: Vector, y: Vector) -> Vector:
        """y + αx."""
        out: Vector = y + self._dtype.type(alpha) * x
        return out

    def scale(self, alpha: float, x: Vector) -> Vector:
        """αx."""
        out: Vector = self._dtype.type(alpha) * x
        return out

    def rademacher(self) -> Vector:
        """Independent ±1 entries."""
        return (self._rng.integers(0, 2, self.dimension) * 2 - 1).astype(self._dtype)

    def gaussian(self) -> Vector:
        """Independent standard normal entries."""
        return self._rng.standard_normal(self.dimension).astype(self._dtype)


_COMPILED: "collections.OrderedDict[Loss, Callable[..., Any]]" = collections.OrderedDict()
_COMPILED_LOCK = threading.Lock()
_COMPILED_LIMIT = 32


def _compiled_hvp(loss: Loss) -> Callable[..., Any]:
    """The jitted ``(params, v_flat, *args) -> H·v`` (flat) of ``loss``, one per loss function (LRU of 32)."""
    with _COMPILED_LOCK:
        found = _COMPILED.get(loss)
        if found is not None:
            _COMPILED.move_to_end(loss)
            return found

    def hvp(params: Any, v: Any, *args: Any) -> Any:
        tangent = ravel_pytree(params)[1](v)
        _, product = jax.jvp(lambda p: jax.grad(loss)(p, *args), (params,), (tangent,))
        return ravel_pytree(product)[0]

    compiled: Callable[..., Any] = jax.jit(hvp)
    with _COMPILED_LOCK:
        _COMPILED[loss] = compiled
        while len(_COMPILED) > _COMPILED_LIMIT:
            _COMPILED.popitem(last=False)
    return compiled


class JaxHessian:
    """The Hessian of ``loss(params, *args)`` in ``params`` as a symmetric operator on flat ``[n]`` numpy vectors."""

    def __init__(self, loss: Loss, params: Any, args: Sequence[Any] = ()) -> None:
        flat, self.unravel = ravel_pytree(params)
        if flat.size == 0:
            raise ValueError("params has no elements: the Hessian needs at least one")
        self.dimension = int(flat.size)
        self.dtype = np.dtype(flat.dtype)
        self.params = params
        self.args = tuple(args)
        self.mode = HVP_NAME
        #: Products computed.
        self.products = 0
        self._hvp = _compiled_hvp(loss)

    def __call__(self, v: Vector) -> Vector:
        """H·v for a flat ``[n]`` vector."""
        self.products += 1
        return np.asarray(self._hvp(self.params, jnp.asarray(v), *self.args))

    def space(self, seed: int) -> NumpySpace:
        """The vector space of this operator's vectors, drawing from a generator seeded with ``seed``."""
        return NumpySpace(self.dimension, self.dtype, seed)

    def flatten(self, vector: Any) -> Vector:
        """A flat ``[n]`` numpy vector from a flat array or a pytree shaped like ``params``."""
        flat = np.asarray(vector if hasattr(vector, "shape") and np.ndim(vector) == 1 else ravel_pytree(vector)[0])
        if flat.size != self.dimension:
            raise ValueError(f"a vector of {flat.size} elements for {self.dimension} parameters")
        return flat.astype(self.dtype)


def group_bounds(params: Any, groups: Optional[Mapping[str, Sequence[Any]]] = None) -> Dict[str, List[Tuple[int, int]]]:
    """The flat index ranges of each group: by default each top-level key (or index) of ``params``;
    ``groups`` maps a name to the top-level keys it gathers (``{"embeddings": ["embed_a", "embed_b"]}``)."""
    offset = 0
    by_key: Dict[Any, List[Tuple[int, int]]] = collections.OrderedDict()
    for path, leaf in jax.tree_util.tree_flatten_with_path(params)[0]:
        size = int(np.size(leaf))
        entry = path[0] if path else None
        key = getattr(entry, "key", getattr(entry, "idx", getattr(entry, "name", entry)))
        by_key.setdefault(key, []).append((offset, offset + size))
        offset += size
    if groups is None:
        return {str(key): ranges for key, ranges in by_key.items()}
    out: Dict[str, List[Tuple[int, int]]] = {}
    for name, keys in groups.items():
        missing = [key for key in keys if key not in by_key]
        if missing:
            raise ValueError(f"group {name!r}: no top-level key {missing[0]!r} in params (keys: {list(by_key)})")
        out[str(name)] = [r for key in keys for r in by_key[key]]
    return out


def block_parts(bounds: Mapping[str, Sequence[Tuple[int, int]]]) -> Callable[[Vector, Vector], List[float]]:
    """``parts(z, Hz)``: z_gᵀ(Hz)_g for each group, in float64."""
    def parts(z: Vector, hz: Vector) -> List[float]:
        products = z.astype(np.float64) * hz.astype(np.float64)
        return [float(sum(products[lo:hi].sum() for lo, hi in ranges)) for ranges in bounds.values()]
    return parts


def hessian_top_k(loss: Loss, params: Any, k: int = 3, tol: float = 1e-3, init: Optional[Sequence[Any]] = None,
                  max_iterations: int = 100, seed: int = 0, *, args: Sequence[Any] = ()) -> Tuple[List[float], List[Any]]:
    """The ``k`` largest Hessian eigenvalues (descending) and unit eigenvectors (flat ``[n]`` jax arrays).

    Lanczos to ‖Hv − λv‖ ≤ tol·|λ| (see :func:`trainscope.curvature.top_eigenpairs`), warm-started
    from ``init`` (previous eigenvectors, flat or pytrees like ``params``) when given; at most
    ``max_iterations`` Hessian-vector products.
    """
    operator = JaxHessian(loss, params, args)
    start = [operator.flatten(v) for v in init] if init else None
    found = top_eigenpairs(operator.space(seed), operator, k, tol, start, max_iterations)
    return found.values, [jnp.asarray(v) for v in found.vectors]


def hessian_trace(loss: Loss, params: Any, probes: int = 30, method: str = "hutch++", seed: int = 0, *,
                  args: Sequence[Any] = ()) -> Tuple[float, float]:
    """(estimate, standard error) of tr(H) from ``probes`` Hessian-vector products, by ``"hutch++"`` or ``"hutchinson"``."""
    operator = JaxHessian(loss, params, args)
    estimate: TraceEstimate
    if method == "hutch++":
        estimate = hutch_plus_plus_trace(operator.space(seed), operator, probes)
    elif method == "hutchinson":
        estimate = hutchinson_trace(operator.space(seed), operator, probes)
    else:
        raise ValueError(f"method must be 'hutch++' or 'hutchinson', got {method!r}")
    return estimate.value, estimate.stderr


def hessian_trace_by_group(loss: Loss, params: Any, probes: int = 30, method: str = "hutchinson", seed: int = 0,
                           groups: Optional[Mapping[str, Sequence[Any]]] = None, *,
                           args: Sequence[Any] = ()) -> Dict[str, Tuple[float, float]]:
    """(estimate, standard error) of tr(H_gg), the trace of each group's diagonal block of the Hessian.

    Groups: the top-level keys of ``params`` (a dict: ``{"embed_a": ..., "out": ...}``), or
    ``groups``, a mapping from name to the top-level keys it gathers. ``"hutchinson"``: ``probes``
    products shared by every group (see :func:`trainscope.curvature.hutchinson_block_traces`);
    ``"hutch++"``: Hutch++ on each block on its own, ``probes`` products per group.
    """
    operator = JaxHessian(loss, params, args)
    bounds = group_bounds(params, groups)
    if method == "hutchinson":
        estimates = hutchinson_block_traces(operator.space(seed), operator, probes, block_parts(bounds), list(bounds))
        return {name: (e.value, e.stderr) for name, e in estimates.items()}
    if method != "hutch++":
        raise ValueError(f"method must be 'hutch++' or 'hutchinson', got {method!r}")
    out = {}
    for index, (name, ranges) in enumerate(bounds.items()):
        size = sum(hi - lo for lo, hi in ranges)

        def block(v: Vector, ranges: Sequence[Tuple[int, int]] = ranges) -> Vector:
            full = np.zeros(operator.dimension, dtype=operator.dtype)
            at = 0
            for lo, hi in ranges:
                full[lo:hi] = v[at:at + hi - lo]
                at += hi - lo
            product = operator(full)
            return np.concatenate([product[lo:hi] for lo, hi in ranges])

        estimate = hutch_plus_plus_trace(NumpySpace(size, operator.dtype, seed + index), block, probes)
        out[name] = (estimate.value, estimate.stderr)
    return out


def hessian_density(loss: Loss, params: Any, probes: int = 10, steps: int = 80,
                    grid: Union[int, Sequence[float]] = 200, width: Optional[float] = None, seed: int = 0, *,
                    args: Sequence[Any] = ()) -> Tuple[List[float], List[float]]:
    """(grid, density) of the Hessian's eigenvalues by stochastic Lanczos quadrature, ``probes`` × ``steps`` products.

    ``grid``: a point count (spanning the Ritz values ± 3σ) or the points; ``width``: the Gaussian σ
    (default 1% of the Ritz value range). See :func:`trainscope.curvature.spectral_density`.
    """
    operator = JaxHessian(loss, params, args)
    density = spectral_density(operator.space(seed), operator, probes, steps, grid, width)
    return density.grid, density.values
