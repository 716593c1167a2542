import TensorCore
import NN

/// Bits per weight of quantization-aware training and of post-training quantization (config key
/// `bits`): `32` is full precision (no quantization), `1.58` is ternary (log₂ 3 bits).
public enum QuantizationBits: String, ConfigChoice, Comparable {
    case full = "32", eight = "8", six = "6", four = "4", three = "3", two = "2", ternary = "1.58", binary = "1"

    /// Storage cost of one weight, in bits.
    public var bitsPerWeight: Double {
        switch self {
        case .full: 32
        case .eight: 8
        case .six: 6
        case .four: 4
        case .three: 3
        case .two: 2
        case .ternary: 1.584_962_500_721_156  // log₂ 3
        case .binary: 1
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.bitsPerWeight < b.bitsPerWeight }
}

/// Over which values a quantizer takes its statistics (config key `quant_granularity`).
public enum QuantizationGranularity: String, ConfigChoice {
    /// One scale per weight tensor.
    case tensor
    /// One scale per row: an output channel of a linear layer (`[out, in]`), a token of an embedding table.
    case channel
}

/// Fake quantization of a model's compressible weights (see `CompressionProbe.compressible`):
/// the weights are rounded to a few levels and stored back as floats, so the model computes
/// with exactly the values a quantized deployment would hold.
///
/// The grids, per group of values (a tensor, or a row with `.channel`):
/// - 2 to 8 bits: 2^b evenly spaced levels from the group's minimum to its maximum (affine
///   min–max, the grid of `CompressionProbe`'s post-training probes);
/// - 1.58 bits (ternary, Li & Liu's TWN): {−α, 0, +α}, weights with |w| ≤ Δ = 0.7·mean|w| become
///   0, α is the mean |w| of the others;
/// - 1 bit (binary, as XNOR-Net): sign(w)·mean|w|.
///
/// In quantization-aware training the forward and backward passes run at the quantized weights
/// and the gradient is applied to the full-precision ones: the straight-through estimator, whose
/// surrogate ∂q/∂w = 1 makes the gradient with respect to w the gradient at q(w).
public struct WeightQuantizer: Sendable, Equatable {
    public var bits: QuantizationBits
    public var granularity: QuantizationGranularity

    public init(bits: QuantizationBits, granularity: QuantizationGranularity = .tensor) {
        self.bits = bits; self.granularity = granularity
    }

    /// The quantized weights and, for every compressible weight in layout order, the index of the
    /// level it landed on (what "changing level" means for the oscillation count).
    public struct Result: Sendable {
        /// Flat parameters `[P]`: compressible weights quantized, the rest as they were.
        public var parameters: Tensor
        /// One level index per compressible weight, tensors in layout order.
        public var levels: [Int32]
    }

    /// Quantizes the compressible tensors of flat parameters `[P]`, each at `bits` or at its own
    /// width in `widths` (a mixed-precision allocation, by entry name); full precision returns them unchanged.
    public func apply(_ flat: Tensor, layout: ParameterLayout, widths: [String: QuantizationBits] = [:]) -> Result {
        var values = flat.floats
        var levels: [Int32] = []
        for entry in CompressionProbe.compressible(layout) {
            let width = widths[entry.name] ?? bits
            let rowLength = granularity == .channel && entry.shape.count == 2 ? entry.shape[1] : entry.count
            var start = entry.offset
            while start < entry.offset + entry.count {
                values.withUnsafeMutableBufferPointer { all in
                    let group = UnsafeMutableBufferPointer(rebasing: all[start..<(start + rowLength)])
                    Self.quantize(group, bits: width, levels: &levels)
                }
                start += rowLength
            }
        }
        let unchanged = bits == .full && widths.values.allSatisfy { $0 == .full }
        return Result(parameters: unchanged ? flat : Tensor(shape: flat.shape, values), levels: levels)
    }

    /// Rounds one group of values in place onto the grid of `bits`, appending their level indices.
    static func quantize(_ group: UnsafeMutableBufferPointer<Float>, bits: QuantizationBits, levels: inout [Int32]) {
        let meanMagnitude = group.reduce(0) { $0 + Double(abs($1)) } / Double(max(group.count, 1))
        switch bits {
        case .full:
            levels += repeatElement(0, count: group.count)
        case .binary:
            let alpha = Float(meanMagnitude)
            for i in group.indices {
                let up = group[i] >= 0
                levels.append(up ? 1 : -1)
                group[i] = up ? alpha : -alpha
            }
        case .ternary:
            let threshold = Float(0.7 * meanMagnitude)
            var kept = 0.0, keptCount = 0
            for x in group where abs(x) > threshold { kept += Double(abs(x)); keptCount += 1 }
            let alpha = Float(keptCount > 0 ? kept / Double(keptCount) : 0)
            for i in group.indices {
                let level: Int32 = group[i] > threshold ? 1 : (group[i] < -threshold ? -1 : 0)
                levels.append(level)
                group[i] = Float(level) * alpha
            }
        default:
            guard let low = group.min(), let high = group.max(), high > low else {
                levels += repeatElement(0, count: group.count)
                return
            }
            let step = (high - low) / Float((1 << Int(bits.bitsPerWeight)) - 1)
            for i in group.indices {
                let level = ((group[i] - low) / step).rounded()
                levels.append(Int32(level))
                group[i] = low + level * step
            }
        }
    }

    /// Bits to store the model with these weights: compressible tensors at `bits.bitsPerWeight`
    /// each (or their width in `widths`), everything else at 32. (A per-group scale is not
    /// counted, as in the probes.)
    public func modelBits(layout: ParameterLayout, widths: [String: QuantizationBits] = [:]) -> Double {
        let compressible = CompressionProbe.compressible(layout)
        let quantized = compressible.reduce(0.0) { $0 + Double($1.count) * (widths[$1.name] ?? bits).bitsPerWeight }
        return quantized + Double(layout.count - compressible.reduce(0) { $0 + $1.count }) * 32
    }
}
