import Testing
import TestSupport
import Telemetry
import Training

/// The compiled plans against the eager graph they were traced from, on every preset's model.
@Suite struct CompiledTrainingTests {
    /// Every preset, small: its steps must give the same bits compiled as eager (and compile at all).
    @Test(arguments: Preset.all.map(\.name))
    func presetTrainsIdenticallyCompiledAndEager(_ name: String) throws {
        // Compression probes are off: they run the evaluation passes compared here anyway. Fourier
        // measures and early exits' accuracies run the compiled forward pass.
        let config = try smallConfig(name, ["steps": "200", "eval_every": "20", "log_every": "1", "histogram_every": "0",
                                            "probe_every": "0", "fourier_every": "100"])
        let compiled = Trainer(config: config, runID: "c", clock: fixedClock)
        let eager = Trainer(config: config, runID: "c", clock: fixedClock)
        eager.usesCompiledGraphs = false
        // A second compiled run of the same seed, on one thread (the first runs on the default two
        // where there are two cores).
        let oneThread = Trainer(config: config, runID: "c", clock: fixedClock)
        oneThread.compiledGraphThreads = 1
        let compiledSeries = scalarSeries(train(compiled, steps: 200))
        let eagerSeries = scalarSeries(train(eager, steps: 200))
        #expect(scalarSeries(train(oneThread, steps: 200)).map(\.1) == compiledSeries.map(\.1))
        #expect(oneThread.state == compiled.state)
        #expect(compiled.compiledGraphReport.failures == [])
        #expect(compiled.compiledGraphReport.plans >= 2, "gradient and evaluation passes compiled")
        #expect(compiledSeries.count == eagerSeries.count)
        for (c, e) in zip(compiledSeries, eagerSeries) where c.1 != e.1 {
            let differing = c.1.keys.filter { c.1[$0] != e.1[$0] }.sorted()
            Issue.record("step \(c.0): \(differing.prefix(4).map { "\($0) \(c.1[$0]!) vs \(e.1[$0] ?? .nan)" })")
            break
        }
        #expect(compiled.state == eager.state)
    }

    /// Resuming from a checkpoint and forking continue bit-identically on compiled passes (a fork
    /// and a resumed trainer trace their own plans).
    @Test func resumeAndForkStayBitIdenticalCompiled() throws {
        let config = try smallConfig("grokking", ["log_every": "1", "batch_size": "16", "steps": "12"])
        try expectBitIdenticalResume(config, split: 5)
        let parent = Trainer(config: config, runID: "main", clock: fixedClock)
        _ = train(parent, steps: 4)
        let branch = parent.fork(runID: "main/a")
        let own = scalarSeries(train(parent, steps: 4)), forked = scalarSeries(train(branch, steps: 4))
        #expect(branch.compiledGraphReport.plans >= 1 && branch.compiledGraphReport.failures.isEmpty)
        #expect(forked.map(\.1) == own.map(\.1))
        #expect(branch.state.parameters == parent.state.parameters)
    }
}
