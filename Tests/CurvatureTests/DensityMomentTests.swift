import Testing
import TensorCore
import Curvature

/// The moments an SLQ density implies come with their spread over probes, and that spread covers
/// the exact moments; successive calls draw fresh probes.
@Suite struct DensityMomentTests {
    @Test func momentsAreWithinThreeStandardErrorsOfTheExactOnes() {
        let lambdas: [Double] = [40, 35, 30, 25, 20] + (5..<60).map { Double($0 % 7) - 2 }
        let op = SymmetricOperator(matrix: matrix(withSpectrum: lambdas, seed: 5))
        let n = Double(lambdas.count)
        let exact = [lambdas.reduce(0, +) / n, lambdas.reduce(0) { $0 + $1 * $1 } / n]
        var rng = SeededRNG(seed: 11)
        for _ in 0..<5 {
            let estimate = spectralDensity(op, probes: 20, iterations: 30, rng: &rng)
            for k in 0..<2 {
                #expect(estimate.momentStandardErrors[k] > 0)
                #expect(abs(estimate.moments[k] - exact[k]) <= 3 * estimate.momentStandardErrors[k] + 1e-9,
                        "moment \(k + 1): \(estimate.moments[k]) ± \(estimate.momentStandardErrors[k]) vs \(exact[k])")
            }
        }
    }

    @Test func successiveEstimatesDrawFreshProbes() {
        let op = SymmetricOperator(matrix: matrix(withSpectrum: (1...30).map { Double($0) }, seed: 2))
        var rng = SeededRNG(seed: 4)
        let first = spectralDensity(op, probes: 3, iterations: 10, rng: &rng)
        let second = spectralDensity(op, probes: 3, iterations: 10, rng: &rng)
        #expect(first.moments != second.moments, "the same probes would give the same moments")
        #expect(spectralDensity(op, probes: 1, iterations: 10, rng: &rng).momentStandardErrors == [0, 0])
    }
}
