import JSONCore
import TensorCore
import Autograd
import NN
import Telemetry

/// Compression probes of a model without retraining: magnitude pruning and uniform quantization
/// of its weight tensors, each scored on the test set, as points of a Pareto front of model size
/// against quality.
///
/// Prunable and quantizable tensors are the weight matrices and embedding tables (names ending
/// in `weight`); biases and normalization parameters stay dense and 32-bit.
public enum CompressionProbe {
    /// Sparsities of the pruning probes, global and per layer.
    public static let sparsities = [0.5, 0.7, 0.8, 0.9, 0.95, 0.98]
    /// Bit widths of the quantization probes.
    public static let bitWidths = [8, 6, 4, 3, 2]

    public enum Scope: String, Sendable { case global, perLayer = "layer-wise" }

    /// The entries that probes compress.
    public static func compressible(_ layout: ParameterLayout) -> [ParameterLayout.Entry] {
        layout.entries.filter { $0.name.hasSuffix("weight") }
    }

    /// The compressible weights' flat indices in pruning order, smallest magnitude first (ties by
    /// position): one ranking over all compressible tensors (`global`) or one per tensor
    /// (`perLayer`). Every sparsity of a probe round is a prefix of each ranking.
    public static func pruningOrder(_ flat: Tensor, layout: ParameterLayout, scope: Scope) -> [[Int]] {
        let values = flat.floats
        let ranges = compressible(layout).map { $0.offset..<($0.offset + $0.count) }
        let groups: [[Int]] = scope == .global ? [ranges.flatMap { Array($0) }] : ranges.map { Array($0) }
        return groups.map { group in
            group.map { (magnitude: abs(values[$0]), index: $0) }
                .sorted { $0.magnitude != $1.magnitude ? $0.magnitude < $1.magnitude : $0.index < $1.index }
                .map(\.index)
        }
    }

    /// Flat parameters `[P]` with the `round(sparsity · n)` smallest-magnitude compressible weights
    /// set to zero: n and the ranking over all compressible tensors together (`global`), or per
    /// tensor with its own n (`perLayer`). Ties are broken by position, so the count is exact.
    public static func pruned(_ flat: Tensor, layout: ParameterLayout, sparsity: Double, scope: Scope) -> Tensor {
        pruned(flat, order: pruningOrder(flat, layout: layout, scope: scope), sparsity: sparsity)
    }

    /// Flat parameters `[P]` with the first `round(sparsity · n)` indices of each ranking of
    /// `pruningOrder` set to zero.
    public static func pruned(_ flat: Tensor, order: [[Int]], sparsity: Double) -> Tensor {
        var values = flat.floats
        for group in order {
            for i in group.prefix(Int((sparsity * Double(group.count)).rounded())) { values[i] = 0 }
        }
        return Tensor(shape: flat.shape, values)
    }

    /// Flat parameters `[P]` with each compressible tensor rounded to `2^bits` evenly spaced levels
    /// between its own minimum and maximum (so at most `2^bits` distinct values per tensor); `bits`
    /// is one of `QuantizationBits`' integer widths (2…8).
    public static func quantized(_ flat: Tensor, layout: ParameterLayout, bits: Int) -> Tensor {
        guard let width = QuantizationBits(rawValue: String(bits)), (2...8).contains(bits) else {
            preconditionFailure("bits must be 2, 3, 4, 6 or 8, got \(bits)")
        }
        return WeightQuantizer(bits: width).apply(flat, layout: layout).parameters
    }

    /// Bits to store the model: compressible tensors at `bits` each (only their non-zero entries
    /// when pruned, 32-bit), everything else at 32.
    public static func modelBits(_ flat: Tensor, layout: ParameterLayout, bits: Int = 32, countZeros: Bool = true) -> Double {
        let values = flat.floats
        var total = 0.0
        let compressed = Set(compressible(layout).map(\.name))
        for entry in layout.entries {
            let slice = values[entry.offset..<(entry.offset + entry.count)]
            if compressed.contains(entry.name) {
                let stored = countZeros ? slice.count : slice.filter { $0 != 0 }.count
                total += Double(stored * bits)
            } else {
                total += Double(slice.count * 32)
            }
        }
        return total
    }
}

extension Trainer {
    /// A probe round at the current parameters, reported as step `step` (by default the last
    /// step taken): the dense model, global and layer-wise pruning at each of
    /// `CompressionProbe.sparsities`, quantization at each of `bitWidths`, as points of
    /// (model bits ↓, test accuracy ↑) — test loss ↓ for regression tasks.
    public func probeRound(step: Int? = nil) -> ParetoEvent {
        let layout = task.model.layout
        let dense = state.parameters
        var candidates: [(label: String, parameters: Tensor, bits: Double)] = [
            ("dense 32-bit", dense, CompressionProbe.modelBits(dense, layout: layout))
        ]
        for scope in [CompressionProbe.Scope.global, .perLayer] {
            let order = CompressionProbe.pruningOrder(dense, layout: layout, scope: scope)
            for s in CompressionProbe.sparsities {
                let p = CompressionProbe.pruned(dense, order: order, sparsity: s)
                candidates.append(("prune \(Int((s * 100).rounded()))% \(scope.rawValue)", p,
                                   CompressionProbe.modelBits(p, layout: layout, countZeros: false)))
            }
        }
        for b in CompressionProbe.bitWidths {
            let p = CompressionProbe.quantized(dense, layout: layout, bits: b)
            candidates.append(("\(b)-bit", p, CompressionProbe.modelBits(p, layout: layout, bits: b)))
        }
        let classification = task.chanceAccuracy != nil
        let quality = ParetoObjective.testQuality(classification: classification)
        let points = candidates.map { c in
            ParetoPoint(values: [c.bits, testQuality(c.parameters)], label: c.label)
        }
        // The hypervolume reference: 10% more than the dense model's bits, and zero
        // accuracy; regression losses have no natural worst value, so consumers choose one.
        var extra = JSONObject()
        if classification { extra["reference"] = .array([.number(candidates[0].bits * 1.1), .number(0)]) }
        return ParetoEvent(run: runID, step: step ?? state.step, time: clock(),
                           objectives: [ParetoObjective(name: "model_bits", direction: .minimize), quality], points: points, extra: extra)
    }

    /// Test accuracy of flat parameters `[P]` for a classifier, test loss for regression (the
    /// evaluation pass, compiled like the trainer's own).
    func testQuality(_ parameters: Tensor) -> Double {
        let evaluation = evaluate(task.test, parameters: parameters)
        guard case .classes = task.test.target else { return evaluation.loss }
        return evaluation.accuracy ?? 0
    }
}
