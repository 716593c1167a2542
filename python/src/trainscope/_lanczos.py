"""The pieces under :mod:`trainscope.curvature`: the vector-space protocol, Lanczos with full
reorthogonalization, and small symmetric eigensolvers in pure Python (standard library only).

Every vector is whatever a backend's :class:`VectorSpace` makes (a flat ``[n]`` tensor, a numpy
array, a Python list); the algorithms only combine them through the protocol, so one
implementation serves PyTorch, JAX and the tests. The small matrices these methods produce
(tridiagonal ``[m, m]`` Lanczos matrices, ``[m, m]`` Rayleigh quotients with m ≲ 100) are solved
here in float64 by implicit QL, inverse iteration and cyclic Jacobi, so no numpy is needed.
"""

from __future__ import annotations

import math
from typing import Callable, Generic, List, Optional, Protocol, Sequence, Tuple, TypeVar

V = TypeVar("V")

_EPS = 2.220446049250313e-16


class VectorSpace(Protocol[V]):
    """The vector operations the curvature algorithms use, for vectors ``[n]`` of one backend.

    Results are new vectors (an implementation may not alias its inputs). ``rademacher`` and
    ``gaussian`` draw from the space's own seeded generator, never from a global one.
    """

    @property
    def dimension(self) -> int:
        """n, the length of every vector."""
        ...

    def dot(self, a: V, b: V) -> float:
        """aᵀb, accumulated in float64."""
        ...

    def dots(self, vectors: Sequence[V], w: V) -> List[float]:
        """[vᵀw for v in vectors], accumulated in float64."""
        ...

    def combine(self, coefficients: Sequence[float], vectors: Sequence[V]) -> V:
        """Σ cᵢ vᵢ (the zero vector when empty)."""
        ...

    def axpy(self, alpha: float, x: V, y: V) -> V:
        """y + αx."""
        ...

    def scale(self, alpha: float, x: V) -> V:
        """αx."""
        ...

    def rademacher(self) -> V:
        """A vector of independent ±1 entries."""
        ...

    def gaussian(self) -> V:
        """A vector of independent standard normal entries."""
        ...


class CountingOperator(Generic[V]):
    """A symmetric operator ``[n] -> [n]`` (a Hessian-vector product) that counts its calls."""

    def __init__(self, matvec: Callable[[V], V]) -> None:
        self.matvec = matvec
        self.products = 0

    def __call__(self, v: V) -> V:
        """A·v, counted."""
        self.products += 1
        return self.matvec(v)


def norm(space: VectorSpace[V], v: V) -> float:
    """‖v‖₂."""
    return math.sqrt(max(space.dot(v, v), 0.0))


def orthogonalize(space: VectorSpace[V], w: V, basis: Sequence[V]) -> Tuple[V, List[float]]:
    """w minus its projection on the orthonormal ``basis`` and the total coefficients removed.

    Classical Gram–Schmidt twice ("twice is enough", Giraud et al. 2005): one pass leaves errors
    of the size of the basis' loss of orthogonality times ‖w‖, which float32 products make large;
    a second pass brings them to rounding level, and batching each pass as ``dots`` + ``combine``
    keeps it two large operations per pass for tensor backends.
    """
    total = [0.0] * len(basis)
    if not basis:
        return w, total
    for _ in range(2):
        coefficients = space.dots(basis, w)
        w = space.axpy(-1.0, space.combine(coefficients, basis), w)
        total = [t + c for t, c in zip(total, coefficients)]
    return w, total


class LanczosProcess(Generic[V]):
    """Lanczos on a symmetric operator with full reorthogonalization, one product per step.

    Keeps the orthonormal basis q₁ … q_m (every new direction is orthogonalized against all of
    them, so Ritz values never repeat as ghosts), the diagonal ``alphas`` α₁ … α_m of the
    tridiagonal T_m and ``betas`` β₁ … β_m, where βⱼ couples qⱼ and qⱼ₊₁ and β_m is the norm of the
    next, not yet normalized, direction: a Ritz pair (θ, Q s) has residual norm |β_m s_m|.
    When the space becomes invariant and ``restart`` is set, a fresh random direction continues
    it with a zero coupling (T turns block diagonal), so top-k still finds pairs outside it.
    """

    def __init__(self, space: VectorSpace[V], operator: Callable[[V], V], start: V, restart: bool = True) -> None:
        self.space = space
        self.operator = operator
        self.restart = restart
        self.basis: List[V] = []
        self.alphas: List[float] = []
        self.betas: List[float] = []
        self.exhausted = False
        self._scale = 0.0
        length = norm(space, start)
        if not (length > 0.0 and math.isfinite(length)):  # a zero or broken start: any direction will do
            start = space.gaussian()
            length = norm(space, start)
        self._next: V = space.scale(1.0 / length, start)

    @property
    def steps(self) -> int:
        """Steps taken (operator products used)."""
        return len(self.alphas)

    @property
    def residual_norm(self) -> float:
        """β_m: the norm of the direction the next step would take."""
        return self.betas[-1] if self.betas else 0.0

    def advance(self) -> None:
        """Takes one step (one product); does nothing once the whole space is spanned."""
        if self.exhausted:
            return
        q = self._next
        self.basis.append(q)
        w, coefficients = orthogonalize(self.space, self.operator(q), self.basis)
        alpha = coefficients[-1]
        beta = norm(self.space, w)
        self.alphas.append(alpha)
        self._scale = max(self._scale, abs(alpha), beta)
        if len(self.basis) >= self.space.dimension:
            self.betas.append(0.0)
            self.exhausted = True
            return
        if beta > 1e-10 * self._scale:
            self.betas.append(beta)
            self._next = self.space.scale(1.0 / beta, w)
            return
        # Invariant subspace: every Ritz pair so far is exact.
        self.betas.append(0.0)
        if not self.restart:
            self.exhausted = True
            return
        fresh, _ = orthogonalize(self.space, self.space.gaussian(), self.basis)
        length = norm(self.space, fresh)
        if length <= 1e-8 * math.sqrt(self.space.dimension):
            self.exhausted = True
            return
        self._next = self.space.scale(1.0 / length, fresh)

    def tridiagonal(self) -> Tuple[List[float], List[float]]:
        """(diagonal ``[m]``, off-diagonal ``[m-1]``) of T_m."""
        return list(self.alphas), self.betas[: max(len(self.alphas) - 1, 0)]


def tridiagonal_eigen(diagonal: Sequence[float], offdiagonal: Sequence[float],
                      rows: Sequence[int] = ()) -> Tuple[List[float], List[List[float]]]:
    """Eigenvalues (ascending) of a symmetric tridiagonal ``[m, m]`` and chosen rows of its eigenvectors.

    Implicit QL with Wilkinson shifts (the EISPACK ``tql2`` / Numerical Recipes ``tqli`` scheme).
    Each rotation acts on two columns of the eigenvector matrix and every row transforms on its own,
    so tracking only the rows asked for (the first, for quadrature weights; the last, for Lanczos
    residuals) costs O(m²) instead of O(m³). Returns ``(values, [[row r of eigenvector j for j] for r in rows])``.
    """
    m = len(diagonal)
    d = [float(x) for x in diagonal]
    e = [float(x) for x in offdiagonal] + [0.0]
    tracked = [[1.0 if j == r else 0.0 for j in range(m)] for r in rows]
    for l in range(m):
        iterations = 0
        while True:
            k = l
            while k < m - 1:
                if abs(e[k]) <= _EPS * (abs(d[k]) + abs(d[k + 1])):
                    break
                k += 1
            if k == l:
                break
            iterations += 1
            if iterations > 100:
                raise ArithmeticError("tridiagonal QL did not converge")
            g = (d[l + 1] - d[l]) / (2.0 * e[l])
            r = math.hypot(g, 1.0)
            g = d[k] - d[l] + e[l] / (g + math.copysign(r, g))
            s = c = 1.0
            p = 0.0
            underflow = False
            for i in range(k - 1, l - 1, -1):
                f, b = s * e[i], c * e[i]
                r = math.hypot(f, g)
                e[i + 1] = r
                if r == 0.0:
                    d[i + 1] -= p
                    e[k] = 0.0
                    underflow = True
                    break
                s, c = f / r, g / r
                g = d[i + 1] - p
                r = (d[i] - g) * s + 2.0 * c * b
                p = s * r
                d[i + 1] = g + p
                g = c * r - b
                for z in tracked:
                    f = z[i + 1]
                    z[i + 1] = s * z[i] + c * f
                    z[i] = c * z[i] - s * f
            if underflow:
                continue
            d[l] -= p
            e[l] = g
            e[k] = 0.0
    order = sorted(range(m), key=lambda j: d[j])
    return [d[j] for j in order], [[z[j] for j in order] for z in tracked]


def tridiagonal_eigenvectors(diagonal: Sequence[float], offdiagonal: Sequence[float],
                             values: Sequence[float]) -> List[List[float]]:
    """Unit eigenvectors ``[m]`` of a symmetric tridiagonal for the given (accurate) eigenvalues.

    Inverse iteration with a pivoted tridiagonal LU (LAPACK ``dstein``'s scheme): O(m) per vector
    where the QL above would need O(m³) for whole vectors. Values closer than 1e-3‖T‖ form a
    cluster; their vectors are orthogonalized against each other and their shifts spread apart,
    so nearly repeated Ritz values still give orthogonal vectors.
    """
    m = len(diagonal)
    scale = max([abs(x) for x in diagonal] + [abs(x) for x in offdiagonal] + [1e-300])
    cluster_gap, spread = 1e-3 * scale, 10.0 * _EPS * scale
    vectors: List[List[float]] = []
    cluster: List[List[float]] = []
    previous: Optional[float] = None
    for value in values:
        shift = value
        if previous is not None and abs(value - previous) <= cluster_gap:
            shift = max(shift, previous + spread) if value >= previous else min(shift, previous - spread)
        else:
            cluster = []
        x = [1.0 / math.sqrt(m) * (1.0 + 0.01 * ((7 * i) % 13)) for i in range(m)]
        for _ in range(3):
            x = _tridiagonal_solve(diagonal, offdiagonal, shift, x, scale)
            for u in cluster:
                overlap = sum(a * b for a, b in zip(u, x))
                x = [a - overlap * b for a, b in zip(x, u)]
            length = math.sqrt(sum(a * a for a in x)) or 1.0
            x = [a / length for a in x]
        vectors.append(x)
        cluster.append(x)
        previous = shift
    return vectors


def _tridiagonal_solve(diagonal: Sequence[float], offdiagonal: Sequence[float], shift: float,
                       rhs: Sequence[float], scale: float) -> List[float]:
    """Solves (T − shift·I) x = rhs by LU with partial pivoting (``dgttrf``/``dgtts2``); zero pivots become tiny."""
    m = len(diagonal)
    tiny = _EPS * scale
    d = [float(a) - shift for a in diagonal]
    du = [float(b) for b in offdiagonal]
    dl = [float(b) for b in offdiagonal]
    du2 = [0.0] * max(m - 2, 0)
    swapped = [False] * max(m - 1, 0)
    for i in range(m - 1):
        if abs(d[i]) >= abs(dl[i]):
            if d[i] == 0.0:
                d[i] = tiny
            factor = dl[i] / d[i]
            dl[i] = factor
            d[i + 1] -= factor * du[i]
        else:
            factor = d[i] / dl[i]
            d[i], dl[i] = dl[i], factor
            upper = du[i]
            du[i] = d[i + 1]
            d[i + 1] = upper - factor * d[i + 1]
            if i < m - 2:
                du2[i] = du[i + 1]
                du[i + 1] = -factor * du[i + 1]
            swapped[i] = True
    if m and d[m - 1] == 0.0:
        d[m - 1] = tiny
    x = [float(v) for v in rhs]
    for i in range(m - 1):
        if swapped[i]:
            x[i], x[i + 1] = x[i + 1], x[i] - dl[i] * x[i + 1]
        else:
            x[i + 1] -= dl[i] * x[i]
    for i in range(m - 1, -1, -1):
        total = x[i]
        if i + 1 < m:
            total -= du[i] * x[i + 1]
        if i + 2 < m:
            total -= du2[i] * x[i + 2]
        x[i] = total / d[i]
    return x


def symmetric_eigen(matrix: Sequence[Sequence[float]]) -> Tuple[List[float], List[List[float]]]:
    """Eigenvalues (ascending) and unit eigenvectors (``vectors[j]`` is the j-th, ``[m]``) of a small
    dense symmetric ``[m, m]``, by cyclic Jacobi rotations (accurate to rounding; for m ≲ 50).
    """
    m = len(matrix)
    a = [[0.5 * (float(matrix[i][j]) + float(matrix[j][i])) for j in range(m)] for i in range(m)]
    v = [[1.0 if i == j else 0.0 for j in range(m)] for i in range(m)]
    for _ in range(100):
        off = sum(a[i][j] * a[i][j] for i in range(m) for j in range(i + 1, m))
        total = sum(a[i][i] * a[i][i] for i in range(m)) + 2.0 * off
        if off <= (_EPS * _EPS) * total or off == 0.0:
            break
        for p in range(m - 1):
            for q in range(p + 1, m):
                apq = a[p][q]
                if apq == 0.0:
                    continue
                theta = (a[q][q] - a[p][p]) / (2.0 * apq)
                t = math.copysign(1.0, theta) / (abs(theta) + math.sqrt(theta * theta + 1.0))
                c = 1.0 / math.sqrt(t * t + 1.0)
                s = t * c
                for k in range(m):
                    akp, akq = a[k][p], a[k][q]
                    a[k][p], a[k][q] = c * akp - s * akq, s * akp + c * akq
                for k in range(m):
                    apk, aqk = a[p][k], a[q][k]
                    a[p][k], a[q][k] = c * apk - s * aqk, s * apk + c * aqk
                for k in range(m):
                    vkp, vkq = v[k][p], v[k][q]
                    v[k][p], v[k][q] = c * vkp - s * vkq, s * vkp + c * vkq
    order = sorted(range(m), key=lambda j: a[j][j])
    return [a[j][j] for j in order], [[v[k][j] for k in range(m)] for j in order]
