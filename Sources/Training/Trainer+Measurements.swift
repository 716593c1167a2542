import TensorCore
import Autograd
import NN
import Telemetry

/// A step's gradient and what it was taken on.
struct StepGradient {
    /// The mean training loss over `batch`.
    var loss: Double
    var accuracy: Double?
    /// The gradient of that mean loss `[P]`, fresh at the step's weights.
    var gradient: Tensor
    /// The examples it averages over.
    var batch: Dataset
    /// Each simulated worker's shard gradient `[P]` and shard size (`workers` > 1).
    var workerGradients: [(gradient: Tensor, examples: Int)]?
}

/// What a step measures about its gradient and weights, beside the loss.
extension Trainer {
    /// Loss, accuracy and gradient `[P]` of the mean loss over `batch` at `weights` `[P]`.
    func batchGradient(_ batch: Dataset, at weights: Tensor) -> StepGradient {
        if let compiled = compiledGradient(batch, at: weights) { return compiled }
        let p = ParameterVariables(layout: task.model.layout, flat: weights, requiresGrad: true)
        let output = task.model.forward(batch.input, p)
        let loss = batch.loss(of: output)
        return StepGradient(loss: loss.value.scalarValue, accuracy: accuracy(output.value, batch.target),
                            gradient: p.flatGradient(of: loss), batch: batch)
    }

    /// `grad/norm/<layer>` of the fresh gradient; on `noise_scale_every` steps a new two-batch
    /// measurement (four disjoint small batches of 1/16 of the batch, drawn from `state.statistics.rng`);
    /// and the current noise scale estimate with its spread (`grad/noise_scale`, `grad/noise_scale_spread`).
    func gradientStatistics(_ computed: StepGradient, at weights: Tensor, step: Int) -> [String: Double] {
        var values: [String: Double] = [:]
        for (layer, norm) in layerNorms(computed.gradient) { values["grad/norm/\(layer)"] = norm }
        let every = state.config[.noiseScaleEvery], big = computed.batch.count, small = big / 16
        if every > 0 && step % every == 0 && small >= 1 {
            var order = Array(0..<big)
            for i in 0..<(4 * small) { order.swapAt(i, i + Int(state.statistics.rng.next() % UInt64(big - i))) }
            let smallNorms = (0..<4).map { k in
                batchGradient(computed.batch.subset(Array(order[(k * small)..<((k + 1) * small)])), at: weights).gradient.squaredNorm()
            }
            state.statistics.noiseScale.add(NoiseScaleEstimator.measurement(small: small, smallSquaredNorm: smallNorms.reduce(0, +) / 4,
                                                            big: big, bigSquaredNorm: computed.gradient.squaredNorm(),
                                                            population: task.train.count))
        }
        if every > 0, let estimate = state.statistics.noiseScale.estimate {
            values["grad/noise_scale"] = estimate.scale
            values["grad/noise_scale_spread"] = estimate.spread
        }
        return values
    }

    /// The slow/fast split of the step's gradient `[P]` before grokfast filters it: the norm of its
    /// EMA at grokfast's α and of the residual. With grokfast on, that EMA is grokfast's own, which
    /// `apply` has just moved; otherwise the statistics keep one.
    func slowFastSplit(_ gradient: Tensor) -> [String: Double] {
        let average: Tensor?
        if state.grokfast.lambda > 0 {
            average = state.grokfast.average
        } else {
            state.statistics.slowGradient.alpha = state.config[.grokfastAlpha]
            state.statistics.slowGradient.observe(gradient)
            average = state.statistics.slowGradient.average
        }
        guard let average else { return [:] }
        return ["grad/slow_norm": average.squaredNorm().squareRoot(), "grad/fast_norm": (gradient - average).squaredNorm().squareRoot()]
    }

    /// Accuracy of the final output: the last row block of a model with several exits.
    func accuracy(_ output: Tensor, _ target: Dataset.Target) -> Double? {
        accuracy(predicted: output.argmaxLastAxis(), target)
    }

    /// The same from each row's predicted class, as a rowArgmax output `[rows, 1]` holds them.
    func accuracy(predictions: Tensor, _ target: Dataset.Target) -> Double? {
        accuracy(predicted: predictions.doubles.map { Int($0) }, target)
    }

    /// The share of the last `labels.count` predictions (the final exit's rows) that are right.
    private func accuracy(predicted: [Int], _ target: Dataset.Target) -> Double? {
        guard case .classes(let labels, _) = target, !labels.isEmpty else { return nil }
        let final = predicted.suffix(labels.count)
        let correct = zip(final, labels).filter { $0 == Int($1) }.count
        return Double(correct) / Double(labels.count)
    }

    /// The L2 norm of each layer's part of a flat vector `[P]`, in layer order.
    func layerNorms(_ flat: Tensor) -> [(String, Double)] {
        let layout = task.model.layout
        let tensors = layout.split(flat)
        return layout.layers.map { layer in
            let squared = zip(layout.entries, tensors).filter { $0.0.layer == layer }.map { $0.1.squaredNorm() }.reduce(0, +)
            return (layer, squared.squareRoot())
        }
    }

    func histograms(step: Int) -> [TelemetryEvent] {
        let layout = task.model.layout
        return zip(layout.entries, layout.split(state.parameters)).map { entry, tensor in
            let values = tensor.doubles
            let low = values.min() ?? 0, high = values.max() ?? 0
            let bins = 30
            let width = high > low ? (high - low) / Double(bins) : 1
            var counts = [Double](repeating: 0, count: bins)
            for v in values { counts[min(bins - 1, Int((v - low) / width))] += 1 }
            let edges = (0...bins).map { low + Double($0) * width }
            return .histogram(HistogramEvent(run: runID, step: step, time: clock(), name: "weights/\(entry.name)",
                                             edges: edges, counts: counts))
        }
    }
}
