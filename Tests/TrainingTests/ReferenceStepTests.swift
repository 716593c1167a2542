import Foundation
import Testing
import TensorCore
import NN
import Telemetry
import Training
import TestSupport

/// One AdamW step of the grokking MLP against an independent float64 numpy reference
/// (Benchmarks/reference/grokking_step_reference.py wrote the fixture).
@Suite struct ReferenceStepTests {
    struct Fixture: Decodable {
        let p: Int
        let hidden: Int
        let train_a: [Int32]
        let train_b: [Int32]
        let train_y: [Int32]
        let params: [String: [[Double]]]
        let hyper: [String: Double]
        let loss: Double
        let grad_norm_total: Double
        let updated_params: [String: [[Double]]]
        let loss_after: Double
    }

    @Test func oneStepMatchesTheNumpyReference() throws {
        let url = TestPaths.repositoryRoot.appendingPathComponent("Tests/TrainingTests/Fixtures/grokking_step.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        var config = Preset.named("grokking")!.config
        for (k, v) in ["p": "\(fixture.p)", "hidden": "\(fixture.hidden)", "lr": "\(fixture.hyper["lr"]!)",
                       "weight_decay": "\(fixture.hyper["weight_decay"]!)", "beta1": "\(fixture.hyper["beta1"]!)",
                       "beta2": "\(fixture.hyper["beta2"]!)", "eps": "\(fixture.hyper["eps"]!)", "steps": "1"] {
            try config.apply(ConfigSetting(assignment: "\(k)=\(v)"))
        }
        let model = TokenPairMLP(vocabulary: fixture.p, hidden: fixture.hidden, classes: fixture.p, activation: .square,
                                 embeddingStd: 1)
        let data = Dataset(input: .tokenPairs(a: fixture.train_a, b: fixture.train_b),
                           target: .classes(fixture.train_y, count: fixture.p))
        let task = TaskInstance(train: data, test: data, model: model, trainIndices: Array(0..<data.count),
                                splitDescription: "fixture", description: "fixture", chanceAccuracy: nil)
        // The reference computes logits = z·W2 with W2 [H, p]; our out.weight is PyTorch's [p, H].
        func flat(_ params: [String: [[Double]]]) -> Tensor {
            let w2 = params["W2"]!
            let outWeight = (0..<fixture.p).map { c in (0..<fixture.hidden).map { h in w2[h][c] } }
            return Tensor(shape: [model.layout.count], (params["E1"]! + params["E2"]! + outWeight).flatMap { $0 }.map(Float.init))
        }
        let trainer = Trainer(config: config, task: task, parameters: flat(fixture.params), runID: "ref", clock: fixedClock)
        let events = trainer.step()
        guard case .scalars(let s)? = events.first else { Issue.record("no scalars event"); return }
        #expect(abs(s.values["train/loss"]! - fixture.loss) <= 1e-5 * fixture.loss)
        #expect(abs(s.values["grad/norm"]! - fixture.grad_norm_total) <= 1e-5 * fixture.grad_norm_total)
        let expected = flat(fixture.updated_params).doubles
        let actual = trainer.state.parameters.doubles
        let worst = zip(actual, expected).map { abs($0 - $1) }.max()!
        #expect(worst < 2e-6, "largest parameter difference \(worst)")
        let after = trainer.evaluate(data).loss
        #expect(abs(after - fixture.loss_after) <= 1e-5 * fixture.loss_after)
    }
}
