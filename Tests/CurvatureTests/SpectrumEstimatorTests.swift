import Testing
import TensorCore
import Autograd
import NN
import Curvature

/// Q·diag(λ)·Qᵀ for a random orthogonal Q (eigenvectors of a random symmetric matrix).
func matrix(withSpectrum lambdas: [Double], seed: UInt64) -> Tensor {
    var rng = SeededRNG(seed: seed)
    let n = lambdas.count
    let g = rng.normalTensor([n, n], std: 1, dtype: .float64)
    let q = BLAS.symmetricEigen(g + g.transposed())!.vectors  // rows are orthonormal
    var d = [Double](repeating: 0, count: n * n)
    for i in 0..<n { d[i * n + i] = lambdas[i] }
    return BLAS.matmul(BLAS.matmul(q, Tensor(shape: [n, n], d), transposeA: true), q)
}

struct KnownSpectrum: Sendable, CustomTestStringConvertible {
    let name: String
    let lambdas: [Double]
    let rotated: Bool
    var testDescription: String { name }
}

let knownSpectra: [KnownSpectrum] = [
    KnownSpectrum(name: "diagonal", lambdas: (1...40).map { 100 / Double($0) }, rotated: false),
    KnownSpectrum(name: "random orthogonal similarity", lambdas: (1...40).map { 100 / Double($0) }, rotated: true),
    KnownSpectrum(name: "clustered", lambdas: [50, 49.9, 49.8, 49.7, 49.6] + (0..<35).map { Double($0) * 0.1 }, rotated: true),
    KnownSpectrum(name: "repeated", lambdas: [30, 30, 30, 20, 20, 10] + [Double](repeating: 1, count: 34), rotated: true),
    KnownSpectrum(name: "negative", lambdas: [25, 12, 5, 3, 1] + (0..<35).map { -Double($0) * 0.5 }, rotated: true),
]

@Suite struct SpectrumEstimatorTests {
    func operatorFor(_ spectrum: KnownSpectrum) -> SymmetricOperator {
        let n = spectrum.lambdas.count
        if spectrum.rotated { return SymmetricOperator(matrix: matrix(withSpectrum: spectrum.lambdas, seed: 17)) }
        var d = [Double](repeating: 0, count: n * n)
        for i in 0..<n { d[i * n + i] = spectrum.lambdas[i] }
        return SymmetricOperator(matrix: Tensor(shape: [n, n], d))
    }

    @Test(arguments: knownSpectra)
    func lanczosFindsTheTopEigenvalues(_ spectrum: KnownSpectrum) {
        var rng = SeededRNG(seed: 1)
        let op = operatorFor(spectrum)
        let top = topEigenpairs(op, k: 5, tolerance: 1e-10, findMultiplicities: true, rng: &rng)
        let expected = Array(spectrum.lambdas.sorted(by: >).prefix(5))
        for (found, exact) in zip(top.values, expected) {
            #expect(abs(found - exact) <= 1e-8 * max(1, abs(exact)), "\(spectrum.name): \(top.values) vs \(expected)")
        }
        for (lambda, v) in zip(top.values, top.vectors) {
            #expect(abs(norm(v) - 1) < 1e-10)
            let residual = (op(v) - v.scaled(by: lambda)).squaredNorm().squareRoot()
            #expect(residual <= 1e-6 * abs(top.values[0]))
        }
        // The eigenvectors of a repeated eigenvalue are distinct (orthogonal), not one vector twice.
        for i in 0..<top.vectors.count {
            for j in (i + 1)..<top.vectors.count {
                #expect(abs(dot(top.vectors[i], top.vectors[j])) < 1e-6, "\(spectrum.name): v\(i)·v\(j)")
            }
        }
    }

    @Test func withoutMultiplicitiesOneKrylovSpaceSeesEachValueOnce() {
        var rng = SeededRNG(seed: 1)
        let op = SymmetricOperator(matrix: matrix(withSpectrum: [30, 30, 30, 20, 20, 10] + [Double](repeating: 1, count: 34), seed: 17))
        let single = topEigenpairs(op, k: 3, tolerance: 1e-10, rng: &rng)
        #expect(abs(single.values[0] - 30) < 1e-8 && abs(single.values[1] - 20) < 1e-8 && abs(single.values[2] - 10) < 1e-8)
    }

    @Test(arguments: knownSpectra.filter { $0.name != "clustered" && $0.name != "repeated" })
    func powerIterationWithDeflationFindsTheLargestMagnitudes(_ spectrum: KnownSpectrum) {
        var rng = SeededRNG(seed: 2)
        let result = topEigenpairsByPowerIteration(operatorFor(spectrum), k: 3, rng: &rng)
        let expected = Array(spectrum.lambdas.sorted { abs($0) > abs($1) }.prefix(3))
        for (found, exact) in zip(result.values, expected) {
            #expect(abs(found - exact) <= 1e-6 * max(1, abs(exact)), "\(spectrum.name): \(result.values) vs \(expected)")
        }
    }

    @Test func traceEstimatorsAreWithinThreeStandardErrors() {
        let outliers: [Double] = [40, 35, 30, 25, 20]
        let bulk: [Double] = (5..<60).map { (i: Int) -> Double in Double(i % 7) - 2 }
        let lambdas = outliers + bulk
        let op = SymmetricOperator(matrix: matrix(withSpectrum: lambdas, seed: 5))
        let exact = lambdas.reduce(0, +)
        var rng = SeededRNG(seed: 3)
        let hutchinson = hutchinsonTrace(op, probes: 200, rng: &rng)
        #expect(abs(hutchinson.value - exact) <= 3 * hutchinson.standardError, "\(hutchinson) vs \(exact)")
        #expect(hutchinson.products == 200)
        let plusPlus = hutchPlusPlusTrace(op, products: 200, rng: &rng)
        #expect(abs(plusPlus.value - exact) <= 3 * plusPlus.standardError + 1e-9, "\(plusPlus) vs \(exact)")
        // Deflating the outliers makes Hutch++ much tighter than Hutchinson for the same budget.
        #expect(plusPlus.standardError < hutchinson.standardError / 2)
    }

    @Test func denseSpectrumIsExact() throws {
        let lambdas = [9.0, 4, 1, -2, -3]
        let dense = try #require(denseSpectrum(SymmetricOperator(matrix: matrix(withSpectrum: lambdas, seed: 8))))
        for (a, b) in zip(dense.values, lambdas.sorted()) { #expect(abs(a - b) < 1e-10) }
    }
}

/// The curvature of a small MLP in Float64 and Float32 against its dense Hessian.
@Suite struct HessianSpectrumTests {
    func problem(_ dtype: DType) -> (HessianVectorProduct, Tensor) {
        let model = FeatureMLP(widths: [4, 12, 3], activation: .tanh)
        var rng = SeededRNG(seed: 31)
        let w = model.initialParameters(&rng, dtype: dtype).scaled(by: 2)
        let x = rng.normalTensor([24, 4], std: 1, dtype: dtype)
        let labels = (0..<24).map { Int32($0 % 3) }
        return (HessianVectorProduct(layout: model.layout) { crossEntropy(logits: model.forward(.features(x), $0), labels: labels) }, w)
    }

    func hessianOperator(_ dtype: DType) -> SymmetricOperator {
        let (hvp, w) = problem(dtype)
        return SymmetricOperator(dimension: w.count, dtype: dtype) { hvp(at: w, $0) }
    }

    @Test func topFiveMatchDenseInFloat64AndFloat32() throws {
        let exact = try #require(denseSpectrum(hessianOperator(.float64))).values.sorted(by: >)
        for (dtype, tolerance) in [(DType.float64, 1e-6), (.float32, 1e-3)] {
            var rng = SeededRNG(seed: 4)
            let top = topEigenpairs(hessianOperator(dtype), k: 5, tolerance: dtype == .float64 ? 1e-10 : 1e-5, rng: &rng)
            for i in 0..<5 {
                #expect(abs(top.values[i] - exact[i]) <= tolerance * abs(exact[i]), "\(dtype) λ\(i + 1): \(top.values[i]) vs \(exact[i])")
            }
        }
    }

    @Test func hutchinsonTraceIsWithinThreeStandardErrors() throws {
        let exact = try #require(denseSpectrum(hessianOperator(.float64))).values.reduce(0, +)
        var rng = SeededRNG(seed: 6)
        let estimate = hutchinsonTrace(hessianOperator(.float64), probes: 100, rng: &rng)
        #expect(abs(estimate.value - exact) <= 3 * estimate.standardError, "\(estimate) vs \(exact)")
    }

    @Test func slqDensityIsCloseToTheExactSpectrumInWasserstein1() throws {
        let exact = try #require(denseSpectrum(hessianOperator(.float64))).values
        var rng = SeededRNG(seed: 7)
        let density = spectralDensity(hessianOperator(.float64), probes: 10, iterations: 80, rng: &rng)
        #expect(abs(density.weights.reduce(0, +) - 1) < 1e-9)
        let range = exact.max()! - exact.min()!
        let distance = wasserstein1(density.nodes, density.weights, exact, [Double](repeating: 1 / Double(exact.count), count: exact.count))
        #expect(distance <= 0.02 * range, "W1 = \(distance), range \(range)")
        // The broadened density integrates to about 1 on its grid.
        let step = density.grid[1] - density.grid[0]
        #expect(abs(density.density.reduce(0, +) * step - 1) < 0.02)
    }

    /// 20 consecutive gradient-descent steps; at each, the top-k eigenpairs to the same tolerance,
    /// warm-started from the previous step's vectors or cold. This Hessian's top eigenvalues are
    /// barely separated (0.83, 0.72, 0.59, …), the hard case for k > 1.
    @Test(arguments: [(1, 0.5), (3, 0.75)])
    func warmStartedTrackingUsesFewerProductsThanColdStarts(_ k: Int, _ maximumRatio: Double) {
        let model = FeatureMLP(widths: [4, 12, 3], activation: .tanh)
        var rng = SeededRNG(seed: 31)
        var w = model.initialParameters(&rng, dtype: .float64).scaled(by: 2)
        let x = rng.normalTensor([24, 4], std: 1, dtype: .float64)
        let labels = (0..<24).map { Int32($0 % 3) }
        let loss: (ParameterVariables) -> Variable = { crossEntropy(logits: model.forward(.features(x), $0), labels: labels) }
        let hvp = HessianVectorProduct(layout: model.layout, loss: loss)
        var warmProducts = 0, coldProducts = 0
        var previous: [Tensor] = []
        var warmRNG = SeededRNG(seed: 1), coldRNG = SeededRNG(seed: 2)
        for _ in 0..<20 {
            let at = w
            let op = SymmetricOperator(dimension: w.count, dtype: .float64) { hvp(at: at, $0) }
            let warm = topEigenpairs(op, k: k, tolerance: 1e-3, warmStart: previous, rng: &warmRNG)
            let cold = topEigenpairs(op, k: k, tolerance: 1e-3, rng: &coldRNG)
            for (a, b) in zip(warm.values, cold.values) { #expect(abs(a - b) <= 1e-3 * abs(cold.values[0])) }
            warmProducts += warm.products
            coldProducts += cold.products
            previous = warm.vectors
            let p = ParameterVariables(layout: model.layout, flat: w, requiresGrad: true)
            w = w - p.flatGradient(of: loss(p)).scaled(by: 0.02)
        }
        #expect(Double(warmProducts) <= maximumRatio * Double(coldProducts), "k=\(k): warm \(warmProducts) vs cold \(coldProducts) products")
    }
}

/// W1 between two discrete distributions on the line: ∫ |F₁ − F₂| dx.
func wasserstein1(_ xs: [Double], _ wx: [Double], _ ys: [Double], _ wy: [Double]) -> Double {
    let points = (zip(xs, wx).map { ($0, $1) } + zip(ys, wy).map { ($0, -$1) }).sorted { $0.0 < $1.0 }
    var cumulative = 0.0, distance = 0.0
    for (i, point) in points.enumerated() {
        cumulative += point.1
        if i + 1 < points.count { distance += abs(cumulative) * (points[i + 1].0 - point.0) }
    }
    return distance
}

func norm(_ t: Tensor) -> Double { t.squaredNorm().squareRoot() }

func dot(_ a: Tensor, _ b: Tensor) -> Double { zip(a.doubles, b.doubles).reduce(0) { $0 + $1.0 * $1.1 } }
