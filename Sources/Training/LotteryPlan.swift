import JSONCore
import TensorCore
import NN
import Telemetry

/// Lottery tickets by iterative magnitude pruning with rewinding (`--preset lottery`; Frankle &
/// Carbin 2019, Frankle et al. 2020). Runs, in order:
/// - `dense`: the full network, trained to the end;
/// - for each of `lottery_rounds` rounds r: a `ticket` — the previous round's network pruned by
///   `prune_rate` of its remaining compressible weights (smallest magnitudes, `prune_scope`
///   global or per tensor, ranked at the round's end or at its memorization or generalization
///   step, `mask_at`), rewound to the dense run's state at `rewind_step` (0: the initialization)
///   and trained with the mask held — then a `control`: the same mask on a fresh random
///   initialization, trained from step 0.
///
/// Each ticket is a child of the previous ticket (the first of `dense`), each control of its
/// ticket. The front is test quality against the compressible weights that remain. Rounds report
/// `sparsity` (the trainer) and, at each evaluation, `mask/churn`: the share of the weights the
/// next round would keep that changed since the previous evaluation (how settled the ticket is).
public final class LotteryPlan: StudyPlan {
    public let base: TrainingConfig
    private enum Role { case dense, ticket(round: Int), control(round: Int) }
    private var queue: [Role]
    private var current: Role = .dense
    /// The dense run's state at `rewind_step`: what tickets restart from.
    private var rewindState: TrainerState?
    /// The last ticket's (or the dense run's) id, its own mask (its control trains with it), the
    /// mask it leaves for the next round, and that mask's sparsity.
    private var lastTicket: (id: String, mask: Tensor?, nextMask: Tensor, sparsity: Double)?
    /// The current round's weights at its memorization and generalization steps.
    private var phaseWeights: [TrainingConfig.MaskPhase: Tensor] = [:]
    private var churnMask: Tensor?
    private var classification = true
    private var denseWeights = 0.0

    public init(base: TrainingConfig) throws(ConfigError) {
        try base.validate()
        try base.checkFits(physicalMemory: TrainingConfig.physicalMemory)
        guard base[.rewindStep] < base[.steps] else {
            throw ConfigError("rewind_step=\(base[.rewindStep]) must be below steps=\(base[.steps])")
        }
        self.base = base
        queue = [.dense] + (1...base[.lotteryRounds]).flatMap { [Role.ticket(round: $0), .control(round: $0)] }
    }

    public var summary: String {
        "lottery tickets: \(base[.lotteryRounds]) rounds of iterative magnitude pruning (\(base[.pruneRate]) per round), rewound to step \(base[.rewindStep]), with random re-initialization controls"
    }
    public var memberCount: Int { 1 + 2 * base[.lotteryRounds] }
    public var extra: JSONObject { JSONObject([("rewind_step", .number(Double(base[.rewindStep])))]) }

    public func nextMember(studyID: String, clock: @escaping @Sendable () -> Double) -> (trainer: Trainer, parent: String)? {
        guard !queue.isEmpty else { return nil }
        current = queue.removeFirst()
        phaseWeights = [:]
        churnMask = nil
        switch current {
        case .dense:
            let trainer = Trainer(config: base, runID: "\(studyID)-dense", clock: clock)
            if base[.rewindStep] == 0 { rewindState = trainer.state }
            denseWeights = Double(Self.compressibleCount(trainer.task.model.layout))
            return (trainer, studyID)
        case .ticket(let round):
            guard let rewind = rewindState, let last = lastTicket else { return nil }
            var state = rewind
            let mask = last.nextMask
            state.mask = mask
            state.parameters = state.parameters * mask
            state.optimizer.first = state.optimizer.first.map { $0 * mask }
            state.optimizer.second = state.optimizer.second.map { $0 * mask }
            state.grokfast.average = state.grokfast.average.map { $0 * mask }
            return (Trainer(resuming: state, runID: "\(studyID)-ticket\(round)", clock: clock), last.id)
        case .control(let round):
            guard let last = lastTicket, let mask = last.mask else { return nil }
            let task = TaskFactory.make(base)
            var rng = SeededRNG(seed: UInt64(base[.seed]) &+ 0xC0_4780 &+ UInt64(round))
            let trainer = Trainer(config: base, task: task, parameters: task.model.initialParameters(&rng, dtype: .float32) * mask,
                                  runID: "\(studyID)-control\(round)", clock: clock)
            var state = trainer.state
            state.mask = mask
            trainer.restore(state)
            return (trainer, last.id)
        }
    }

    public func observe(_ member: Trainer, events: [TelemetryEvent]) -> [TelemetryEvent] {
        // Read from the run's config: `rewind_step` is a knob until the dense run passes it.
        if case .dense = current, member.state.step == member.state.config[.rewindStep] { rewindState = member.state }
        for case .phase(let phase) in events {
            if phase.name == "memorization" { phaseWeights[.memorization] = member.state.parameters }
            if phase.name == "generalization" { phaseWeights[.generalization] = member.state.parameters }
        }
        if case .control = current { return [] }
        let config = member.state.config
        guard member.state.step % config[.evalEvery] == 0 || member.isFinished else { return [] }
        let layout = member.task.model.layout
        let nextSparsity = 1 - (1 - (lastTicket?.sparsity ?? 0)) * (1 - config[.pruneRate])
        let next = Self.mask(weights: member.state.parameters, previous: member.state.mask, layout: layout, sparsity: nextSparsity,
                             scope: config[.pruneScope])
        defer { churnMask = next }
        guard let previous = churnMask else { return [] }
        let kept = next.sum().scalarValue
        let changed = (next - previous).floats.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
        return [.scalars(ScalarsEvent(run: member.runID, step: member.state.step, time: member.clock(),
                                      values: ["mask/churn": Double(changed) / 2 / max(kept, 1)]))]
    }

    public func finished(_ member: Trainer, seconds: Double) -> [ParetoPoint] {
        classification = member.task.chanceAccuracy != nil
        let layout = member.task.model.layout
        let remaining = member.state.mask.map { mask in
            CompressionProbe.compressible(layout).reduce(0.0) { total, e in total + mask.floats[e.offset..<(e.offset + e.count)].reduce(0.0) { $0 + Double($1) } }
        } ?? denseWeights
        let percent = JSONValue.number((1000 * (1 - remaining / denseWeights)).rounded() / 10).jsonText
        var label: String
        switch current {
        case .dense: label = "dense"
        case .ticket: label = "ticket \(percent)% pruned"
        case .control: label = "random re-init \(percent)% pruned"
        }
        if case .control = current {} else {
            // The next round's mask, from the weights `mask_at` names (the end when that phase never came).
            let config = member.state.config
            let phase = config[.maskAt]
            let weights = phase == .end ? member.state.parameters : (phaseWeights[phase] ?? member.state.parameters)
            if phase != .end && phaseWeights[phase] == nil { label += " (no \(phase.rawValue): next mask at the end)" }
            let sparsity = 1 - (1 - (lastTicket?.sparsity ?? 0)) * (1 - config[.pruneRate])
            lastTicket = (member.runID, member.state.mask,
                          Self.mask(weights: weights, previous: member.state.mask, layout: layout, sparsity: sparsity, scope: config[.pruneScope]),
                          sparsity)
        }
        return [ParetoPoint(values: [remaining, member.testQuality(member.deployedParameters)],
                            label: label + (member.hasDiverged ? " (diverged)" : ""))]
    }

    public var objectives: [ParetoObjective] {
        [ParetoObjective(name: "weights_remaining", direction: .minimize),
         .testQuality(classification: classification)]
    }

    public var reference: [Double]? { classification && denseWeights > 0 ? [denseWeights * 1.1, 0] : nil }

    /// A mask `[P]` keeping all but the `round(sparsity · n)` smallest-magnitude compressible
    /// weights (n over all of them, or per tensor with `.layer`); other parameters are kept.
    /// Weights pruned by `previous` stay pruned, so the masks of later rounds nest.
    public static func mask(weights: Tensor, previous: Tensor?, layout: ParameterLayout, sparsity: Double,
                            scope: TrainingConfig.PruneScope) -> Tensor {
        var mask = previous?.floats ?? [Float](repeating: 1, count: weights.count)
        for group in CompressionProbe.pruningOrder(weights, layout: layout, scope: scope == .global ? .global : .perLayer) {
            for i in group.prefix(Int((sparsity * Double(group.count)).rounded())) { mask[i] = 0 }
        }
        return Tensor(shape: weights.shape, mask)
    }

    static func compressibleCount(_ layout: ParameterLayout) -> Int {
        CompressionProbe.compressible(layout).reduce(0) { $0 + $1.count }
    }
}
