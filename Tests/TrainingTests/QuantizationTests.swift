import Testing
import Autograd
import NN
import TensorCore
import Training

@Suite struct QuantizationTests {
    /// One `[1, 4]` tensor, quantized by hand below.
    let layout = ParameterLayout([("w.weight", [1, 4])])
    let weights = Tensor(shape: [4], [0.1, -0.5, 0.9, -0.05] as [Float])

    func quantized(_ bits: QuantizationBits) -> [Float] {
        WeightQuantizer(bits: bits).apply(weights, layout: layout).parameters.floats
    }

    @Test func gridsAgainstHandComputedValues() {
        // mean|w| = 0.3875; ternary: Δ = 0.27125 keeps −0.5 and 0.9, α = 0.7.
        #expect(quantized(.binary) == [0.3875, -0.3875, 0.3875, -0.3875])
        #expect(quantized(.ternary) == [0, -0.7, 0.7, 0])
        // 2 bits: four levels from −0.5 to 0.9, step 1.4/3.
        let step: Float = 1.4 / 3
        let two = quantized(.two)
        let expected: [Float] = [-0.5 + step, -0.5, -0.5 + 3 * step, -0.5 + step]
        #expect(zip(two, expected).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(WeightQuantizer(bits: .ternary).apply(weights, layout: layout).levels == [0, -1, 1, 0])
        #expect(quantized(.full) == weights.floats)
    }

    @Test(arguments: [QuantizationBits.binary, .ternary, .two, .three, .four, .eight], [QuantizationGranularity.tensor, .channel])
    func everyGroupHoldsAtMostItsLevels(_ bits: QuantizationBits, _ granularity: QuantizationGranularity) throws {
        let trainer = Trainer(config: try smallConfig(), runID: "q", clock: fixedClock)
        let layout = trainer.task.model.layout
        let q = WeightQuantizer(bits: bits, granularity: granularity).apply(trainer.state.parameters, layout: layout).parameters.floats
        let allowed = bits == .binary ? 2 : bits == .ternary ? 3 : 1 << Int(bits.bitsPerWeight)
        for entry in CompressionProbe.compressible(layout) {
            let rowLength = granularity == .channel ? entry.shape[1] : entry.count
            for row in stride(from: entry.offset, to: entry.offset + entry.count, by: rowLength) {
                #expect(Set(q[row..<(row + rowLength)]).count <= allowed, "\(entry.name) at \(row)")
            }
        }
    }

    /// The straight-through estimator: one SGD step with lr 1 moves the full-precision weights by
    /// exactly the gradient of the loss at the quantized weights, checked by central differences in float64.
    @Test func theStraightThroughGradientIsTheGradientAtTheQuantizedWeights() throws {
        let config = try smallConfig("grokking", ["bits": "2", "optimizer": "sgd", "lr": "1", "weight_decay": "0"])
        let trainer = Trainer(config: config, runID: "q", clock: fixedClock)
        let layout = trainer.task.model.layout
        let before = trainer.state.parameters
        let q = config.quantizer!.apply(before, layout: layout).parameters
        _ = trainer.step()
        let gradient = (before - trainer.state.parameters).doubles
        let q64 = q.converted(to: .float64)
        func loss(_ flat: Tensor) -> Double {
            let p = ParameterVariables(layout: layout, flat: flat, requiresGrad: false)
            return trainer.task.train.loss(of: trainer.task.model.forward(trainer.task.train.input, p)).value.scalarValue
        }
        let coordinates = gradient.indices.sorted { abs(gradient[$0]) > abs(gradient[$1]) }.prefix(12)
        let eps = 1e-4
        for i in coordinates {
            var plus = q64.doubles, minus = q64.doubles
            plus[i] += eps; minus[i] -= eps
            let difference = (loss(Tensor(shape: q64.shape, plus)) - loss(Tensor(shape: q64.shape, minus))) / (2 * eps)
            #expect(abs(difference - gradient[i]) <= 1e-3 * abs(gradient[i]), "coordinate \(i): \(difference) vs \(gradient[i])")
        }
        // …and not the gradient at the full-precision weights.
        let fullPrecision = Trainer(config: try smallConfig("grokking", ["optimizer": "sgd", "lr": "1", "weight_decay": "0"]), runID: "f", clock: fixedClock)
        _ = fullPrecision.step()
        #expect(fullPrecision.state.parameters != trainer.state.parameters)
    }

    @Test func aQuantizedRunEvaluatesAndReportsItsQuantizedWeights() throws {
        let trainer = Trainer(config: try smallConfig("grokking", ["bits": "1.58", "quant_granularity": "channel", "eval_every": "1", "log_every": "1"]),
                              runID: "q", clock: fixedClock)
        let values = scalarSeries(train(trainer, steps: 3)).map(\.1)
        #expect(values[0]["quant/flips"] == nil && values[1]["quant/flips"] != nil)
        #expect(values.allSatisfy { $0["quant/bits"] == QuantizationBits.ternary.bitsPerWeight && $0["quant/distance"]! > 0 })
        let deployed = trainer.state.config.quantizer!.apply(trainer.state.parameters, layout: trainer.task.model.layout).parameters
        #expect(trainer.deployedParameters == deployed)
        #expect(trainer.evaluate(trainer.task.test) == trainer.evaluate(trainer.task.test, parameters: deployed))
        #expect(trainer.evaluate(trainer.task.test) != trainer.evaluate(trainer.task.test, parameters: trainer.state.parameters))
    }

    @Test func labelNoiseChangesExactlyItsShareOfTrainLabelsToOtherClasses() throws {
        let clean = TaskFactory.make(try smallConfig())
        let noisy = TaskFactory.make(try smallConfig("grokking", ["label_noise": "0.2"]))
        guard case .classes(let a, _) = clean.train.target, case .classes(let b, _) = noisy.train.target,
              case .classes(let ta, _) = clean.test.target, case .classes(let tb, _) = noisy.test.target else {
            Issue.record("a classification task"); return
        }
        #expect(zip(a, b).filter { $0 != $1 }.count == Int((0.2 * Double(a.count)).rounded()))
        #expect(ta == tb, "the test set stays clean")
    }
}
