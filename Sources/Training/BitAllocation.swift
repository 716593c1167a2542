import TensorCore
import NN

/// Bit widths per weight tensor for a storage budget, chosen by Hessian sensitivity (HAWQ-v2):
/// quantizing tensor l to b bits costs about Ω_l(b) = (Tr(H_l) / n_l) · ‖Q_b(W_l) − W_l‖², its
/// mean curvature times the squared size of the rounding, so tensors the loss is flat along can
/// take fewer bits.
public enum BitAllocation {
    /// The widths an allocation chooses from, widest first.
    public static let widths: [QuantizationBits] = [.eight, .six, .four, .three, .two, .ternary, .binary]

    /// Ω_l(b) for every compressible tensor (by entry name) and width, given each tensor's Hessian trace.
    public static func sensitivities(_ flat: Tensor, layout: ParameterLayout, traces: [String: Double],
                                     granularity: QuantizationGranularity) -> [String: [QuantizationBits: Double]] {
        let values = flat.floats
        var result: [String: [QuantizationBits: Double]] = [:]
        for width in widths {
            let rounded = WeightQuantizer(bits: width, granularity: granularity).apply(flat, layout: layout).parameters.floats
            for entry in CompressionProbe.compressible(layout) {
                guard let trace = traces[entry.name] else { continue }
                var squared = 0.0
                for i in entry.offset..<(entry.offset + entry.count) {
                    let d = Double(rounded[i] - values[i])
                    squared += d * d
                }
                result[entry.name, default: [:]][width] = trace / Double(entry.count) * squared
            }
        }
        return result
    }

    /// A width per tensor whose mean over all compressible weights is at most `averageBits`:
    /// every tensor starts at 8 bits, then the tensor whose Ω rises least per bit saved steps
    /// down one width, until the budget holds (greedy, as HAWQ's Pareto-frontier search orders it).
    /// `counts` are the tensors' sizes. Nil when even 1 bit everywhere exceeds the budget.
    public static func allocate(_ sensitivity: [String: [QuantizationBits: Double]], counts: [String: Int],
                                averageBits: Double) -> [String: QuantizationBits]? {
        let names = sensitivity.keys.sorted()
        var index = Dictionary(uniqueKeysWithValues: names.map { ($0, 0) })
        let total = Double(names.reduce(0) { $0 + counts[$1]! })
        func used() -> Double { names.reduce(0.0) { $0 + Double(counts[$1]!) * widths[index[$1]!].bitsPerWeight } }
        while used() > averageBits * total + 1e-9 {
            let candidates = names.filter { index[$0]! + 1 < widths.count }.map { name -> (String, Double) in
                let from = widths[index[name]!], to = widths[index[name]! + 1]
                let saved = Double(counts[name]!) * (from.bitsPerWeight - to.bitsPerWeight)
                return (name, (sensitivity[name]![to]! - sensitivity[name]![from]!) / saved)
            }
            guard let best = candidates.min(by: { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }) else { return nil }
            index[best.0]! += 1
        }
        return index.mapValues { widths[$0] }
    }

    /// An allocation's label: each tensor's width, in layout order (`embed_a 2 · out 4`).
    public static func label(_ allocation: [String: QuantizationBits], layout: ParameterLayout) -> String {
        CompressionProbe.compressible(layout).compactMap { entry in
            allocation[entry.name].map { "\(entry.layer) \($0.rawValue)" }
        }.joined(separator: " · ")
    }
}
