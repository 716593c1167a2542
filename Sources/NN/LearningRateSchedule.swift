import Foundation

/// How the learning rate moves over training: a factor of the base rate at each step.
public enum LearningRateSchedule: Sendable, Equatable {
    case constant
    /// Linear warmup from 0 over `steps`, then constant.
    case warmup(steps: Int)
    /// Linear warmup, then cosine decay to `floor`·base at `total` steps.
    case cosine(warmup: Int, total: Int, floor: Double)
    /// Linear warmup, then linear decay to `floor`·base at `total` steps.
    case linear(warmup: Int, total: Int, floor: Double)

    /// The multiplier of the base learning rate at `step` (1-based).
    public func factor(at step: Int) -> Double {
        let warmupSteps: Int
        switch self {
        case .constant: return 1
        case .warmup(let w): warmupSteps = w
        case .cosine(let w, _, _), .linear(let w, _, _): warmupSteps = w
        }
        if warmupSteps > 0 && step <= warmupSteps { return Double(step) / Double(warmupSteps) }
        switch self {
        case .constant, .warmup: return 1
        case .cosine(let w, let total, let floor):
            let progress = min(1, Double(step - w) / Double(max(1, total - w)))
            return floor + (1 - floor) * 0.5 * (1 + cos(.pi * progress))
        case .linear(let w, let total, let floor):
            let progress = min(1, Double(step - w) / Double(max(1, total - w)))
            return 1 - (1 - floor) * progress
        }
    }
}
