import Testing
import Foundation
import NN
import Telemetry
import TensorCore
import Training

@Suite struct EarlyExitTests {
    func config(_ overrides: [String: String] = [:]) throws -> TrainingConfig {
        try smallConfig("early-exit", ["hidden": "8", "samples": "64", "steps": "40", "eval_every": "10", "exits": "3"].merging(overrides) { $1 })
    }

    /// Each exit's accuracy against a forward pass written out here in plain loops: block k is
    /// relu(fc_k h), exit k reads it.
    @Test func perExitAccuracyMatchesADirectEvaluation() throws {
        let trainer = Trainer(config: try config(), runID: "e", clock: fixedClock)
        _ = train(trainer, steps: 19)
        let weights = trainer.state.parameters
        let values = try #require(scalarSeries(trainer.step()).first?.1)
        let layout = trainer.task.model.layout
        func tensor(_ name: String) -> (values: [Float], shape: [Int]) {
            let e = layout.entry(name)!
            return (Array(weights.floats[e.offset..<(e.offset + e.count)]), e.shape)
        }
        func linear(_ x: [[Float]], _ name: String) -> [[Float]] {
            let w = tensor("\(name).weight"), b = tensor("\(name).bias")
            return x.map { row in (0..<w.shape[0]).map { o in b.values[o] + (0..<w.shape[1]).reduce(Float(0)) { $0 + w.values[o * w.shape[1] + $1] * row[$1] } } }
        }
        guard case .features(let input) = trainer.task.test.input, case .classes(let labels, _) = trainer.task.test.target else {
            Issue.record("spirals"); return
        }
        var h = (0..<input.shape[0]).map { i in (0..<2).map { input.floats[i * 2 + $0] } }
        for k in 1...3 {
            h = linear(h, "fc\(k)").map { $0.map { max($0, 0) } }
            let logits = linear(h, "exit\(k)")
            let correct = zip(logits, labels).filter { row, label in row.indices.max { row[$0] < row[$1] } == Int(label) }.count
            #expect(abs(values["exit/acc/\(k)"]! - Double(correct) / Double(labels.count)) < 1e-12, "exit \(k)")
        }
        #expect(values["test/acc"] == values["exit/acc/3"], "the network's output is its last exit")
    }

    @Test func theExitFrontHasEachExitEachThresholdAndTheOracle() throws {
        let trainer = Trainer(config: try config(), runID: "e", clock: fixedClock)
        let fronts = train(trainer, steps: 40).compactMap { if case .pareto(let e) = $0 { e } else { nil } }
        #expect(fronts.map(\.step) == [1, 10, 20, 30, 40])
        let last = fronts.last!
        #expect(last.points.count == 3 + Trainer.exitThresholds.count + 1 && last.points.last?.label == "oracle")
        let oracle = last.points.last!.values, exits = last.points.prefix(3).map(\.values)
        #expect(exits.map { $0[0] } == [1, 2, 3], "exit k alone computes k blocks")
        #expect(exits.allSatisfy { oracle[1] >= $0[1] }, "the oracle is an upper bound")
    }

    /// The preset's phenomenon, small: after training, the last exit beats the first by a margin
    /// and a 0.9 confidence threshold saves computation against always running every block.
    @Test func deeperExitsAreMoreAccurateAndTheThresholdSavesDepth() throws {
        let trainer = Trainer(config: try config(["hidden": "16", "samples": "300", "steps": "600", "eval_every": "600", "exits": "4"]),
                              runID: "e", clock: fixedClock)
        let values = scalarSeries(train(trainer, steps: 600)).last!.1
        #expect(values["exit/acc/4"]! > values["exit/acc/1"]! + 0.1, "\(values)")
        #expect(values["exit/depth"]! < 4 && values["exit/acc"]! >= values["exit/acc/4"]! - 0.05, "\(values)")
    }

    @Test func exitsNeedTheSpiralsTask() throws {
        #expect(throws: ConfigError("exits=3 needs task=spirals (early exits classify by confidence)")) {
            try smallConfig("teacher-student", ["exits": "3"])
        }
    }
}
