import Autograd
import Foundation
import JSONCore
import Testing
import TensorCore
import Telemetry
@testable import Training
import TestSupport

@Suite struct TrainerTests {
    @Test func sameSeedGivesBitIdenticalMetrics() throws {
        let config = try smallConfig()
        let a = scalarSeries(train(Trainer(config: config, runID: "a", clock: fixedClock), steps: 50))
        let b = scalarSeries(train(Trainer(config: config, runID: "b", clock: fixedClock), steps: 50))
        #expect(a.count == b.count && a.count > 10)
        for (x, y) in zip(a, b) {
            #expect(x.0 == y.0)
            #expect(x.1 == y.1, "step \(x.0) differs")  // exact Double equality: bit-identical
        }
        let other = scalarSeries(train(Trainer(config: try smallConfig("grokking", ["seed": "1"]), runID: "c", clock: fixedClock), steps: 5))
        #expect(other.first?.1["train/loss"] != a.first?.1["train/loss"])
    }

    @Test func everyStepReportsTheDocumentedMetrics() throws {
        let trainer = Trainer(config: try smallConfig("grokking", ["eval_every": "5", "log_every": "1", "histogram_every": "10"]),
                              runID: "m", clock: fixedClock)
        let events = train(trainer, steps: 10)
        let series = scalarSeries(events)
        #expect(series.map(\.0) == Array(1...10))
        for key in ["train/loss", "train/acc", "grad/norm", "weights/norm", "weights/norm/embed_a", "weights/norm/embed_b",
                    "weights/norm/out", "update/ratio", "lr"] {
            #expect(series.allSatisfy { $0.1[key] != nil }, "missing \(key)")
        }
        #expect(series.filter { $0.1["test/acc"] != nil }.map(\.0) == [1, 5, 10])
        let histograms = events.compactMap { if case .histogram(let h) = $0 { h } else { nil } }
        #expect(Set(histograms.map(\.step)) == [1, 10])
        #expect(Set(histograms.map(\.name)) == ["weights/embed_a.weight", "weights/embed_b.weight", "weights/out.weight"])
        #expect(histograms.allSatisfy { $0.counts.reduce(0, +) == Double(Tensor.count(of: [11, 16])) })
    }

    @Test func runEventAnnouncesConfigAndKnobs() throws {
        guard case .run(let run) = Trainer(config: try smallConfig(), runID: "r", clock: fixedClock).runEvent() else {
            Issue.record("not a run event"); return
        }
        #expect(run.run == "r" && run.config["lr"] == .number(0.003) && run.config["p"] == .number(11))
        let names = run.knobs.map(\.name)
        for knob in ["lr", "weight_decay", "momentum", "beta1", "beta2", "batch_size", "optimizer", "grad_clip",
                     "grokfast_alpha", "grokfast_lambda"] {
            #expect(names.contains(knob), "knob \(knob) missing")
        }
        #expect(run.knobs.first { $0.name == "lr" }?.scale == .log)
        #expect(run.knobs.first { $0.name == "optimizer" }?.choices?.contains("lion") == true)
    }

    @Test func memorizationThenGeneralizationPhases() throws {
        // p = 17 with 80% of the pairs: memorizes by step ~70, generalizes under weight decay by ~200.
        let trainer = Trainer(config: try smallConfig("grokking", ["p": "17", "hidden": "64", "train_fraction": "0.8",
                                                                    "weight_decay": "2", "steps": "600", "lr": "0.01",
                                                                    "eval_every": "5"]),
                              runID: "g", clock: fixedClock)
        var phases: [PhaseEvent] = []
        while !trainer.isFinished && phases.count < 2 {
            phases += trainer.step().compactMap { if case .phase(let p) = $0 { p } else { nil } }
        }
        #expect(phases.map(\.name) == ["memorization", "generalization"])
        guard phases.count == 2 else { return }
        #expect(phases[1].evidence["delay_steps"] == .number(Double(phases[1].step - phases[0].step)))
        #expect(phases[1].message?.contains("after memorization") == true)
    }

    @Test func divergenceStopsAndKeepsTheLastGoodState() throws {
        let trainer = Trainer(config: try smallConfig("grokking", ["optimizer": "sgd", "lr": "90", "weight_decay": "0"]),
                              runID: "d", clock: fixedClock)
        var events: [TelemetryEvent] = []
        while !trainer.isFinished { events += trainer.step() }
        #expect(trainer.hasDiverged)
        guard case .phase(let phase)? = events.last else { Issue.record("no diverged phase"); return }
        #expect(phase.name == "diverged")
        #expect(trainer.lastGood.parameters.isFinite)
        #expect(trainer.step().isEmpty, "a diverged trainer does not step")
    }

    @Test func minibatchesDrawFromTheSeededGenerator() throws {
        let config = try smallConfig("spirals", ["batch_size": "16"])
        let a = scalarSeries(train(Trainer(config: config, runID: "a", clock: fixedClock), steps: 20))
        let b = scalarSeries(train(Trainer(config: config, runID: "b", clock: fixedClock), steps: 20))
        #expect(a.map(\.1) == b.map(\.1))
    }

    @Test(arguments: ["spirals", "teacher-student", "transformer"])
    func otherPresetsTrain(_ preset: String) throws {
        let trainer = Trainer(config: try smallConfig(preset, ["steps": "40"]), runID: preset, clock: fixedClock)
        let series = scalarSeries(train(trainer, steps: 40))
        let first = series.first!.1["train/loss"]!, last = series.last!.1["train/loss"]!
        #expect(last < first, "\(preset): loss \(first) → \(last)")
    }
}

@Suite struct TaskTests {
    @Test func modularOperationsAreCorrect() {
        #expect(ModularOperation.add.apply(5, 9, p: 11) == 3)
        #expect(ModularOperation.subtract.apply(2, 9, p: 11) == 4)
        #expect(ModularOperation.multiply.apply(5, 9, p: 11) == 1)
        #expect(ModularOperation.divide.apply(5, 0, p: 11) == nil)
        for b in 1..<11 { #expect(ModularOperation.divide.apply(b, b, p: 11) == 1) }
        #expect(ModularOperation.divide.apply(6, 3, p: 11) == 2)
        #expect(ModularOperation.quadratic.apply(2, 3, p: 11) == (4 + 6 + 9) % 11)
    }

    @Test func splitCoversTheDomainOnce() throws {
        let task = TaskFactory.make(try smallConfig("grokking", ["op": "div"]))
        #expect(task.train.count + task.test.count == 11 * 10)
        #expect(task.train.count == 55)
        #expect(Set(task.trainIndices).count == 55)
    }
}

@Suite struct SpectrumTrackingTests {
    @Test func spectrumEventsArriveOnScheduleWithSettingsAndCost() throws {
        let config = try smallConfig("grokking", ["spectrum_every": "5", "spectrum_top_k": "2", "trace_probes": "4",
                                                  "density_every": "10", "density_probes": "2", "density_iterations": "12",
                                                  "steps": "10"])
        let events = train(Trainer(config: config, runID: "s", clock: fixedClock), steps: 10)
        let spectra = events.compactMap { if case .spectrum(let s) = $0 { s } else { nil } }
        #expect(spectra.map(\.step) == [5, 10])
        for s in spectra {
            #expect(s.top.count == 2 && s.top[0] >= s.top[1])
            #expect(s.trace != nil && s.traceStderr != nil)
            #expect((s.cost?.hvps ?? 0) > 0)
            #expect(s.estimator["method"] == .string("lanczos") && s.estimator["batch"] == .number(60))
        }
        #expect(spectra[0].density == nil && spectra[1].density != nil && spectra[1].ritz != nil)
        #expect(spectra[0].estimator["warm_start"] == .bool(false) && spectra[1].estimator["warm_start"] == .bool(true))
        let sharpness = scalarSeries(events).filter { $0.1["hessian/sharpness"] != nil }
        #expect(sharpness.map(\.0) == [5, 10])
        #expect(sharpness[0].1["hessian/sharpness"] == spectra[0].top[0])
    }

    @Test func trackingNeverChangesTheTrainingTrajectory() throws {
        let plain = try smallConfig("grokking", ["batch_size": "20", "steps": "12"])
        let tracked = try smallConfig("grokking", ["batch_size": "20", "steps": "12", "spectrum_every": "3", "trace_probes": "2"])
        let a = scalarSeries(train(Trainer(config: plain, runID: "a", clock: fixedClock), steps: 12))
        let b = scalarSeries(train(Trainer(config: tracked, runID: "b", clock: fixedClock), steps: 12))
        let steps = Set(a.map(\.0))
        for (step, values) in b where steps.contains(step) {
            let other = a.first { $0.0 == step }!.1
            #expect(values.filter { !$0.key.hasPrefix("hessian/") } == other, "step \(step)")
        }
    }

    @Test func densityNeedsAMultipleOfTheSpectrumInterval() {
        #expect(throws: ConfigError("density_every=7 must be a multiple of spectrum_every=5 (> 0)")) {
            _ = try smallConfig("grokking", ["spectrum_every": "5", "density_every": "7"])
        }
    }
}

@Suite struct HessianBlockTests {
    @Test func layerBlockIsThePrincipalSubmatrixOfTheFullHessian() throws {
        let config = try smallConfig("grokking", ["p": "5", "hidden": "4"])
        let trainer = Trainer(config: config, runID: "h", clock: fixedClock)
        let w = trainer.state.parameters.converted(to: .float64)
        let full = trainer.task.hessian(at: w)
        let block = try #require(trainer.task.hessian(at: w, block: "out"))
        let layout = trainer.task.model.layout
        let entry = try #require(layout.entry("out.weight"))
        #expect(block.dimension == entry.count)
        #expect(trainer.task.hessian(at: w, block: "nope") == nil)
        // Column j of the block = rows of the full Hessian's column (offset + j) inside the block.
        for j in [0, 7, entry.count - 1] {
            var e = [Double](repeating: 0, count: entry.count)
            e[j] = 1
            let blockColumn = block(Tensor(shape: [entry.count], e)).doubles
            var f = [Double](repeating: 0, count: layout.count)
            f[entry.offset + j] = 1
            let fullColumn = full(Tensor(shape: [layout.count], f)).doubles
            let expected = Array(fullColumn[entry.offset..<(entry.offset + entry.count)])
            #expect(zip(blockColumn, expected).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) })
        }
    }
}

/// A perfectly predicted batch has cross-entropy −0 in floating point; events carry it as 0.
@Suite struct NegativeZeroTests {
    @Test func aLossThatUnderflowsIsRecordedAsZero() {
        let logits = Variable(Tensor(shape: [1, 2], [Float(100), 0]))
        let loss = crossEntropy(logits: logits, labels: [0]).value.scalarValue
        #expect(loss == 0 && loss.sign == .minus, "the cause: −Σ log 1 is −0")
        let recorded = Trainer.recordable(["train/loss": loss, "lr": 0.5])
        #expect(recorded["train/loss"]!.sign == .plus && recorded["lr"] == 0.5)
        #expect(JSONValue.number(recorded["train/loss"]!).jsonText == "0")
    }
}

/// One rule for what a step's values describe: the weights before that step's update.
@Suite struct StepValuesTests {
    @Test func everyValueOfAStepDescribesTheWeightsBeforeItsUpdate() throws {
        let config = try smallConfig("grokking", ["eval_every": "2", "probe_every": "2", "histogram_every": "2", "log_every": "1"])
        let trainer = Trainer(config: config, runID: "s", clock: fixedClock)
        _ = trainer.step()
        let before = trainer.state.parameters
        let events = trainer.step()
        let scalars = try #require(events.compactMap { if case .scalars(let s) = $0 { s } else { nil } }.first)
        #expect(scalars.step == 2 && trainer.state.parameters != before, "the update happened")
        #expect(scalars.values["weights/norm"] == before.squaredNorm().squareRoot())
        // The probe's dense point is the model the test metrics were taken on.
        let probe = try #require(events.compactMap { if case .pareto(let p) = $0 { p } else { nil } }.first)
        let dense = try #require(probe.points.first { $0.label == "dense 32-bit" })
        #expect(probe.step == 2 && dense.values[1] == scalars.values["test/acc"])
        // The histograms are of those weights too.
        let histogram = try #require(events.compactMap { if case .histogram(let h) = $0 { h } else { nil } }.first)
        let layout = trainer.task.model.layout
        let first = layout.split(before)[0].doubles
        #expect(histogram.edges.first == first.min() && histogram.edges.last.map { abs($0 - first.max()!) < 1e-12 } == true)
    }
}
