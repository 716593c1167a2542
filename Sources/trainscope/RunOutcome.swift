import Foundation

/// How one run of a headless session ended: its last scalar values and the steps of its phases.
struct RunOutcome {
    var run: String
    var values: [String: Double]
    var phases: [String: Int]

    /// One line per group of seeds (runs whose ids differ only in their `-sSEED` suffix): the final
    /// test loss and accuracy (train loss without a test set) as mean ± standard deviation over the
    /// seeds, and how many memorized and generalized, at which mean step.
    static func seedSummaries(_ outcomes: [RunOutcome]) -> [String] {
        var groups: [(name: String, members: [RunOutcome])] = []
        for outcome in outcomes {
            let name = outcome.run.replacingOccurrences(of: #"-s[0-9]+$"#, with: "", options: .regularExpression)
            if let i = groups.firstIndex(where: { $0.name == name }) { groups[i].members.append(outcome) } else { groups.append((name, [outcome])) }
        }
        return groups.filter { $0.members.count > 1 }.map { group in
            let members = group.members
            var parts: [String] = []
            for (key, label, percent) in [("test/loss", "test loss", false), ("test/acc", "test acc", true), ("hessian/sharpness", "sharpness", false)]
                + (members.contains { $0.values["test/loss"] != nil } ? [] : [("train/loss", "train loss", false)]) {
                let values = members.compactMap { $0.values[key] }
                guard values.count == members.count else { continue }
                let (mean, spread) = meanAndDeviation(values)
                parts.append(percent ? String(format: "%@ %.1f%% ± %.1f%%", label, 100 * mean, 100 * spread)
                                     : String(format: "%@ %.4g ± %.2g", label, mean, spread))
            }
            for phase in ["memorization", "generalization"] {
                let steps = members.compactMap { $0.phases[phase] }
                let verb = phase == "memorization" ? "memorized" : "generalized"
                guard !steps.isEmpty else {
                    if members.contains(where: { $0.values["train/acc"] != nil }) { parts.append("\(verb) 0 of \(members.count)") }
                    continue
                }
                let (mean, spread) = meanAndDeviation(steps.map(Double.init))
                parts.append(String(format: "%@ %d of %d, at step %.0f ± %.0f", verb, steps.count, members.count, mean, spread))
            }
            return "\(group.name) over \(members.count) seeds: " + parts.joined(separator: " · ")
        }
    }

    /// The mean and the sample standard deviation (n − 1; 0 for one value).
    private static func meanAndDeviation(_ values: [Double]) -> (Double, Double) {
        let mean = values.reduce(0, +) / Double(values.count)
        guard values.count > 1 else { return (mean, 0) }
        return (mean, (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot())
    }
}
