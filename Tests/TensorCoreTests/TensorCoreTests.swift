import Foundation
import Testing
import TensorCore

@Suite struct TensorCoreTests {
    @Test(arguments: DType.allCases)
    func matmulWithEveryTransposeMatchesNaiveProduct(_ dtype: DType) {
        var rng = SeededRNG(seed: 7)
        let a = rng.normalTensor([3, 4], std: 1, dtype: dtype), b = rng.normalTensor([4, 5], std: 1, dtype: dtype)
        let naive = naiveMatmul(a, b)
        let tolerance = dtype == .float32 ? 1e-5 : 1e-12
        #expect(maxDifference(BLAS.matmul(a, b), naive) < tolerance)
        #expect(maxDifference(BLAS.matmul(a.transposed(), b, transposeA: true), naive) < tolerance)
        #expect(maxDifference(BLAS.matmul(a, b.transposed(), transposeB: true), naive) < tolerance)
        #expect(maxDifference(BLAS.matmul(a.transposed(), b.transposed(), transposeA: true, transposeB: true), naive) < tolerance)
    }

    @Test(arguments: DType.allCases)
    func matvecMatchesMatmul(_ dtype: DType) {
        var rng = SeededRNG(seed: 3)
        let a = rng.normalTensor([4, 3], std: 1, dtype: dtype), x = rng.normalTensor([3], std: 1, dtype: dtype)
        let y = rng.normalTensor([4], std: 1, dtype: dtype)
        let tolerance = dtype == .float32 ? 1e-5 : 1e-12
        #expect(maxDifference(BLAS.matvec(a, x), BLAS.matmul(a, x.reshaped([3, 1])).reshaped([4])) < tolerance)
        #expect(maxDifference(BLAS.matvec(a, y, transposeA: true), BLAS.matmul(a, y.reshaped([4, 1]), transposeA: true).reshaped([3])) < tolerance)
    }

    @Test func reductionsAndBroadcastsAreAdjoint() {
        let x = Tensor(shape: [2, 3], [1.0, 2, 3, 4, 5, 6])
        #expect(x.sum().scalarValue == 21)
        #expect(x.sumRows() == Tensor(shape: [3], [5.0, 7, 9]))
        #expect(x.sumLastAxis() == Tensor(shape: [2, 1], [6.0, 15]))
        #expect(x.maxLastAxis() == Tensor(shape: [2, 1], [3.0, 6]))
        #expect(x.argmaxLastAxis() == [2, 2])
        #expect(Tensor(shape: [3], [1.0, 2, 3]).broadcastRows(2) == Tensor(shape: [2, 3], [1.0, 2, 3, 1, 2, 3]))
        #expect(Tensor(shape: [2, 1], [1.0, 2]).expandLastAxis(3) == Tensor(shape: [2, 3], [1.0, 1, 1, 2, 2, 2]))
        #expect(x.transposed() == Tensor(shape: [3, 2], [1.0, 4, 2, 5, 3, 6]))
    }

    @Test func gatherAndIndexAddAreAdjoint() {
        let table = Tensor(shape: [3, 2], [0.0, 1, 10, 11, 20, 21])
        let idx: [Int32] = [2, 0, 2]
        #expect(table.gatherRows(idx) == Tensor(shape: [3, 2], [20.0, 21, 0, 1, 20, 21]))
        let g = Tensor(shape: [3, 2], [1.0, 1, 2, 2, 3, 3])
        #expect(g.indexAddRows(idx, rows: 3) == Tensor(shape: [3, 2], [2.0, 2, 0, 0, 4, 4]))
    }

    @Test func concatenationAndSlicingAreInverse() {
        let a = Tensor(shape: [2, 2], [1.0, 2, 3, 4]), b = Tensor(shape: [2, 1], [5.0, 6])
        let joined = Tensor.concatenatingColumns([a, b])
        #expect(joined == Tensor(shape: [2, 3], [1.0, 2, 5, 3, 4, 6]))
        #expect(joined.slicingColumns(0..<2) == a && joined.slicingColumns(2..<3) == b)
        #expect(Tensor.concatenatingRows([a, Tensor(shape: [1, 2], [7.0, 8])]) == Tensor(shape: [3, 2], [1.0, 2, 3, 4, 7, 8]))
        #expect(a.reshaped([4]).shape == [4] && a.reshaped([1, 4]).doubles == a.doubles)
    }

    @Test func symmetricEigenReturnsEigenvectorsAsRows() throws {
        // [[2, 1, 0], [1, 3, 1], [0, 1, 4]]: check A·vᵢ = λᵢ·vᵢ for each row vᵢ.
        let a = Tensor(shape: [3, 3], [2.0, 1, 0, 1, 3, 1, 0, 1, 4])
        let result = try #require(BLAS.symmetricEigen(a))
        #expect(result.values == result.values.sorted())
        let rows = result.vectors.doubles
        for i in 0..<3 {
            let v = Tensor(shape: [3], Array(rows[(3 * i)..<(3 * i + 3)]))
            let residual = BLAS.matvec(a, v) - v.scaled(by: result.values[i])
            #expect(residual.squaredNorm() < 1e-24 && abs(v.squaredNorm() - 1) < 1e-12)
        }
        #expect(abs(result.values.reduce(0, +) - 9) < 1e-12)
    }

    @Test func rngIsReproducibleAndRestorable() {
        var a = SeededRNG(seed: 42), b = SeededRNG(seed: 42)
        #expect((0..<100).map { _ in a.next() } == (0..<100).map { _ in b.next() })
        var c = SeededRNG(state: a.state)
        #expect(a.normal() == c.normal())
        var d = SeededRNG(seed: 43)
        #expect(a.next() != d.next())
    }

    @Test func normalsHaveTheRightMoments() {
        var rng = SeededRNG(seed: 1)
        let xs = (0..<20000).map { _ in rng.normal() }
        let mean = xs.reduce(0, +) / Double(xs.count)
        let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)
        #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05)
    }

    func naiveMatmul(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        let x = a.doubles, y = b.doubles
        var out = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for l in 0..<k { out[i * n + j] += x[i * k + l] * y[l * n + j] } } }
        return Tensor(shape: [m, n], out).converted(to: a.dtype)
    }

    func maxDifference(_ a: Tensor, _ b: Tensor) -> Double {
        zip(a.doubles, b.doubles).map { abs($0 - $1) }.max() ?? 0
    }
}

@Suite struct FloatExpTests {
    @Test func vectorizableExpIsWithinTwoUlpsOfLibm() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let exact = Float(Foundation.exp(Double(x)))
            let ulps = abs(Float.exp(x) - exact) / exact.ulp
            worst = max(worst, ulps)
            x += 0.0137
        }
        #expect(worst <= 2, "worst error \(worst) ulp")
        #expect(Float.exp(0) == 1)
        #expect(Float.exp(-100) == 0 && Float.exp(-.infinity) == 0)
        #expect(Float.exp(100) == .infinity && Float.exp(.infinity) == .infinity)
        #expect(Float.exp(.nan).isNaN)
    }
}
