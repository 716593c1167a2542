import JSONCore
import Telemetry

/// A width (or any one key's) sweep as a `Study`: one config key swept over values, each member a
/// run trained to the end, and a front of every finished member's cost against its final quality.
/// With an outer key (`weight_decay` for double descent), the whole sweep repeats for each of its
/// values, and members are labelled with both.
///
/// With seeds (`run --seeds N`), the whole sweep repeats for each seed, members named `-sSEED`; a
/// sweep of `seed` itself is how a single-run preset trains N seeds, and has no front.
///
/// Cost is the config's `sweep_cost`: the member's parameter count, its training FLOPs per step
/// (≈ 6 · examples per step · parameters, the usual dense estimate), its measured seconds per
/// step, the bytes its optimizer state holds at the end, or its simulated workers' gradient uploads. Quality is `sweep_quality`: final test
/// accuracy (test loss for regression, where there is none) or final test loss.
public final class SweepPlan: StudyPlan {
    public let key: String
    public let values: [ConfigValue]
    public let base: TrainingConfig
    /// The key the whole sweep repeats over, and its values; nil for a plain sweep.
    public let outer: (key: String, values: [ConfigValue])?
    /// The seeds the whole sweep repeats for; empty trains the base config's seed once.
    public let seeds: [Int]
    private var next = 0
    private var classification = true
    /// Every member's cost when it is known before training (parameters, FLOPs), for the hypervolume reference.
    private let plannedCosts: [Double]?

    /// A sweep of `key` over `values` on top of `base` (each value is range-checked now).
    public init(base: TrainingConfig, key: String, values: [ConfigValue], outer: (key: String, values: [ConfigValue])? = nil,
                seeds: [Int] = []) throws(ConfigError) {
        self.base = base; self.key = key; self.values = values; self.outer = outer; self.seeds = seeds
        var costs: [Double] = []
        for v in values {
            var config = base
            try config.set(key, v)
            if let outer { for o in outer.values { try config.set(outer.key, o); try config.validate() } }
            try config.validate()
            // Each member is checked before its task is built (building it allocates the data).
            try config.checkFits(physicalMemory: TrainingConfig.physicalMemory)
            for seed in seeds { try config.set(.seed, seed) }
            let task = TaskFactory.make(config)
            costs.append(Self.plannedCost(config, parameters: task.model.layout.count, examples: task.train.count) ?? .nan)
        }
        plannedCosts = costs.allSatisfy(\.isFinite) ? costs : nil
    }

    public var summary: String {
        "sweep of \(key) over \(values.map(\.description).joined(separator: ", "))"
            + (outer.map { " for each \($0.key) of \($0.values.map(\.description).joined(separator: ", "))" } ?? "")
            + (seeds.isEmpty ? "" : ", seeds \(seeds.map(String.init).joined(separator: ", "))")
    }
    private var perSeed: Int { values.count * (outer?.values.count ?? 1) }
    public var memberCount: Int { perSeed * max(seeds.count, 1) }

    public var extra: JSONObject {
        var extra = JSONObject()
        extra["sweep_key"] = .string(key)
        extra["sweep_values"] = .array(values.map(\.jsonValue))
        if let outer {
            extra["sweep_outer_key"] = .string(outer.key)
            extra["sweep_outer_values"] = .array(outer.values.map(\.jsonValue))
        }
        if !seeds.isEmpty { extra["seeds"] = .array(seeds.map { .number(Double($0)) }) }
        return extra
    }

    public func nextMember(studyID: String, clock: @escaping @Sendable () -> Double) -> (trainer: Trainer, parent: String)? {
        guard next < memberCount else { return nil }
        var config = base
        let value = values[next % values.count]
        var name = key == "seed" ? "\(studyID)-s\(value)" : "\(studyID)-\(key)\(value)"
        try! config.set(key, value)  // checked in init
        if let outer {
            let outerValue = outer.values[(next % perSeed) / values.count]
            try! config.set(outer.key, outerValue)
            name += "-\(outer.key)\(outerValue)"
        }
        if !seeds.isEmpty {
            let seed = seeds[next / perSeed]
            try! config.set(.seed, seed)
            name += "-s\(seed)"
        }
        next += 1
        return (Trainer(config: config, runID: name, clock: clock), studyID)
    }

    public func finished(_ member: Trainer, seconds: Double) -> [ParetoPoint] {
        guard key != "seed" else { return [] }
        let test = member.evaluate(member.task.test)
        classification = test.accuracy != nil && base[.sweepQuality] == .accuracy
        let config = member.state.config
        let cost: Double
        switch config[.sweepCost] {
        case .seconds: cost = seconds / Double(max(member.state.step, 1))
        case .stateBytes: cost = Double(member.state.optimizer.stateBytes)
        case .uploads: cost = Double(member.state.lazyAggregation?.uploads ?? member.state.step * member.state.config[.workers])
        case .parameters, .flops: cost = Self.plannedCost(config, parameters: member.task.model.layout.count, examples: member.task.train.count)!
        }
        return [ParetoPoint(values: [cost, classification ? test.accuracy! : test.loss],
                            label: "\(key) \(config.values[key]!)" + (outer.map { " · \($0.key) \(config.values[$0.key]!)" } ?? "")
                                + (seeds.isEmpty ? "" : " · seed \(config[.seed])") + (member.hasDiverged ? " (diverged)" : ""))]
    }

    /// None for a sweep of seeds (nothing trades off); else cost against quality.
    public var objectives: [ParetoObjective] {
        guard key != "seed" else { return [] }
        return [ParetoObjective(name: base[.sweepCost].objectiveName, direction: .minimize), .testQuality(classification: classification)]
    }

    /// 10% beyond the costliest member, and zero accuracy (measured seconds and regression losses
    /// have no bound known in advance: left to consumers).
    public var reference: [Double]? {
        guard classification, let planned = plannedCosts else { return nil }
        return [planned.max()! * 1.1, 0]
    }

    /// The cost of a member known before training: parameters, or FLOPs per step; nil for seconds and state bytes.
    static func plannedCost(_ config: TrainingConfig, parameters: Int, examples: Int) -> Double? {
        switch config[.sweepCost] {
        case .parameters: return Double(parameters)
        case .flops:
            let batch = config[.batchSize]
            return 6 * Double(batch == 0 ? examples : min(batch, examples)) * Double(parameters)
        case .seconds, .stateBytes, .uploads: return nil
        }
    }
}
