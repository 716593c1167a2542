import Testing
import TensorCore
import NN
import Telemetry
@testable import Training

/// LAG's skip rule and upload counts against hand-computed values, its shards, and its runs.
@Suite struct LazyAggregationTests {
    @Test func skipRuleAgainstAHandComputedSequence() {
        var lag = LazyAggregationState(workers: 2, heterogeneity: 0)
        let zero = Tensor(shape: [2], [0.0, 0])
        // Nothing uploaded yet: every worker uploads, whatever the threshold.
        #expect(lag.shouldUpload(worker: 0, gradient: zero, learningRate: 0.1, threshold: 1))
        lag.uploaded = [zero, zero]
        lag.noteUpdate(squaredNorm: 0.04)
        // Bound ξ/(lr²·D)·Σ‖Δθ‖² = 1/(0.01·10)·0.04 = 0.4.
        #expect(!lag.shouldUpload(worker: 0, gradient: Tensor(shape: [2], [(0.3).squareRoot(), 0]), learningRate: 0.1, threshold: 1))
        #expect(lag.shouldUpload(worker: 1, gradient: Tensor(shape: [2], [(0.5).squareRoot(), 0]), learningRate: 0.1, threshold: 1))
        // ξ = 0 is plain distributed gradient descent: always upload.
        #expect(lag.shouldUpload(worker: 0, gradient: zero, learningRate: 0.1, threshold: 0))
        // Only the last D = 10 updates count: eleven more of 0.01 push the 0.04 out (bound 0.1·10·… = 1/(0.01·10)·0.1 = 1).
        for _ in 0..<11 { lag.noteUpdate(squaredNorm: 0.01) }
        #expect(lag.recentUpdates.count == 10)
        #expect(!lag.shouldUpload(worker: 0, gradient: Tensor(shape: [2], [(0.99).squareRoot(), 0]), learningRate: 0.1, threshold: 1))
        #expect(lag.shouldUpload(worker: 0, gradient: Tensor(shape: [2], [(1.01).squareRoot(), 0]), learningRate: 0.1, threshold: 1))
    }

    @Test func shardsPartitionTheTrainSetAndSortByLabelWithHeterogeneity() throws {
        let task = TaskFactory.make(try smallConfig("grokking"))
        for heterogeneity in [0.0, 0.5, 1.0] {
            let shards = Trainer.shards(of: task.train, workers: 4, heterogeneity: heterogeneity, seed: 0)
            #expect(shards.flatMap { $0 }.sorted() == Array(0..<task.train.count))
            #expect(shards.map(\.count).max()! - shards.map(\.count).min()! <= 1)
        }
        guard case .classes(let labels, _) = task.train.target else { Issue.record("classes expected"); return }
        let sorted = Trainer.shards(of: task.train, workers: 4, heterogeneity: 1, seed: 0)
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            #expect(a.map { labels[$0] }.max()! <= b.map { labels[$0] }.min()!, "label ranges follow worker order")
        }
    }

    /// Each step's uploads, replayed by hand from the workers' gradients with the same rule,
    /// match what the trainer reports; with ξ = 0 every worker uploads and the step is the batch step.
    @Test func uploadsFollowTheRuleAndPlainAggregationIsBatchDescent() throws {
        let overrides = ["workers": "4", "heterogeneity": "1", "lag_threshold": "0.5", "steps": "30", "log_every": "1", "noise_scale_every": "0"]
        let lazy = Trainer(config: try smallConfig("teacher-student", overrides), runID: "l", clock: fixedClock)
        var uploadsSoFar = 0, skippedSoFar = 0
        for _ in 0..<30 {
            let values = scalarSeries(lazy.step()).last!.1
            let uploads = Int(values["comm/uploads"]!), skipped = Int(values["comm/uploads_skipped"]!)
            #expect(uploads + skipped == 4)
            uploadsSoFar += uploads
            skippedSoFar += skipped
            #expect(values["comm/uploads_total"] == Double(uploadsSoFar) && values["comm/uploads_skipped_total"] == Double(skippedSoFar))
        }
        #expect(skippedSoFar > 0, "a threshold of 0.5 skips some uploads on this run")

        var plainOverrides = overrides
        plainOverrides["lag_threshold"] = "0"
        let plain = Trainer(config: try smallConfig("teacher-student", plainOverrides), runID: "p", clock: fixedClock)
        var batchOverrides = plainOverrides
        batchOverrides["workers"] = "1"
        let batch = Trainer(config: try smallConfig("teacher-student", batchOverrides), runID: "b", clock: fixedClock)
        let p = scalarSeries(train(plain, steps: 30)), b = scalarSeries(train(batch, steps: 30))
        #expect(p.last!.1["comm/uploads_total"] == 120)
        for (x, y) in zip(p, b) { #expect(abs(x.1["train/loss"]! - y.1["train/loss"]!) <= 1e-5 * y.1["train/loss"]!, "step \(x.0)") }
    }

    /// The comparison the LAG paper draws, as a fork preview: `lag_threshold` × 0 is plain
    /// distributed gradient descent (every worker uploads every step) beside the lazy run's × 1.
    @Test func aForkWithFactorZeroIsPlainDistributedDescentBesideTheLazyRun() throws {
        let overrides = ["workers": "4", "heterogeneity": "1", "lag_threshold": "0.5", "steps": "40", "log_every": "1", "noise_scale_every": "0"]
        let session = EngineSession(main: Trainer(config: try smallConfig("teacher-student", overrides), runID: "l", clock: fixedClock))
        _ = session.openingEvents()
        for _ in 0..<10 { _ = session.step(stepMain: true) }
        let forked = try session.perform(.fork(knob: "lag_threshold", factors: [0, 1], steps: 20), by: "user")
        let knobs = forked.compactMap { if case .knob(let k) = $0 { k } else { nil } }
        #expect(knobs.map(\.new) == [.number(0)])
        var events: [TelemetryEvent] = []
        for _ in 0..<20 { events += session.step(stepMain: false) }
        let plainSkips = events.compactMap { e -> Double? in
            if case .scalars(let s) = e, s.run == "l/lag_threshold×0" { s.values["comm/uploads_skipped"] } else { nil }
        }
        #expect(plainSkips.count == 20 && plainSkips.allSatisfy { $0 == 0 }, "plain distributed descent never skips")
        let lazySkips = events.compactMap { e -> Double? in
            if case .scalars(let s) = e, s.run == "l/lag_threshold×1" { s.values["comm/uploads_skipped"] } else { nil }
        }
        #expect(lazySkips.reduce(0, +) > 0, "the lazy branch skips some uploads")
        #expect(ForkPlan("lag_threshold:0,1:300") == ForkPlan(knob: "lag_threshold", factors: [0, 1], steps: 300))
        #expect(ForkPlan("lr:0,2:10") == nil, "`run --fork` refuses a 0 that the knob's range excludes when the line is read")
        _ = try session.perform(.discard, by: "user")
        #expect(throws: ControlRefusal("fork: lr × 0: lr must be in (0, 100], got 0"), "a factor of 0 is refused where the knob's range excludes it") {
            try session.perform(.fork(knob: "lr", factors: [0], steps: 1), by: "user")
        }
    }

    @Test func lazyRunsResumeBitIdentically() throws {
        let config = try smallConfig("teacher-student", ["workers": "3", "heterogeneity": "0.5", "lag_threshold": "0.2", "steps": "30"])
        try expectBitIdenticalResume(config, split: 12)
    }
}
