import JSONCore
import TensorCore
import Curvature
import Telemetry

/// The quantization study (`--preset quantization`): quantization-aware training at each bit
/// width, then one front of test quality against model bits holding three families of points —
/// - `QAT b-bit`: each member's final quantized model (32-bit is the full-precision run);
/// - `PTQ b-bit`: the full-precision run's final weights quantized after training;
/// - mixed precision for average budgets of 4, 3 and 2 bits per weight: `uniform` (every tensor
///   at the budget), `hessian` (widths chosen by `BitAllocation` from each tensor's Hessian trace)
///   and `inverse` (the same search with each trace replaced by its reciprocal: the control that
///   gives the most bits to the flattest tensors), labelled with their allocation.
/// The full-precision member also reports its per-tensor traces as `hessian/trace/<tensor>` scalars.
public final class QuantizationPlan: StudyPlan {
    /// The members' widths, in training order.
    public static let widths: [QuantizationBits] = [.full, .eight, .four, .three, .two, .ternary, .binary]
    /// Average bits per weight of the mixed-precision budgets.
    public static let budgets: [QuantizationBits] = [.four, .three, .two]
    /// Hutchinson probes per tensor trace.
    public static let traceProbes = 32

    public let base: TrainingConfig
    private var next = 0
    private var classification = true
    private var pending: [ParetoPoint] = []
    private var denseBits = 0.0

    public init(base: TrainingConfig) throws(ConfigError) {
        self.base = base
        var config = base
        try config.set(.bits, .binary)
        try config.validate()
        try config.checkFits(physicalMemory: TrainingConfig.physicalMemory)
    }

    public var summary: String {
        "quantization-aware training at \(Self.widths.map(\.rawValue).joined(separator: ", ")) bits, post-training quantization and Hessian-guided mixed precision"
    }
    public var memberCount: Int { Self.widths.count }
    public var extra: JSONObject {
        JSONObject([("sweep_key", .string("bits")), ("sweep_values", .array(Self.widths.map { .string($0.rawValue) }))])
    }

    public func nextMember(studyID: String, clock: @escaping @Sendable () -> Double) -> (trainer: Trainer, parent: String)? {
        guard next < Self.widths.count else { return nil }
        var config = base
        try! config.set(.bits, Self.widths[next])  // checked in init
        next += 1
        let name = config[.bits] == .full ? "fp32" : "qat\(config[.bits].rawValue)"
        return (Trainer(config: config, runID: "\(studyID)-\(name)", clock: clock), studyID)
    }

    /// At the end of the full-precision member: its per-tensor traces (as scalars) and the PTQ
    /// and mixed-precision points, which join the front with that member's own point.
    public func observe(_ member: Trainer, events: [TelemetryEvent]) -> [TelemetryEvent] {
        guard member.isFinished, member.state.config[.bits] == .full, !member.hasDiverged else { return [] }
        let layout = member.task.model.layout
        let weights = member.state.parameters
        let granularity = member.state.config[.quantGranularity]
        denseBits = WeightQuantizer(bits: .full).modelBits(layout: layout)
        for width in Self.widths.dropFirst() {
            let quantizer = WeightQuantizer(bits: width, granularity: granularity)
            pending.append(ParetoPoint(values: [quantizer.modelBits(layout: layout), member.testQuality(quantizer.apply(weights, layout: layout).parameters)],
                                       label: "PTQ \(width.rawValue)-bit"))
        }
        let traces = member.tensorTraces(probes: Self.traceProbes)
        let sensitivity = BitAllocation.sensitivities(weights, layout: layout, traces: traces.mapValues(\.value), granularity: granularity)
        let inverse = BitAllocation.sensitivities(weights, layout: layout, traces: traces.mapValues { 1 / max($0.value, 1e-12) },
                                                  granularity: granularity)
        let counts = Dictionary(uniqueKeysWithValues: CompressionProbe.compressible(layout).map { ($0.name, $0.count) })
        for budget in Self.budgets {
            let uniform = Dictionary(uniqueKeysWithValues: counts.keys.map { ($0, budget) })
            let allocations: [(String, [String: QuantizationBits]?)] = [
                ("uniform", uniform),
                ("hessian", BitAllocation.allocate(sensitivity, counts: counts, averageBits: budget.bitsPerWeight)),
                ("inverse", BitAllocation.allocate(inverse, counts: counts, averageBits: budget.bitsPerWeight)),
            ]
            for (name, allocation) in allocations {
                guard let allocation else { continue }
                let quantizer = WeightQuantizer(bits: budget, granularity: granularity)
                let quantized = quantizer.apply(weights, layout: layout, widths: allocation).parameters
                pending.append(ParetoPoint(values: [quantizer.modelBits(layout: layout, widths: allocation), member.testQuality(quantized)],
                                           label: "\(name) ≤\(budget.rawValue) bits: \(BitAllocation.label(allocation, layout: layout))"))
            }
        }
        let values = Dictionary(uniqueKeysWithValues: traces.map { ("hessian/trace/\($0.key)", $0.value.value) })
        return [.scalars(ScalarsEvent(run: member.runID, step: member.state.step, time: member.clock(), values: values))]
    }

    public func finished(_ member: Trainer, seconds: Double) -> [ParetoPoint] {
        classification = member.task.chanceAccuracy != nil
        let config = member.state.config
        let quantizer = WeightQuantizer(bits: config[.bits], granularity: config[.quantGranularity])
        let label = config[.bits] == .full ? "32-bit" : "QAT \(config[.bits].rawValue)-bit"
        let own = ParetoPoint(values: [quantizer.modelBits(layout: member.task.model.layout), member.testQuality(member.deployedParameters)],
                              label: label + (member.hasDiverged ? " (diverged)" : ""))
        defer { pending = [] }
        return [own] + pending
    }

    public var objectives: [ParetoObjective] {
        [ParetoObjective(name: "model_bits", direction: .minimize),
         .testQuality(classification: classification)]
    }

    /// 10% beyond the full-precision model's bits, and zero accuracy.
    public var reference: [Double]? { classification && denseBits > 0 ? [denseBits * 1.1, 0] : nil }
}
