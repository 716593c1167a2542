import JSONCore
import TensorCore
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

    /// Flat parameters `[P]` with the `round(sparsity · n)` smallest-magnitude compressible weights
    /// set to zero: n and the ranking over all compressible tensors together (`global`), or per
    /// tensor with its own n (`perLayer`). Ties are broken by position, so the count is exact.
    public static func pruned(_ flat: Tensor, layout: ParameterLayout, sparsity: Double, scope: Scope) -> Tensor {
        var values = flat.floats
        let groups: [[Int]] = {
            let entries = compressible(layout)
            let indices = entries.map { Array($0.offset..<($0.offset + $0.count)) }
            return scope == .global ? [indices.flatMap { $0 }] : indices
        }()
        for group in groups {
            let k = Int((sparsity * Double(group.count)).rounded())
            guard k > 0 else { continue }
            let order = group.sorted { abs(values[$0]) != abs(values[$1]) ? abs(values[$0]) < abs(values[$1]) : $0 < $1 }
            for i in order.prefix(k) { values[i] = 0 }
        }
        return Tensor(shape: flat.shape, values)
    }

    /// Flat parameters `[P]` with each compressible tensor rounded to `2^bits` evenly spaced levels
    /// between its own minimum and maximum (so at most `2^bits` distinct values per tensor).
    public static func quantized(_ flat: Tensor, layout: ParameterLayout, bits: Int) -> Tensor {
        precondition((1...16).contains(bits), "bits must be 1…16")
        var values = flat.floats
        let levels = Float((1 << bits) - 1)
        for entry in compressible(layout) {
            let range = entry.offset..<(entry.offset + entry.count)
            guard let low = values[range].min(), let high = values[range].max(), high > low else { continue }
            let step = (high - low) / levels
            for i in range { values[i] = low + ((values[i] - low) / step).rounded() * step }
        }
        return Tensor(shape: flat.shape, values)
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
            for s in CompressionProbe.sparsities {
                let p = CompressionProbe.pruned(dense, layout: layout, sparsity: s, scope: scope)
                candidates.append(("prune \(Int((s * 100).rounded()))% \(scope.rawValue)", p,
                                   CompressionProbe.modelBits(p, layout: layout, countZeros: false)))
            }
        }
        for b in CompressionProbe.bitWidths {
            let p = CompressionProbe.quantized(dense, layout: layout, bits: b)
            candidates.append(("\(b)-bit", p, CompressionProbe.modelBits(p, layout: layout, bits: b)))
        }
        let scored = candidates.map { c in (c, evaluate(task.test, parameters: c.parameters)) }
        let classification = scored[0].1.accuracy != nil
        let quality = classification ? ParetoObjective(name: "test/acc", direction: .maximize) : ParetoObjective(name: "test/loss", direction: .minimize)
        let points = scored.map { c, e in
            ParetoPoint(values: [c.bits, classification ? e.accuracy! : e.loss], label: c.label)
        }
        // The hypervolume reference: 10% more than the dense model's bits, and zero
        // accuracy; regression losses have no natural worst value, so consumers choose one.
        var extra = JSONObject()
        if classification { extra["reference"] = .array([.number(candidates[0].bits * 1.1), .number(0)]) }
        return ParetoEvent(run: runID, step: step ?? state.step, time: clock(),
                           objectives: [ParetoObjective(name: "model_bits", direction: .minimize), quality], points: points, extra: extra)
    }
}
