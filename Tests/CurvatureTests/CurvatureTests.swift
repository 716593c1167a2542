import Testing
import TensorCore
import Autograd
import NN
import Curvature

@Suite struct CurvatureTests {
    /// A small two-layer tanh MLP on fixed data, in Float64.
    func smallProblem() -> (HessianVectorProduct, Tensor) {
        let model = FeatureMLP(widths: [3, 5, 2], activation: .tanh)
        var rng = SeededRNG(seed: 21)
        let w = model.initialParameters(&rng, dtype: .float64)
        let x = rng.normalTensor([8, 3], std: 1, dtype: .float64)
        let labels: [Int32] = [0, 1, 1, 0, 1, 0, 0, 1]
        let hvp = HessianVectorProduct(layout: model.layout) { p in
            crossEntropy(logits: model.forward(.features(x), p), labels: labels)
        }
        return (hvp, w)
    }

    @Test func exactProductMatchesFiniteDifferences() {
        let (hvp, w) = smallProblem()
        var rng = SeededRNG(seed: 5)
        for _ in 0..<3 {
            let v = rng.normalTensor(w.shape, std: 1, dtype: .float64)
            let exact = hvp(at: w, v).doubles, numeric = hvp.finiteDifference(at: w, v).doubles
            let error = zip(exact, numeric).map { abs($0 - $1) }.reduce(0) { max($0, $1) }
            let scale = numeric.map(abs).reduce(0) { max($0, $1) }
            #expect(error <= 1e-6 * scale, "relative error \(error / scale)")
        }
    }

    @Test func powerIterationFindsTheLargestMagnitudeEigenvalue() {
        // A = Q·diag(λ)·Qᵀ with a random orthogonal Q (from the eigenvectors of a random symmetric matrix).
        var rng = SeededRNG(seed: 9)
        let n = 12
        let g = rng.normalTensor([n, n], std: 1, dtype: .float64)
        let q = BLAS.symmetricEigen(g + g.transposed())!.vectors
        let lambdas = [-7.0, 5, 3, 2, 1, 0.5, 0.25, 0, -0.5, -1, -2, -3]
        var diagonal = Tensor.zeros([n, n], dtype: .float64).doubles
        for i in 0..<n { diagonal[i * n + i] = lambdas[i] }
        let a = BLAS.matmul(BLAS.matmul(q, Tensor(shape: [n, n], diagonal), transposeA: true), q)
        let result = powerIteration(dimension: n, rng: &rng) { BLAS.matvec(a, $0) }
        #expect(abs(result.value - -7) < 1e-8)
        #expect(result.products < 1000)
    }

    @Test func powerIterationOnTheHessianAgreesWithTheDenseSpectrum() {
        let (hvp, w) = smallProblem()
        let n = w.count
        // Dense Hessian from n products with unit vectors, then LAPACK.
        var columns: [Double] = []
        for i in 0..<n {
            var e = [Double](repeating: 0, count: n)
            e[i] = 1
            columns += hvp(at: w, Tensor(shape: [n], e)).doubles
        }
        let dense = Tensor(shape: [n, n], columns)
        let spectrum = BLAS.symmetricEigen((dense + dense.transposed()).scaled(by: 0.5))!.values
        let largest = spectrum.max { abs($0) < abs($1) }!
        var rng = SeededRNG(seed: 2)
        let result = powerIteration(dimension: n, maxIterations: 5000, tolerance: 1e-13, rng: &rng) { hvp(at: w, $0) }
        #expect(abs(result.value - largest) <= 1e-6 * abs(largest))
    }
}
