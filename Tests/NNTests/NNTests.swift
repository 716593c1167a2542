import Foundation
import Testing
import TensorCore
import Autograd
import NN

@Suite struct OptimizerTests {
    let w0 = Tensor(shape: [3], [1.0, -2, 0.5])
    let g = Tensor(shape: [3], [0.5, 0.25, -1])

    func run(_ kind: OptimizerKind, steps: Int, weightDecay: Double = 0.1) -> Tensor {
        var w = w0, state = OptimizerState()
        let settings = OptimizerSettings(kind: kind, learningRate: 0.1, weightDecay: weightDecay, momentum: 0.9,
                                         beta1: 0.9, beta2: 0.99)
        for _ in 0..<steps { optimizerStep(parameters: &w, gradient: g, state: &state, settings: settings) }
        return w
    }

    func close(_ a: Tensor, _ b: [Double], _ tol: Double = 1e-12) -> Bool {
        zip(a.doubles, b).allSatisfy { abs($0 - $1) < tol }
    }

    @Test func sgdAddsCoupledWeightDecayToTheGradient() {
        // w − lr·(g + wd·w)
        #expect(close(run(.sgd, steps: 1), [1 - 0.1 * (0.5 + 0.1), -2 - 0.1 * (0.25 - 0.2), 0.5 - 0.1 * (-1 + 0.05)]))
    }

    @Test func heavyBallAndNesterovMomentum() {
        // Two steps, no decay: buf1 = g, buf2 = 0.9g + g = 1.9g.
        #expect(close(run(.momentum, steps: 2, weightDecay: 0), w0.doubles.enumerated().map { $1 - 0.1 * 2.9 * g.doubles[$0] }))
        // Nesterov: update = g + 0.9·buf; step1: 1.9g, step2: g + 0.9·1.9g = 2.71g.
        #expect(close(run(.nesterov, steps: 2, weightDecay: 0), w0.doubles.enumerated().map { $1 - 0.1 * 4.61 * g.doubles[$0] }))
    }

    @Test func adamFirstStepMovesEachWeightByTheLearningRate() {
        // With bias correction, step 1 is lr·g/(|g| + ε) ≈ lr·sign(g).
        #expect(close(run(.adam, steps: 1, weightDecay: 0), [0.9, -2.1, 0.6], 1e-7))
    }

    @Test func adamwDecouplesWeightDecay() {
        // w ← w − lr·wd·w − lr·m̂/(√v̂ + ε)
        let expected = w0.doubles.enumerated().map { i, w in w - 0.1 * 0.1 * w - 0.1 * (g.doubles[i] > 0 ? 1 : -1) }
        #expect(close(run(.adamw, steps: 1), expected, 1e-7))
    }

    @Test func signSGDAndLion() {
        #expect(close(run(.signsgd, steps: 1, weightDecay: 0), [0.9, -2.1, 0.6]))
        // Lion step 1: c = (1 − β1)·g has the sign of g; w ← w − lr·(sign(c) + wd·w).
        #expect(close(run(.lion, steps: 1), w0.doubles.enumerated().map { i, w in w - 0.1 * ((g.doubles[i] > 0 ? 1 : -1) + 0.1 * w) }))
    }

    @Test(arguments: OptimizerKind.allCases)
    func float32AndFloat64AgreeToFloat32Precision(_ kind: OptimizerKind) {
        var w32 = w0.converted(to: .float32), w64 = w0, s32 = OptimizerState(), s64 = OptimizerState()
        // FRUGAL's state-full coordinates: Adam on the first and last, sign steps on the middle one.
        if kind == .frugal { (s32.subspace, s64.subspace) = ([0, 2], [0, 2]) }
        let settings = OptimizerSettings(kind: kind, learningRate: 0.01, weightDecay: 0.1)
        for _ in 0..<20 {
            optimizerStep(parameters: &w32, gradient: g.converted(to: .float32), state: &s32, settings: settings)
            optimizerStep(parameters: &w64, gradient: g, state: &s64, settings: settings)
        }
        #expect(zip(w32.doubles, w64.doubles).allSatisfy { abs($0 - $1) < 1e-5 })
    }
}

@Suite struct ScheduleAndTransformTests {
    @Test func schedules() {
        #expect(LearningRateSchedule.constant.factor(at: 5) == 1)
        #expect(LearningRateSchedule.warmup(steps: 10).factor(at: 5) == 0.5)
        #expect(LearningRateSchedule.warmup(steps: 10).factor(at: 50) == 1)
        let cosine = LearningRateSchedule.cosine(warmup: 0, total: 100, floor: 0.1)
        #expect(abs(cosine.factor(at: 50) - 0.55) < 1e-12 && abs(cosine.factor(at: 100) - 0.1) < 1e-12)
        #expect(abs(LearningRateSchedule.linear(warmup: 10, total: 110, floor: 0).factor(at: 60) - 0.5) < 1e-12)
    }

    @Test func clippingScalesOnlyLargeGradients() {
        var g = Tensor(shape: [2], [3.0, 4])
        #expect(clipGradientNorm(&g, maxNorm: 1) == 5)
        #expect(abs(g.squaredNorm() - 1) < 1e-12)
        var small = Tensor(shape: [2], [0.3, 0.4])
        clipGradientNorm(&small, maxNorm: 1)
        #expect(small == Tensor(shape: [2], [0.3, 0.4]))
    }

    @Test func grokfastAmplifiesTheSlowComponent() {
        var filter = SlowGradientAmplifier(alpha: 0.5, lambda: 2)
        var g1 = Tensor(shape: [1], [1.0])
        filter.apply(to: &g1)  // ema = 1, g = 1 + 2
        #expect(g1.scalarValue == 3)
        var g2 = Tensor(shape: [1], [-1.0])
        filter.apply(to: &g2)  // ema = 0.5 − 0.5 = 0, g = −1
        #expect(g2.scalarValue == -1)
    }
}

@Suite struct ModelTests {
    @Test func layoutSplitsAndJoinsLosslessly() {
        let layout = ParameterLayout([("a.weight", [2, 3]), ("a.bias", [2]), ("b.weight", [1, 2])])
        #expect(layout.count == 10 && layout.layers == ["a", "b"] && layout.entry("b.weight")?.offset == 8)
        let flat = Tensor(shape: [10], (0..<10).map(Double.init))
        #expect(layout.join(layout.split(flat)) == flat)
    }

    @Test func tokenPairMLPGradientMatchesFiniteDifferences() {
        let model = TokenPairMLP(vocabulary: 5, hidden: 4, classes: 5, activation: .square, embeddingStd: 1, outputBias: true)
        expectGradientMatchesFiniteDifferences(model, .tokenPairs(a: [0, 1, 4, 2], b: [3, 3, 0, 1]), labels: [3, 4, 4, 3],
                                               seed: 3, stride: 3)
    }

    @Test func featureMLPShapesAndDeterministicInit() {
        let model = FeatureMLP(widths: [2, 8, 3], activation: .relu)
        var r1 = SeededRNG(seed: 5), r2 = SeededRNG(seed: 5)
        let w = model.initialParameters(&r1, dtype: .float32)
        #expect(w == model.initialParameters(&r2, dtype: .float32))
        #expect(model.layout.entries.map(\.name) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        let x = Tensor(shape: [4, 2], [Float](repeating: 0.5, count: 8))
        let y = model.forward(.features(x), ParameterVariables(layout: model.layout, flat: w, requiresGrad: false))
        #expect(y.shape == [4, 3])
    }
}

@Suite struct TransformerTests {
    let model = TokenPairTransformer(vocabulary: 5, dimension: 8, heads: 2, classes: 5, activation: .gelu)
    let input = ModelInput.tokenPairs(a: [0, 1, 4, 2, 3], b: [3, 3, 0, 1, 4])
    let labels: [Int32] = [3, 4, 4, 3, 2]

    @Test func gradientMatchesFiniteDifferences() {
        // A stride coprime to the tensor sizes visits every parameter tensor.
        expectGradientMatchesFiniteDifferences(model, input, labels: labels, seed: 8, stride: 7)
    }

    @Test func attentionIsCausal() {
        let block = AttentionBlock("attn", dimension: 4, heads: 2)
        var rng = SeededRNG(seed: 2)
        let layout = ParameterLayout(block.parameterSpecs)
        let p = ParameterVariables(layout: layout, flat: layout.join(block.initialize(&rng, dtype: .float64)), requiresGrad: false)
        let sequence = (0..<3).map { _ in Variable(rng.normalTensor([2, 4], std: 1, dtype: .float64)) }
        var changed = sequence
        changed[2] = Variable(rng.normalTensor([2, 4], std: 1, dtype: .float64))
        let before = block(sequence, p), after = block(changed, p)
        #expect(before[0].value == after[0].value && before[1].value == after[1].value)
        #expect(before[2].value != after[2].value)
        #expect(block(sequence, p, at: [1])[0].value == before[1].value)
        // Position 0 attends only to itself: its output is its own value projected.
        #expect(before.allSatisfy { $0.shape == [2, 4] })
    }

    @Test func transformerLayoutNamesEveryPart() {
        let names = model.layout.entries.map(\.name)
        for name in ["embed.weight", "position.weight", "ln1.weight", "attn.h0.query.weight", "attn.h1.output.weight",
                     "mlp.in.weight", "mlp.out.bias", "ln_f.bias", "unembed.weight"] {
            #expect(names.contains(name), "missing \(name)")
        }
    }
}

/// Checks a model's cross-entropy gradient against central differences in Float64, at every
/// `stride`-th parameter.
func expectGradientMatchesFiniteDifferences(_ model: any Model, _ input: ModelInput, labels: [Int32], seed: UInt64,
                                            stride step: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    var rng = SeededRNG(seed: seed)
    let flat = model.initialParameters(&rng, dtype: .float64)
    func loss(_ w: Tensor) -> Double {
        crossEntropy(logits: model.forward(input, ParameterVariables(layout: model.layout, flat: w, requiresGrad: false)),
                     labels: labels).value.scalarValue
    }
    let p = ParameterVariables(layout: model.layout, flat: flat, requiresGrad: true)
    let grad = p.flatGradient(of: crossEntropy(logits: model.forward(input, p), labels: labels)).doubles
    let values = flat.doubles
    for i in stride(from: 0, to: values.count, by: step) {
        var plus = values, minus = values
        plus[i] += 1e-6
        minus[i] -= 1e-6
        let numeric = (loss(Tensor(shape: [values.count], plus)) - loss(Tensor(shape: [values.count], minus))) / 2e-6
        let name = model.layout.entries.last { $0.offset <= i }!.name
        #expect(abs(numeric - grad[i]) < 1e-6 * max(1, abs(numeric)), "parameter \(i) (\(name))", sourceLocation: sourceLocation)
    }
}

/// Grokfast's filter, clipping and the rule fused into one pass give the bits of the three applied
/// one after another, for every rule, in both element types, over several steps.
@Suite struct FusedUpdateTests {
    @Test(arguments: OptimizerKind.allCases.filter { $0 != .frugal }, [DType.float32, .float64])
    func fusedUpdateMatchesTheComposition(_ kind: OptimizerKind, _ dtype: DType) {
        for (lambda, maxNorm) in [(0.0, 0.0), (2.0, 0.0), (0.0, 0.5), (2.0, 0.5), (2.0, 1e6)] {
            var rng = SeededRNG(seed: 31)
            var fusedWeights = rng.normalTensor([257], std: 1, dtype: dtype), stepwiseWeights = fusedWeights
            var fusedState = OptimizerState(), stepwiseState = OptimizerState()
            var fusedFilter = SlowGradientAmplifier(alpha: 0.9, lambda: lambda), stepwiseFilter = fusedFilter
            let settings = OptimizerSettings(kind: kind, learningRate: 0.05, weightDecay: 0.1)
            for _ in 0..<4 {
                let gradient = rng.normalTensor([257], std: 1, dtype: dtype)
                filteredOptimizerStep(parameters: &fusedWeights, gradient: gradient, grokfast: &fusedFilter, maxNorm: maxNorm,
                                      state: &fusedState, settings: settings)
                var filtered = gradient
                stepwiseFilter.apply(to: &filtered)
                if maxNorm > 0 { clipGradientNorm(&filtered, maxNorm: maxNorm) }
                optimizerStep(parameters: &stepwiseWeights, gradient: filtered, state: &stepwiseState, settings: settings)
            }
            #expect(fusedWeights == stepwiseWeights, "\(kind) λ \(lambda) clip \(maxNorm): weights")
            #expect(fusedState == stepwiseState, "\(kind) λ \(lambda) clip \(maxNorm): moments")
            #expect(fusedFilter == stepwiseFilter, "\(kind) λ \(lambda) clip \(maxNorm): grokfast's average")
        }
    }
}
