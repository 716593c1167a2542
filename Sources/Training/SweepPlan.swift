import JSONCore
import Telemetry

/// A width (or any one key's) sweep as a `Study`: one config key swept over values, each member a
/// run trained to the end, and a front of every finished member's cost against its final quality.
/// With an outer key (`weight_decay` for double descent), the whole sweep repeats for each of its
/// values, and members are labelled with both.
///
/// Cost is the config's `sweep_cost`: the member's parameter count, its training FLOPs per step
/// (≈ 6 · examples per step · parameters, the usual dense estimate), or its measured seconds per
/// step. Quality is its final test accuracy (test loss for regression).
public final class SweepPlan: StudyPlan {
    public let key: String
    public let values: [ConfigValue]
    public let base: TrainingConfig
    /// The key the whole sweep repeats over, and its values; nil for a plain sweep.
    public let outer: (key: String, values: [ConfigValue])?
    private var next = 0
    private var classification = true
    /// Every member's cost when it is known before training (parameters, FLOPs), for the hypervolume reference.
    private let plannedCosts: [Double]?

    /// A sweep of `key` over `values` on top of `base` (each value is range-checked now).
    public init(base: TrainingConfig, key: String, values: [ConfigValue], outer: (key: String, values: [ConfigValue])? = nil) throws(ConfigError) {
        self.base = base; self.key = key; self.values = values; self.outer = outer
        var costs: [Double] = []
        for v in values {
            var config = base
            try config.set(key, v)
            if let outer { for o in outer.values { try config.set(outer.key, o); try config.validate() } }
            try config.validate()
            // Each member is checked before its task is built (building it allocates the data).
            try config.checkFits(physicalMemory: TrainingConfig.physicalMemory)
            let task = TaskFactory.make(config)
            costs.append(Self.plannedCost(config, parameters: task.model.layout.count, examples: task.train.count) ?? .nan)
        }
        plannedCosts = costs.allSatisfy(\.isFinite) ? costs : nil
    }

    public var summary: String {
        "sweep of \(key) over \(values.map(\.description).joined(separator: ", "))"
            + (outer.map { " for each \($0.key) of \($0.values.map(\.description).joined(separator: ", "))" } ?? "")
    }
    public var memberCount: Int { values.count * (outer?.values.count ?? 1) }

    public var extra: JSONObject {
        var extra = JSONObject()
        extra["sweep_key"] = .string(key)
        extra["sweep_values"] = .array(values.map(\.jsonValue))
        if let outer {
            extra["sweep_outer_key"] = .string(outer.key)
            extra["sweep_outer_values"] = .array(outer.values.map(\.jsonValue))
        }
        return extra
    }

    public func nextMember(studyID: String, clock: @escaping @Sendable () -> Double) -> (trainer: Trainer, parent: String)? {
        guard next < memberCount else { return nil }
        var config = base
        let value = values[next % values.count]
        var name = "\(studyID)-\(key)\(value)"
        try! config.set(key, value)  // checked in init
        if let outer {
            let outerValue = outer.values[next / values.count]
            try! config.set(outer.key, outerValue)
            name += "-\(outer.key)\(outerValue)"
        }
        next += 1
        return (Trainer(config: config, runID: name, clock: clock), studyID)
    }

    public func finished(_ member: Trainer, seconds: Double) -> [ParetoPoint] {
        let test = member.evaluate(member.task.test)
        classification = test.accuracy != nil
        let config = member.state.config
        let cost = Self.plannedCost(config, parameters: member.task.model.layout.count, examples: member.task.train.count)
            ?? seconds / Double(max(member.state.step, 1))
        return [ParetoPoint(values: [cost, test.accuracy ?? test.loss],
                            label: "\(key) \(config.values[key]!)" + (outer.map { " · \($0.key) \(config.values[$0.key]!)" } ?? "")
                                + (member.hasDiverged ? " (diverged)" : ""))]
    }

    public var objectives: [ParetoObjective] {
        [ParetoObjective(name: base[.sweepCost].objectiveName, direction: .minimize),
         .testQuality(classification: classification)]
    }

    /// 10% beyond the costliest member, and zero accuracy (measured seconds and regression losses
    /// have no bound known in advance: left to consumers).
    public var reference: [Double]? {
        guard classification, let planned = plannedCosts else { return nil }
        return [planned.max()! * 1.1, 0]
    }

    /// The cost of a member known before training: parameters, or FLOPs per step; nil for seconds.
    static func plannedCost(_ config: TrainingConfig, parameters: Int, examples: Int) -> Double? {
        switch config[.sweepCost] {
        case .parameters: return Double(parameters)
        case .flops:
            let batch = config[.batchSize]
            return 6 * Double(batch == 0 ? examples : min(batch, examples)) * Double(parameters)
        case .seconds: return nil
        }
    }
}
