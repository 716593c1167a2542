import Foundation
import JSONCore

/// Nanda et al.'s phases after memorization, from the Fourier progress measures any source can
/// log (`fourier/excluded_loss`, `fourier/restricted_loss`; PROTOCOL.md):
/// - `circuit_formation`: the excluded loss (the logits without the key frequencies, on the train
///   pairs) rises to 1.2× its lowest value since memorization — the network has started to rely on
///   the Fourier circuit while its train loss stays low;
/// - `cleanup`: the restricted loss (the key frequencies alone, on every pair) falls to ln(10/9),
///   i.e. the circuit alone gives the right answer a geometric-mean probability of 0.9 — what is
///   left is removing the memorized part, which is when the test loss falls.
extension PhaseDetector {
    public static let excludedLossName = "fourier/excluded_loss"
    public static let restrictedLossName = "fourier/restricted_loss"
    /// How far above its lowest value since memorization the excluded loss must rise.
    public static let circuitRise = 1.2
    /// The restricted loss at which the circuit alone is right with geometric-mean probability 0.9.
    public static let cleanupRestrictedLoss = log(10.0 / 9.0)

    mutating func observeFourier(run: String?, step: Int, time: Double?, excludedLoss: Double?, restrictedLoss: Double?) -> [PhaseEvent] {
        guard memorizedAt != nil else { return [] }
        var found: [PhaseEvent] = []
        if circuitFormedAt == nil, let excluded = excludedLoss, excluded.isFinite {
            if excluded < lowestExcludedLoss {
                lowestExcludedLoss = excluded
                lowestExcludedStep = step
            } else if excluded >= Self.circuitRise * lowestExcludedLoss, let since = lowestExcludedStep {
                circuitFormedAt = step
                found.append(PhaseEvent(
                    run: run, step: step, time: time, name: "circuit_formation",
                    evidence: JSONObject([(Self.excludedLossName, .number(excluded)), ("lowest", .number(lowestExcludedLoss)),
                                          ("lowest_step", .number(Double(since)))]),
                    message: String(format: "excluded loss rose to %.4g, 1.2× its lowest %.4g at step %d: the Fourier circuit is forming",
                                    excluded, lowestExcludedLoss, since)))
            }
        }
        if cleanupAt == nil, circuitFormedAt != nil, let restricted = restrictedLoss, restricted <= Self.cleanupRestrictedLoss {
            cleanupAt = step
            found.append(PhaseEvent(
                run: run, step: step, time: time, name: "cleanup",
                evidence: JSONObject([(Self.restrictedLossName, .number(restricted))]),
                message: String(format: "restricted loss fell to %.4g: the key frequencies alone predict every pair; cleanup of the "
                                + "memorized part begins", restricted)))
        }
        return found
    }
}
