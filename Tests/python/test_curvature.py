"""Tests of trainscope.curvature, the framework-free Hessian estimators (standard library only).

    python3 -m unittest discover -s Tests/python -p 'test_*curvature*.py' -v     # from the repository root

The algorithms run over a list-backed vector space on symmetric matrices whose eigenvalues are
known by construction (A = Q·diag(λ)·Qᵀ with Q orthogonal: a few Householder reflections after a
randomized Hadamard transform, which spreads every eigenvector over all coordinates as a generic
Hessian's are), so every expectation is exact or a statistical bound in standard errors. Seeds are fixed: the results
are the same on every run.
"""

from __future__ import annotations

import math
import random
import sys
import unittest
from pathlib import Path
from typing import List, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python" / "src"))

from trainscope import curvature  # noqa: E402
from trainscope._lanczos import tridiagonal_eigenvectors  # noqa: E402

Vector = List[float]


class ListSpace:
    """The VectorSpace protocol over Python lists of floats."""

    def __init__(self, dimension: int, seed: int = 0) -> None:
        self.dimension = dimension
        self._rng = random.Random(seed)

    def dot(self, a: Vector, b: Vector) -> float:
        return math.fsum(x * y for x, y in zip(a, b))

    def dots(self, vectors: Sequence[Vector], w: Vector) -> List[float]:
        return [self.dot(v, w) for v in vectors]

    def combine(self, coefficients: Sequence[float], vectors: Sequence[Vector]) -> Vector:
        out = [0.0] * self.dimension
        for c, v in zip(coefficients, vectors):
            for i, x in enumerate(v):
                out[i] += c * x
        return out

    def axpy(self, alpha: float, x: Vector, y: Vector) -> Vector:
        return [b + alpha * a for a, b in zip(x, y)]

    def scale(self, alpha: float, x: Vector) -> Vector:
        return [alpha * a for a in x]

    def rademacher(self) -> Vector:
        return [1.0 if self._rng.random() < 0.5 else -1.0 for _ in range(self.dimension)]

    def gaussian(self) -> Vector:
        return [self._rng.gauss(0.0, 1.0) for _ in range(self.dimension)]


def hadamard(v: Vector) -> Vector:
    """The orthonormal Walsh–Hadamard transform of a vector whose length is a power of 2 (its own inverse)."""
    v = list(v)
    h = 1
    while h < len(v):
        for start in range(0, len(v), 2 * h):
            for i in range(start, start + h):
                v[i], v[i + h] = v[i] + v[i + h], v[i] - v[i + h]
        h *= 2
    scale = 1.0 / math.sqrt(len(v))
    return [x * scale for x in v]


class KnownMatrix:
    """A = Q·diag(eigenvalues)·Qᵀ with Q = R·H·S (reflections R, Hadamard H, random signs S); counts its products."""

    def __init__(self, eigenvalues: Sequence[float], seed: int = 1, reflections: int = 3) -> None:
        rng = random.Random(seed)
        self.n = len(eigenvalues)
        assert self.n & (self.n - 1) == 0, "the Hadamard transform needs a power of 2"
        self.eigenvalues = [float(x) for x in eigenvalues]
        self.signs = [rng.choice((-1.0, 1.0)) for _ in range(self.n)]
        self.normals = []
        for _ in range(reflections):
            u = [rng.gauss(0.0, 1.0) for _ in range(self.n)]
            length = math.sqrt(sum(x * x for x in u))
            self.normals.append([x / length for x in u])
        self.products = 0

    @staticmethod
    def _reflect(u: Vector, v: Vector) -> Vector:
        twice = 2.0 * math.fsum(a * b for a, b in zip(u, v))
        return [b - twice * a for a, b in zip(u, v)]

    def _q(self, v: Vector) -> Vector:
        v = hadamard([s * x for s, x in zip(self.signs, v)])
        for u in reversed(self.normals):
            v = self._reflect(u, v)
        return v

    def _qt(self, v: Vector) -> Vector:
        for u in self.normals:
            v = self._reflect(u, v)
        return [s * x for s, x in zip(self.signs, hadamard(v))]

    def __call__(self, v: Vector) -> Vector:
        self.products += 1
        return self._q([lam * x for lam, x in zip(self.eigenvalues, self._qt(v))])

    def eigenvector(self, index: int) -> Vector:
        e = [0.0] * self.n
        e[index] = 1.0
        return self._q(e)

    def dense(self) -> List[List[float]]:
        columns = [self._q([lam * (1.0 if i == j else 0.0) for i, lam in enumerate(self.eigenvalues)])
                   for j in range(self.n)]
        basis = [self.eigenvector(j) for j in range(self.n)]
        return [[math.fsum(basis[k][i] * columns[k][j] for k in range(self.n)) for j in range(self.n)] for i in range(self.n)]

    def block_trace(self, lo: int, hi: int) -> float:
        # A_ii = Σ_k λ_k (q_k)_i²
        vectors = [self.eigenvector(k) for k in range(self.n)]
        return math.fsum(lam * v[i] * v[i] for lam, v in zip(self.eigenvalues, vectors) for i in range(lo, hi))


def spectrum(n: int, top: Sequence[float], low: float, high: float, seed: int = 5) -> List[float]:
    rng = random.Random(seed)
    return list(top) + [rng.uniform(low, high) for _ in range(n - len(top))]


def unit(space: ListSpace, v: Vector) -> Vector:
    return space.scale(1.0 / math.sqrt(space.dot(v, v)), v)


class SmallEigensolverTests(unittest.TestCase):
    def test_tridiagonal_ql_and_inverse_iteration_agree_with_jacobi(self) -> None:
        rng = random.Random(3)
        m = 25
        diagonal = [rng.uniform(-3, 3) for _ in range(m)]
        off = [rng.uniform(0.1, 1.0) for _ in range(m - 1)]
        dense = [[diagonal[i] if i == j else off[min(i, j)] if abs(i - j) == 1 else 0.0 for j in range(m)] for i in range(m)]
        jacobi, _ = curvature.symmetric_eigen(dense)
        values, (first, last) = curvature.tridiagonal_eigen(diagonal, off, rows=[0, m - 1])
        for a, b in zip(values, jacobi):
            self.assertAlmostEqual(a, b, places=11)
        vectors = tridiagonal_eigenvectors(diagonal, off, values)
        for j, (value, x) in enumerate(zip(values, vectors)):
            tx = [math.fsum(dense[i][c] * x[c] for c in range(m)) for i in range(m)]
            self.assertLess(max(abs(a - value * b) for a, b in zip(tx, x)), 1e-10)
            # The QL rows are the same vectors' first and last components (up to sign).
            sign = 1.0 if x[0] * first[j] >= 0 else -1.0
            self.assertAlmostEqual(sign * x[0], first[j], places=9)
            self.assertAlmostEqual(sign * x[-1], last[j], places=9)

    def test_repeated_eigenvalues_get_orthogonal_vectors(self) -> None:
        # Two identical uncoupled blocks: every eigenvalue appears twice.
        diagonal = [2.0, 1.0, 2.0, 1.0]
        off = [0.5, 0.0, 0.5]
        values, _ = curvature.tridiagonal_eigen(diagonal, off)
        self.assertAlmostEqual(values[0], values[1], places=12)
        vectors = tridiagonal_eigenvectors(diagonal, off, values)
        for i in range(4):
            for j in range(i + 1, 4):
                self.assertLess(abs(math.fsum(a * b for a, b in zip(vectors[i], vectors[j]))), 1e-8)

    def test_jacobi_recovers_a_known_spectrum(self) -> None:
        matrix = KnownMatrix([4.0, -1.0, 2.5, 0.0, 2.5, 7.0, -3.0, 1.0], seed=2)
        values, vectors = curvature.symmetric_eigen(matrix.dense())
        for a, b in zip(values, sorted(matrix.eigenvalues)):
            self.assertAlmostEqual(a, b, places=11)
        dense = matrix.dense()
        for value, x in zip(values, vectors):
            ax = [math.fsum(row[c] * x[c] for c in range(len(x))) for row in dense]
            self.assertLess(max(abs(a - value * b) for a, b in zip(ax, x)), 1e-10)


class TopEigenpairsTests(unittest.TestCase):
    def setUp(self) -> None:
        self.n = 128
        self.matrix = KnownMatrix(spectrum(self.n, [10.0, 8.0, 7.5, 5.0], -1.0, 3.0))

    def test_eigenvalues_and_vectors_are_exact(self) -> None:
        space = ListSpace(self.n, seed=0)
        found = curvature.top_eigenpairs(space, self.matrix, k=3, tol=1e-9)
        self.assertTrue(found.converged)
        self.assertFalse(found.warm_start)
        self.assertEqual(found.hvps, self.matrix.products)
        for value, expected in zip(found.values, [10.0, 8.0, 7.5]):
            self.assertAlmostEqual(value, expected, places=10)
        for index, (value, v) in enumerate(zip(found.values, found.vectors)):
            self.assertAlmostEqual(abs(space.dot(v, self.matrix.eigenvector(index))), 1.0, places=8)
            residual = space.axpy(-value, v, self.matrix(v))
            self.assertLessEqual(math.sqrt(space.dot(residual, residual)), 1e-8 * abs(value))

    def test_the_largest_are_algebraic_not_by_magnitude(self) -> None:
        matrix = KnownMatrix(spectrum(64, [3.0, 2.0, -40.0, -30.0], -1.0, 1.0))
        found = curvature.top_eigenpairs(ListSpace(64, seed=1), matrix, k=2, tol=1e-8)
        self.assertAlmostEqual(found.values[0], 3.0, places=8)
        self.assertAlmostEqual(found.values[1], 2.0, places=8)

    def test_warm_start_cuts_products(self) -> None:
        n = 512
        matrix = KnownMatrix(spectrum(n, [10.0, 8.0, 7.5, 5.0], -1.0, 3.0))
        space = ListSpace(n, seed=7)
        # The previous eigenvectors, each 5% off (as after some training steps).
        init = [space.axpy(0.05, unit(space, space.gaussian()), matrix.eigenvector(i)) for i in range(3)]
        cold = curvature.top_eigenpairs(ListSpace(n, seed=3), matrix, k=3, tol=1e-3)
        warm = curvature.top_eigenpairs(ListSpace(n, seed=3), matrix, k=3, tol=1e-3, init=init)
        self.assertTrue(warm.warm_start and warm.converged and cold.converged)
        for a, b in zip(warm.values, [10.0, 8.0, 7.5]):
            self.assertAlmostEqual(a, b, places=4)
        self.assertLessEqual(warm.hvps, 0.7 * cold.hvps, f"warm {warm.hvps} vs cold {cold.hvps} products")
        # From the exact eigenvectors, the Krylov space is invariant after k products.
        exact = curvature.top_eigenpairs(ListSpace(self.n, seed=3), self.matrix, k=3, tol=1e-6,
                                         init=[self.matrix.eigenvector(i) for i in range(3)])
        self.assertLessEqual(exact.hvps, 4)
        self.assertAlmostEqual(exact.values[2], 7.5, places=9)

    def test_max_iterations_bounds_the_products(self) -> None:
        found = curvature.top_eigenpairs(ListSpace(self.n, seed=0), self.matrix, k=3, tol=1e-14, max_iterations=6)
        self.assertFalse(found.converged)
        self.assertEqual(found.hvps, 6)
        self.assertEqual(len(found.values), 3)

    def test_tiny_operators_are_spanned_whole(self) -> None:
        matrix = KnownMatrix([1.0, 3.0, 2.0, 0.5], seed=4)
        found = curvature.top_eigenpairs(ListSpace(4, seed=0), matrix, k=5, tol=1e-10)
        self.assertEqual(len(found.values), 4)
        for a, b in zip(found.values, [3.0, 2.0, 1.0, 0.5]):
            self.assertAlmostEqual(a, b, places=10)
        self.assertLessEqual(found.hvps, 4)

    def test_a_repeated_top_eigenvalue_in_an_invariant_start_is_continued(self) -> None:
        # The start lies in an invariant subspace (an eigenvector of 1.0); Lanczos must restart to find 9 and 6.
        matrix = KnownMatrix(spectrum(64, [9.0, 6.0, 1.0], -1.0, 0.5), seed=6)
        found = curvature.top_eigenpairs(ListSpace(64, seed=2), matrix, k=2, tol=1e-9, init=[matrix.eigenvector(2)])
        self.assertAlmostEqual(found.values[0], 9.0, places=8)
        self.assertAlmostEqual(found.values[1], 6.0, places=8)


class TraceTests(unittest.TestCase):
    def setUp(self) -> None:
        self.n = 256
        self.matrix = KnownMatrix(spectrum(self.n, [200.0, 150.0, 100.0], -0.5, 2.0))
        self.exact = math.fsum(self.matrix.eigenvalues)

    def test_hutchinson_is_within_a_few_standard_errors(self) -> None:
        estimate = curvature.hutchinson_trace(ListSpace(self.n, seed=11), self.matrix, probes=40)
        self.assertEqual((estimate.hvps, estimate.samples, estimate.method), (40, 40, "hutchinson"))
        self.assertGreater(estimate.stderr, 0.0)
        self.assertLess(abs(estimate.value - self.exact), 4.0 * estimate.stderr)
        again = curvature.hutchinson_trace(ListSpace(self.n, seed=11), self.matrix, probes=40)
        self.assertEqual(again.value, estimate.value)

    def test_hutch_plus_plus_is_within_a_few_standard_errors_and_sharper_on_a_dominant_top(self) -> None:
        plus = curvature.hutch_plus_plus_trace(ListSpace(self.n, seed=12), self.matrix, probes=30)
        self.assertEqual((plus.hvps, plus.samples, plus.method), (30, 10, "hutch++"))
        self.assertLess(abs(plus.value - self.exact), 4.0 * plus.stderr)
        # A few large eigenvalues dominate the variance of plain Hutchinson; Hutch++ removes them.
        plain = curvature.hutchinson_trace(ListSpace(self.n, seed=12), self.matrix, probes=30)
        self.assertLess(plus.stderr, 0.3 * plain.stderr)

    def test_block_traces_match_the_diagonal_blocks_and_add_up(self) -> None:
        bounds = [(0, 50), (50, 130), (130, self.n)]

        def parts(z: Vector, hz: Vector) -> List[float]:
            return [math.fsum(z[i] * hz[i] for i in range(lo, hi)) for lo, hi in bounds]

        blocks = curvature.hutchinson_block_traces(ListSpace(self.n, seed=13), self.matrix, 60, parts, ["a", "b", "c"])
        self.assertEqual(self.matrix.products, 60)
        for (lo, hi), name in zip(bounds, "abc"):
            exact = self.matrix.block_trace(lo, hi)
            self.assertLess(abs(blocks[name].value - exact), 4.0 * blocks[name].stderr, name)
        whole = curvature.hutchinson_trace(ListSpace(self.n, seed=13), self.matrix, probes=60)
        self.assertAlmostEqual(math.fsum(b.value for b in blocks.values()), whole.value, places=8)

    def test_too_few_probes_are_refused(self) -> None:
        with self.assertRaises(ValueError):
            curvature.hutchinson_trace(ListSpace(self.n), self.matrix, probes=1)
        with self.assertRaises(ValueError):
            curvature.hutch_plus_plus_trace(ListSpace(self.n), self.matrix, probes=3)


class DensityTests(unittest.TestCase):
    def test_density_integrates_to_one_and_peaks_at_the_clusters(self) -> None:
        rng = random.Random(8)
        n = 128
        # Two clusters of eigenvalues, around -2 (a third) and around 5 (two thirds).
        eigenvalues = [-2.0 + rng.uniform(-0.05, 0.05) for _ in range(n // 3)]
        eigenvalues += [5.0 + rng.uniform(-0.05, 0.05) for _ in range(n - n // 3)]
        matrix = KnownMatrix(eigenvalues, seed=9)
        density = curvature.spectral_density(ListSpace(n, seed=4), matrix, probes=6, steps=25, grid=400, width=0.2)
        self.assertEqual(density.hvps, 6 * 25)
        self.assertEqual(len(density.grid), len(density.values))
        self.assertEqual(len(density.spread), len(density.values))
        step = density.grid[1] - density.grid[0]
        self.assertAlmostEqual(math.fsum(density.values) * step, 1.0, delta=0.01)
        self.assertAlmostEqual(math.fsum(density.weights), 1.0, places=10)
        # The mass near each cluster is its share of the eigenvalues.
        near = lambda centre: math.fsum(v for x, v in zip(density.grid, density.values) if abs(x - centre) < 1.0) * step
        self.assertAlmostEqual(near(-2.0), 1 / 3, delta=0.06)
        self.assertAlmostEqual(near(5.0), 2 / 3, delta=0.06)
        peaks = [x for i, x in enumerate(density.grid[1:-1], 1)
                 if density.values[i] > density.values[i - 1] and density.values[i] >= density.values[i + 1]]
        self.assertEqual(len(peaks), 2)
        self.assertAlmostEqual(peaks[0], -2.0, delta=0.1)
        self.assertAlmostEqual(peaks[1], 5.0, delta=0.1)
        # The moments are tr(A)/n and tr(A²)/n within a few standard errors.
        for power, (moment, stderr) in enumerate(zip(density.moments, density.moment_stderr), 1):
            exact = math.fsum(x ** power for x in eigenvalues) / n
            self.assertLess(abs(moment - exact), 4.0 * stderr + 1e-9, f"moment {power}")

    def test_grid_points_and_default_width(self) -> None:
        matrix = KnownMatrix(spectrum(64, [4.0], 0.0, 1.0), seed=3)
        density = curvature.spectral_density(ListSpace(64, seed=1), matrix, probes=2, steps=10, grid=[0.0, 0.5, 4.0])
        self.assertEqual(density.grid, [0.0, 0.5, 4.0])
        low, high = min(density.nodes), max(density.nodes)
        self.assertAlmostEqual(density.width, 0.01 * (high - low), places=12)
        self.assertAlmostEqual(high, 4.0, places=6)


if __name__ == "__main__":
    unittest.main()
