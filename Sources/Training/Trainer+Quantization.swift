import TensorCore

/// What quantization-aware training reports about the quantized weights.
extension Trainer {
    /// `quant/bits`, `model/bits`, `quant/distance` (‖q(w) − w‖ / ‖w‖ over the compressible
    /// weights) and `quant/flips` (the share of compressible weights whose level changed since the
    /// previous step: the oscillation that makes low-bit QAT unstable; absent on the first step).
    func quantizationValues(_ quantized: WeightQuantizer.Result, config: TrainingConfig) -> [String: Double] {
        guard let quantizer = config.quantizer else { return [:] }
        let layout = task.model.layout
        let full = state.parameters.floats, rounded = quantized.parameters.floats
        var difference = 0.0, norm = 0.0
        for entry in CompressionProbe.compressible(layout) {
            for i in entry.offset..<(entry.offset + entry.count) {
                let d = Double(rounded[i] - full[i])
                difference += d * d
                norm += Double(full[i]) * Double(full[i])
            }
        }
        var values = ["quant/bits": quantizer.bits.bitsPerWeight, "model/bits": quantizer.modelBits(layout: layout),
                      "quant/distance": (difference / max(norm, 1e-30)).squareRoot()]
        if quantizationLevels.count == quantized.levels.count, !quantized.levels.isEmpty {
            let changed = zip(quantizationLevels, quantized.levels).reduce(0) { $0 + ($1.0 != $1.1 ? 1 : 0) }
            values["quant/flips"] = Double(changed) / Double(quantized.levels.count)
        }
        quantizationLevels = quantized.levels
        return values
    }
}
