import JSONCore

/// Detects the phases of one run from its metric values: memorization and generalization (train
/// and test accuracy first at or above 99%, with the delay between them) and divergence (a
/// non-finite training loss, or one that stayed above 10× its running minimum and above its first
/// value for 3 observations in a row). The one implementation of these rules: the built-in engine reports what it finds, and
/// the dashboard and `check` run it on every other source, so a TensorBoard log or a PyTorch run
/// gets the grokking panel and divergence warnings too (PROTOCOL.md, "phase").
public struct PhaseDetector: Sendable, Equatable {
    /// Accuracy (a fraction) at which memorization and generalization are reached.
    public static let accuracyThreshold = 0.99
    /// How far above its running minimum a training loss must rise to count as diverged.
    public static let divergenceFactor = 10.0
    /// How many observations in a row the loss must stay that high: an edge-of-stability catapult
    /// spikes for a step or two and comes back.
    public static let divergencePersistence = 3

    /// Metric names read as train accuracy, test accuracy and training loss, first present wins:
    /// trainscope's own, then those of Hugging Face, Lightning and common scripts.
    public static let trainAccuracyNames = ["train/acc", "train/accuracy", "train_acc", "train_accuracy", "acc", "accuracy"]
    public static let testAccuracyNames = ["test/acc", "test/accuracy", "eval/acc", "eval/accuracy", "val/acc", "val/accuracy",
                                           "valid/acc", "validation/acc", "test_acc", "test_accuracy", "eval_accuracy",
                                           "val_acc", "val_accuracy"]
    public static let trainLossNames = ["train/loss", "train_loss", "loss"]
    /// Held-out loss names, first present wins: not a rule's input, but drawn beside the training loss.
    public static let testLossNames = ["test/loss", "eval/loss", "val/loss", "valid/loss", "validation/loss", "test_loss",
                                       "eval_loss", "val_loss"]

    public private(set) var memorizedAt: Int?
    public private(set) var generalizedAt: Int?
    public private(set) var divergedAt: Int?
    /// The first training loss seen, and the lowest: the divergence rule's baseline.
    public private(set) var firstLoss: Double?
    public private(set) var lowestLoss: Double
    /// The observations in a row, up to the last one, whose loss met the rise rule; and the step of the first.
    public private(set) var risingCount: Int
    public private(set) var risingSince: Int?
    /// Nanda et al.'s later phases, from the Fourier progress measures (`PhaseDetector+Fourier.swift`).
    public internal(set) var circuitFormedAt: Int?
    public internal(set) var cleanupAt: Int?
    /// The lowest excluded loss since memorization, and its step: the circuit rule's baseline.
    public internal(set) var lowestExcludedLoss: Double = .infinity
    public internal(set) var lowestExcludedStep: Int?
    /// True when the phases found are marked `derived` (detected by trainscope, not reported by the source).
    public var marksDerived: Bool
    /// Phases the source reported itself: never detected again.
    private var reported: Set<String> = []

    /// A detector that has seen nothing, or continues from a saved point (a checkpoint).
    public init(marksDerived: Bool = false, memorizedAt: Int? = nil, generalizedAt: Int? = nil, divergedAt: Int? = nil,
                firstLoss: Double? = nil, lowestLoss: Double = .infinity, risingCount: Int = 0, risingSince: Int? = nil,
                circuitFormedAt: Int? = nil, cleanupAt: Int? = nil, lowestExcluded: (loss: Double, step: Int?) = (.infinity, nil)) {
        self.marksDerived = marksDerived
        self.memorizedAt = memorizedAt
        self.generalizedAt = generalizedAt
        self.divergedAt = divergedAt
        self.firstLoss = firstLoss
        self.lowestLoss = lowestLoss
        self.risingCount = risingCount
        self.risingSince = risingSince
        self.circuitFormedAt = circuitFormedAt
        self.cleanupAt = cleanupAt
        (lowestExcludedLoss, lowestExcludedStep) = lowestExcluded
    }

    /// Notes a phase the run's source reported, so that it is not reported twice.
    public mutating func noteReported(_ phase: PhaseEvent) {
        reported.insert(phase.name)
        switch phase.name {
        case "memorization": memorizedAt = memorizedAt ?? phase.step
        case "generalization": generalizedAt = generalizedAt ?? phase.step
        case "diverged": divergedAt = divergedAt ?? phase.step
        case "circuit_formation": circuitFormedAt = circuitFormedAt ?? phase.step
        case "cleanup": cleanupAt = cleanupAt ?? phase.step
        default: break
        }
    }

    /// A metric the rules read: its name as logged, and its value.
    public typealias Reading = (name: String, value: Double)

    /// Which of `names` the rules read (first present of each list), as indices into `names`:
    /// resolved once for a block of rows with one layout.
    public static func columns(of names: [String]) -> (trainAccuracy: Int?, testAccuracy: Int?, trainLoss: Int?) {
        func index(_ candidates: [String]) -> Int? {
            for candidate in candidates { if let i = names.firstIndex(of: candidate) { return i } }
            return nil
        }
        return (index(trainAccuracyNames), index(testAccuracyNames), index(trainLossNames))
    }

    /// The phases `run` reached at `step`, given the value of each metric logged there (nil: not logged).
    public mutating func observe(run: String?, step: Int, time: Double?, value: (String) -> Double?) -> [PhaseEvent] {
        func first(_ names: [String]) -> Reading? {
            for name in names { if let v = value(name) { return (name, v) } }
            return nil
        }
        var found = observe(run: run, step: step, time: time, trainAccuracy: memorizedAt == nil ? first(Self.trainAccuracyNames) : nil,
                            testAccuracy: generalizedAt == nil ? first(Self.testAccuracyNames) : nil,
                            trainLoss: divergedAt == nil ? first(Self.trainLossNames) : nil)
        var fourier = observeFourier(run: run, step: step, time: time, excludedLoss: value(Self.excludedLossName),
                                     restrictedLoss: value(Self.restrictedLossName))
        if marksDerived { for index in fourier.indices { fourier[index].extra["derived"] = .bool(true) } }
        found += fourier
        return found
    }

    /// The phases `run` reached at `step` from the three readings the rules use (nil: not logged).
    public mutating func observe(run: String?, step: Int, time: Double?, trainAccuracy: Reading?, testAccuracy: Reading?,
                                 trainLoss: Reading?) -> [PhaseEvent] {
        var found: [PhaseEvent] = []
        if memorizedAt == nil, let (name, acc) = trainAccuracy, acc >= Self.accuracyThreshold, acc <= 1 {
            memorizedAt = step
            if !reported.contains("memorization") {
                found.append(PhaseEvent(run: run, step: step, time: time, name: "memorization",
                                        evidence: JSONObject([(name, .number(acc))]),
                                        message: "train accuracy reached 99% at step \(step)"))
            }
        }
        if generalizedAt == nil, let (name, acc) = testAccuracy, acc >= Self.accuracyThreshold, acc <= 1 {
            generalizedAt = step
            if !reported.contains("generalization") { found.append(generalization(run: run, step: step, time: time, metric: name, accuracy: acc)) }
        }
        if divergedAt == nil, let (name, loss) = trainLoss, let phase = divergence(run: run, step: step, time: time, metric: name, loss: loss) {
            divergedAt = step
            if !reported.contains("diverged") { found.append(phase) }
        }
        if marksDerived { for index in found.indices { found[index].extra["derived"] = .bool(true) } }
        return found
    }

    private func generalization(run: String?, step: Int, time: Double?, metric: String, accuracy: Double) -> PhaseEvent {
        var evidence = JSONObject([(metric, .number(accuracy))])
        var message = "test accuracy reached 99% at step \(step)"
        if let memorized = memorizedAt {
            evidence["memorization_step"] = .number(Double(memorized))
            evidence["delay_steps"] = .number(Double(step - memorized))
            let ratio = Double(step) / Double(max(memorized, 1))
            message += ", \(step - memorized) steps (\(JSONValue.number((ratio * 10).rounded() / 10).jsonText)×) after memorization"
        }
        return PhaseEvent(run: run, step: step, time: time, name: "generalization", evidence: evidence, message: message)
    }

    /// A rise above 10× the running minimum alone would flag a grokking run's slingshots, whose
    /// loss jumps by orders of magnitude from near zero and comes back: the loss must also be
    /// above where the run started. And it must stay there for `divergencePersistence`
    /// observations: full-batch gradient descent at the edge of stability catapults the loss
    /// above both for a step, then recovers.
    private mutating func divergence(run: String?, step: Int, time: Double?, metric: String, loss: Double) -> PhaseEvent? {
        guard loss.isFinite else {
            return PhaseEvent(run: run, step: step, time: time, name: "diverged",
                              evidence: JSONObject([(metric, .number(loss)), ("rule", .string("non-finite"))]),
                              message: "training loss became \(loss.isNaN ? "NaN" : loss > 0 ? "Infinity" : "-Infinity") at step \(step)")
        }
        let start = firstLoss ?? loss
        firstLoss = start
        let lowest = lowestLoss
        lowestLoss = min(lowestLoss, loss)
        guard lowest.isFinite, loss > Self.divergenceFactor * lowest, loss > start else {
            risingCount = 0
            risingSince = nil
            return nil
        }
        risingCount += 1
        risingSince = risingSince ?? step
        guard risingCount >= Self.divergencePersistence, let since = risingSince else { return nil }
        return PhaseEvent(run: run, step: step, time: time, name: "diverged",
                          evidence: JSONObject([(metric, .number(loss)), ("running_min", .number(lowest)),
                                                ("first", .number(start)), ("since", .number(Double(since))),
                                                ("rule", .string("rise"))]),
                          message: "training loss \(JSONValue.number(loss).jsonText) stayed above 10× its minimum "
                              + "\(JSONValue.number(lowest).jsonText) and above its first value from step \(since) to \(step)")
    }
}

extension PhaseEvent {
    /// True when trainscope detected this phase from the run's values rather than its source reporting it.
    public var isDerived: Bool { extra["derived"] == .bool(true) }
}
