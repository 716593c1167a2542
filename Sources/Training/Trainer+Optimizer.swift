import NN

/// The update rule's settings at a step, and the state it keeps.
extension Trainer {
    /// Optimizers whose moment buffers mean the same thing, so switching keeps them.
    static func sharesMoments(_ a: OptimizerKind, _ b: OptimizerKind) -> Bool {
        let families: [Set<OptimizerKind>] = [[.adam, .adamw], [.momentum, .nesterov], [.sgd, .signsgd]]
        return a == b || families.contains { $0.contains(a) && $0.contains(b) }
    }

    var schedule: LearningRateSchedule {
        let config = state.config
        let warmup = config[.warmupSteps], total = config[.steps]
        switch config[.schedule] {
        case .warmup: return .warmup(steps: warmup)
        case .cosine: return .cosine(warmup: warmup, total: total, floor: 0)
        case .linear: return .linear(warmup: warmup, total: total, floor: 0)
        case .constant: return .constant
        }
    }

    func optimizerSettings(learningRate: Double) -> OptimizerSettings {
        let c = state.config
        return OptimizerSettings(kind: c[.optimizer], learningRate: learningRate,
                                 weightDecay: c[.weightDecay], momentum: c[.momentum],
                                 beta1: c[.beta1], beta2: c[.beta2], epsilon: c[.eps])
    }

    /// Chooses FRUGAL's state-full columns on its first step, every `frugal_period` steps, and when
    /// `frugal_rho` changed; a new choice restarts the moments (Adam on new coordinates starts from zero).
    func refreshFrugalSubspace(_ optimizer: inout OptimizerState) {
        let config = state.config, layout = task.model.layout
        let due = optimizer.subspace == nil || optimizer.step - optimizer.subspaceStart >= config[.frugalPeriod]
            || optimizer.subspace!.count != FrugalSubspace.size(layout: layout, share: config[.frugalRho])
        guard due else { return }
        optimizer.subspace = FrugalSubspace.choose(layout: layout, share: config[.frugalRho],
                                                   seed: UInt64(config[.seed]) &+ 0xF2_6A1 &+ UInt64(optimizer.step))
        optimizer.subspaceStart = optimizer.step
        optimizer.first = nil
        optimizer.second = nil
    }
}
