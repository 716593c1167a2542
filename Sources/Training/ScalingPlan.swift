import Foundation
import JSONCore
import Telemetry

/// The scaling study (`--preset scaling`): a width sweep whose final test losses are fitted with a
/// power law in the parameter count, L(N) = a·N^(−α) + c (`PowerLawFit`), with bootstrap
/// intervals; the fit predicts the loss of the next width before it is trained, then that width
/// is trained and its loss shown beside the prediction.
///
/// The front (parameters against test loss) carries the fit in its `fit` field (`ScalingFit`):
/// refitted after every member from the third on, over the members trained so far but never the
/// held-out one.
public final class ScalingPlan: StudyPlan {
    public let base: TrainingConfig
    /// The widths fitted, then the width predicted.
    public let widths: [Int]
    public let heldOut: Int
    private var next = 0
    private var sizes: [Double] = []
    private var losses: [Double] = []
    /// The held-out width's parameter count.
    private let heldOutSize: Double
    private var fitted: ScalingFit?

    public init(base: TrainingConfig, widths: [Int], heldOut: Int) throws(ConfigError) {
        guard widths.count >= 3 else { throw ConfigError("a scaling fit needs at least 3 widths, got \(widths.count)") }
        self.base = base; self.widths = widths; self.heldOut = heldOut
        var config = base
        for width in widths + [heldOut] {
            try config.set(.hidden, width)
            try config.validate()
            try config.checkFits(physicalMemory: TrainingConfig.physicalMemory)
        }
        heldOutSize = Double(TaskFactory.make(config).model.layout.count)
    }

    public var summary: String {
        "scaling law: widths \(widths.map(String.init).joined(separator: ", ")) fitted with a·N^-α + c, predicting width \(heldOut)"
    }
    public var memberCount: Int { widths.count + 1 }
    public var extra: JSONObject {
        JSONObject([("sweep_key", .string("hidden")), ("sweep_values", .numbers((widths + [heldOut]).map(Double.init))),
                    ("held_out", .number(Double(heldOut)))])
    }

    public func nextMember(studyID: String, clock: @escaping @Sendable () -> Double) -> (trainer: Trainer, parent: String)? {
        guard next < memberCount else { return nil }
        let width = next < widths.count ? widths[next] : heldOut
        next += 1
        var config = base
        try! config.set(.hidden, width)  // checked in init
        return (Trainer(config: config, runID: "\(studyID)-hidden\(width)", clock: clock), studyID)
    }

    public func finished(_ member: Trainer, seconds: Double) -> [ParetoPoint] {
        let size = Double(member.task.model.layout.count), loss = member.evaluate(member.task.test).loss
        let width = member.state.config[.hidden]
        guard sizes.count < widths.count else {
            fitted?.actual = loss
            var label = "hidden \(width) (held out"
            if let predicted = fitted?.prediction {
                label += "; predicted \(format(predicted.loss)) [\(format(predicted.low)), \(format(predicted.high))]"
            }
            return [ParetoPoint(values: [size, loss], label: label + ")")]
        }
        sizes.append(size)
        losses.append(loss)
        refit()
        return [ParetoPoint(values: [size, loss], label: "hidden \(width)")]
    }

    public var objectives: [ParetoObjective] {
        [ParetoObjective(name: "parameters", direction: .minimize), ParetoObjective(name: "test/loss", direction: .minimize)]
    }
    public var reference: [Double]? { nil }
    public var frontExtra: JSONObject {
        guard let fitted else { return JSONObject() }
        return JSONObject([("fit", fitted.jsonValue)])
    }

    /// Fits the members so far; the curve spans their sizes and the held-out one, log-spaced.
    private func refit() {
        guard let fit = PowerLawFit.fit(sizes: sizes, losses: losses) else { return }
        let low = sizes.min()!, high = max(sizes.max()!, heldOutSize)
        let queries = (0...40).map { low * Double.pow(high / low, Double($0) / 40) } + [heldOutSize]
        let intervals = fit.bootstrap(sizes: sizes, losses: losses, queries: queries)
        let curve = queries.indices.dropLast().map { i in
            ScalingFit.Sample(size: queries[i], loss: fit(queries[i]), low: intervals.at[i].lowerBound, high: intervals.at[i].upperBound)
        }
        let last = intervals.at.last!
        fitted = ScalingFit(law: "a·N^-α + c",
                            parameters: [("a", fit.a, nil, nil), ("alpha", fit.alpha, intervals.alpha.lowerBound, intervals.alpha.upperBound),
                                         ("c", fit.c, intervals.c.lowerBound, intervals.c.upperBound)],
                            curve: curve,
                            prediction: ScalingFit.Sample(size: heldOutSize, loss: fit(heldOutSize), low: last.lowerBound, high: last.upperBound))
    }

    private func format(_ x: Double) -> String { String(format: "%.3g", x) }
}
