import Testing
import TensorCore
import NN

/// FRUGAL against a plain reference written from the paper's algorithm, and its state size.
@Suite struct FrugalTests {
    /// Zmushko et al.'s step, one coordinate at a time: Adam (bias-corrected from the subspace's
    /// start) where `stateful`, signSGD elsewhere, decoupled weight decay on every weight.
    func reference(_ w: [Double], gradients: [[Double]], stateful: Set<Int>, lr: Double, wd: Double,
                   beta1: Double, beta2: Double, eps: Double) -> [Double] {
        var w = w, m = [Double](repeating: 0, count: w.count), v = m
        for (t, g) in gradients.enumerated() {
            for i in w.indices {
                w[i] *= 1 - lr * wd
                if stateful.contains(i) {
                    m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                    let mHat = m[i] / (1 - Double.pow(beta1, Double(t + 1))), vHat = v[i] / (1 - Double.pow(beta2, Double(t + 1)))
                    w[i] -= lr * mHat / (vHat.squareRoot() + eps)
                } else {
                    w[i] -= lr * (g[i] > 0 ? 1 : g[i] < 0 ? -1 : 0)
                }
            }
        }
        return w
    }

    @Test func updateMatchesTheReference() {
        var rng = SeededRNG(seed: 3)
        let count = 12
        let start = (0..<count).map { _ in rng.normal() }
        let gradients = (0..<5).map { _ in (0..<count).map { _ in rng.normal() } }
        let subspace: [Int32] = [1, 4, 5, 9]
        var w = Tensor(shape: [count], start), state = OptimizerState(subspace: subspace)
        let settings = OptimizerSettings(kind: .frugal, learningRate: 0.05, weightDecay: 0.1, beta1: 0.9, beta2: 0.98, epsilon: 1e-8)
        for g in gradients { optimizerStep(parameters: &w, gradient: Tensor(shape: [count], g), state: &state, settings: settings) }
        let expected = reference(start, gradients: gradients, stateful: Set(subspace.map(Int.init)), lr: 0.05, wd: 0.1,
                                 beta1: 0.9, beta2: 0.98, eps: 1e-8)
        #expect(zip(w.doubles, expected).allSatisfy { abs($0 - $1) < 1e-14 })
        // Moments only over the subspace: 2 · 4 coordinates · 8 bytes.
        #expect(state.first?.shape == [4] && state.stateBytes == 64)
    }

    @Test func stateBytesPerOptimizer() {
        let w = Tensor(shape: [10], [Float](repeating: 1, count: 10)), g = Tensor(shape: [10], [Float](repeating: 0.5, count: 10))
        let expected: [OptimizerKind: Int] = [.sgd: 0, .signsgd: 0, .momentum: 40, .nesterov: 40, .lion: 40, .adam: 80, .adamw: 80]
        for (kind, bytes) in expected {
            var weights = w, state = OptimizerState()
            optimizerStep(parameters: &weights, gradient: g, state: &state, settings: OptimizerSettings(kind: kind, learningRate: 0.1))
            #expect(state.stateBytes == bytes, "\(kind)")
        }
    }

    @Test func subspaceTakesTheShareOfEveryTensorsColumns() {
        let layout = ParameterLayout([("embed.weight", [5, 8]), ("out.weight", [3, 8]), ("out.bias", [3])])
        let chosen = FrugalSubspace.choose(layout: layout, share: 0.25, seed: 1)
        // 2 of 8 columns in each matrix (every row), 1 of the bias's 3 entries.
        #expect(chosen.count == 5 * 2 + 3 * 2 + 1 && chosen.count == FrugalSubspace.size(layout: layout, share: 0.25))
        #expect(zip(chosen, chosen.dropFirst()).allSatisfy { $0 < $1 })
        let embedColumns = Set(chosen.filter { $0 < 40 }.map { $0 % 8 })
        #expect(embedColumns.count == 2, "whole columns: every row shares the chosen columns")
        #expect(FrugalSubspace.choose(layout: layout, share: 0.25, seed: 1) == chosen)
        #expect(FrugalSubspace.choose(layout: layout, share: 0.25, seed: 2) != chosen)
        #expect(FrugalSubspace.choose(layout: layout, share: 0, seed: 1).isEmpty)
        #expect(FrugalSubspace.choose(layout: layout, share: 1, seed: 1).count == layout.count)
    }
}
