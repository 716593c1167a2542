import Foundation
import JSONCore
import TensorCore
import Autograd
import NN
import Telemetry

/// What an early-exit network (`Model.exits` > 1) reports at each evaluation.
extension Trainer {
    /// Confidence thresholds of the exit front: an example leaves at the first exit whose top
    /// softmax probability reaches the threshold (the last exit takes everything left).
    public static let exitThresholds = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999]

    /// On the test set: `exit/acc/k` for every exit k; `exit/acc` and `exit/depth` (mean blocks
    /// computed) when leaving at confidence `exit_threshold`; `exit/oracle_acc` and
    /// `exit/oracle_depth` for the oracle that leaves at the first correct exit (an upper bound
    /// no confidence rule reaches). And the front of accuracy against mean depth over each
    /// threshold, each exit alone and the oracle. Nil for single-exit models and regression.
    func exitMeasurements(step: Int) -> (values: [String: Double], front: ParetoEvent)? {
        let exits = task.model.exits
        guard exits > 1, case .classes(let labels, _) = task.test.target, !labels.isEmpty else { return nil }
        let n = labels.count
        let output = self.output(on: task.test, parameters: deployedParameters)
        let logProbabilities = output.logSoftmaxLastAxis().maxLastAxis().doubles
        let predictions = output.argmaxLastAxis()
        // [exit][example]
        let correct = (0..<exits).map { k in (0..<n).map { predictions[k * n + $0] == Int(labels[$0]) } }
        let confidence = (0..<exits).map { k in (0..<n).map { Foundation.exp(logProbabilities[k * n + $0]) } }
        func leaving(_ exitOf: (Int) -> Int) -> (accuracy: Double, depth: Double) {
            var right = 0, blocks = 0
            for i in 0..<n {
                let k = exitOf(i)
                right += correct[k][i] ? 1 : 0
                blocks += k + 1
            }
            return (Double(right) / Double(n), Double(blocks) / Double(n))
        }
        func atThreshold(_ tau: Double) -> (accuracy: Double, depth: Double) {
            leaving { i in (0..<exits).first { confidence[$0][i] >= tau } ?? exits - 1 }
        }
        let oracle = leaving { i in (0..<exits).first { correct[$0][i] } ?? exits - 1 }
        var values: [String: Double] = [:]
        var points: [ParetoPoint] = []
        for k in 0..<exits {
            let alone = leaving { _ in k }
            values["exit/acc/\(k + 1)"] = alone.accuracy
            points.append(ParetoPoint(values: [alone.depth, alone.accuracy], label: "exit \(k + 1) only"))
        }
        for tau in Self.exitThresholds {
            let result = atThreshold(tau)
            points.append(ParetoPoint(values: [result.depth, result.accuracy], label: "confidence ≥ \(tau)"))
        }
        let chosen = atThreshold(state.config[.exitThreshold])
        values["exit/acc"] = chosen.accuracy
        values["exit/depth"] = chosen.depth
        values["exit/oracle_acc"] = oracle.accuracy
        values["exit/oracle_depth"] = oracle.depth
        points.append(ParetoPoint(values: [oracle.depth, oracle.accuracy], label: "oracle"))
        var extra = JSONObject()
        extra["reference"] = .array([.number(Double(exits) * 1.1), .number(0)])
        let front = ParetoEvent(run: runID, step: step, time: clock(),
                                objectives: [ParetoObjective(name: "exit/depth", direction: .minimize),
                                             ParetoObjective(name: "test/acc", direction: .maximize)],
                                points: points, extra: extra)
        return (values, front)
    }
}
