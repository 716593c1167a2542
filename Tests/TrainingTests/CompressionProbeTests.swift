import Testing
import NN
import Telemetry
import TensorCore
import Training

@Suite struct CompressionProbeTests {
    func trained(_ overrides: [String: String] = [:]) throws -> Trainer {
        let trainer = Trainer(config: try smallConfig("grokking", overrides), runID: "p", clock: fixedClock)
        _ = train(trainer, steps: 20)
        return trainer
    }

    @Test func sparsityZeroAndFullPrecisionAreTheDenseModelExactly() throws {
        let trainer = try trained()
        let layout = trainer.task.model.layout
        let dense = trainer.state.parameters
        #expect(CompressionProbe.pruned(dense, layout: layout, sparsity: 0, scope: .global) == dense)
        #expect(CompressionProbe.pruned(dense, layout: layout, sparsity: 0, scope: .perLayer) == dense)
        let round = trainer.probeRound()
        let direct = trainer.evaluate(trainer.task.test)
        #expect(round.points[0].label == "dense 32-bit" && round.points[0].values == [Double(layout.count * 32), direct.accuracy!])
        #expect(round.objectives == [ParetoObjective(name: "model_bits", direction: .minimize), ParetoObjective(name: "test/acc", direction: .maximize)])
        #expect(round.points.count == 1 + 2 * CompressionProbe.sparsities.count + CompressionProbe.bitWidths.count)
        #expect(round.extra["reference"] == .array([.number(Double(layout.count * 32) * 1.1), .number(0)]))
    }

    @Test(arguments: [0.5, 0.9, 0.98, 1.0])
    func pruningZeroesExactlyRoundSTimesNOfThePrunedSet(_ sparsity: Double) throws {
        let trainer = try trained()
        let layout = trainer.task.model.layout
        let entries = CompressionProbe.compressible(layout)
        #expect(Set(entries.map(\.name)) == ["embed_a.weight", "embed_b.weight", "out.weight"], "biases stay dense")
        let global = CompressionProbe.pruned(trainer.state.parameters, layout: layout, sparsity: sparsity, scope: .global).floats
        let n = entries.reduce(0) { $0 + $1.count }
        let zeros = entries.reduce(0) { total, e in total + global[e.offset..<(e.offset + e.count)].filter { $0 == 0 }.count }
        #expect(zeros == Int((sparsity * Double(n)).rounded()))
        let dense = trainer.state.parameters.floats
        let kept = global.indices.filter { global[$0] != 0 }.map { abs(dense[$0]) }.min() ?? .infinity
        let removed = global.indices.filter { global[$0] == 0 && dense[$0] != 0 }.map { abs(dense[$0]) }.max() ?? 0
        #expect(removed <= kept, "the smallest magnitudes go first")
        let perLayer = CompressionProbe.pruned(trainer.state.parameters, layout: layout, sparsity: sparsity, scope: .perLayer).floats
        for e in entries {
            #expect(perLayer[e.offset..<(e.offset + e.count)].filter { $0 == 0 }.count == Int((sparsity * Double(e.count)).rounded()), "\(e.name)")
        }
        // Biases are untouched.
        for e in layout.entries where !entries.contains(e) {
            #expect(Array(global[e.offset..<(e.offset + e.count)]) == Array(dense[e.offset..<(e.offset + e.count)]))
        }
    }

    @Test(arguments: [8, 6, 4, 3, 2])
    func quantizationLeavesAtMostTwoToTheBitsValuesPerTensor(_ bits: Int) throws {
        let trainer = try trained()
        let layout = trainer.task.model.layout
        let q = CompressionProbe.quantized(trainer.state.parameters, layout: layout, bits: bits).floats
        let dense = trainer.state.parameters.floats
        for e in CompressionProbe.compressible(layout) {
            let slice = q[e.offset..<(e.offset + e.count)]
            #expect(Set(slice).count <= 1 << bits, "\(e.name)")
            let original = dense[e.offset..<(e.offset + e.count)]
            let step = (original.max()! - original.min()!) / Float((1 << bits) - 1)
            #expect(zip(slice, original).allSatisfy { abs($0 - $1) <= step / 2 * 1.0001 }, "each value moves at most half a level")
        }
        #expect(CompressionProbe.modelBits(trainer.state.parameters, layout: layout, bits: bits)
                == Double(CompressionProbe.compressible(layout).reduce(0) { $0 + $1.count } * bits + (layout.count - CompressionProbe.compressible(layout).reduce(0) { $0 + $1.count }) * 32))
    }

    @Test func theTrainerEmitsProbeRoundsEveryNSteps() throws {
        let trainer = Trainer(config: try smallConfig("grokking", ["probe_every": "10", "steps": "25"]), runID: "p", clock: fixedClock)
        let rounds = train(trainer, steps: 25).compactMap { if case .pareto(let e) = $0 { e.step } else { nil } }
        #expect(rounds == [10, 20, 25], "every 10 steps and at the end")
    }

    @Test func aSweepTrainsEachMemberAndFillsInTheFront() throws {
        let base = try smallConfig("grokking", ["steps": "5"])
        let sweep = Study(id: "s", base: base, plan: try SweepPlan(base: base, key: "hidden", values: [.int(4), .int(8), .int(16)]), clock: fixedClock)
        var events = sweep.openingEvents()
        while !sweep.isFinished { events += sweep.step() }
        let runs = events.compactMap { if case .run(let r) = $0 { r } else { nil } }
        #expect(runs.map(\.run) == ["s", "s-hidden4", "s-hidden8", "s-hidden16"] && runs.dropFirst().allSatisfy { $0.parent == "s" })
        let fronts = events.compactMap { if case .pareto(let e) = $0 { e } else { nil } }
        #expect(fronts.map(\.step) == [1, 2, 3] && fronts.map(\.points.count) == [1, 2, 3] && fronts.allSatisfy { $0.run == "s" })
        #expect(fronts.last!.points.map(\.label) == ["hidden 4", "hidden 8", "hidden 16"])
        let parameters = fronts.last!.points.map { $0.values[0] }
        #expect(parameters == parameters.sorted() && parameters[0] < parameters[2])
        #expect(fronts.allSatisfy { $0.extra["reference"] == .array([.number(parameters[2] * 1.1), .number(0)]) },
                "one hypervolume reference for every front: known before the largest member trains")
        #expect(throws: ConfigError.self) { Study(id: "s", base: base, plan: try SweepPlan(base: base, key: "hidden", values: [.int(-1)]), clock: fixedClock) }
    }

    @Test func aSweepsCostCanBeFlopsOrMeasuredSeconds() throws {
        let flopsBase = try smallConfig("grokking", ["steps": "3", "sweep_cost": "flops"])
        let flops = Study(id: "f", base: flopsBase, plan: try SweepPlan(base: flopsBase, key: "hidden", values: [.int(4), .int(8)]), clock: fixedClock)
        var events = flops.openingEvents()
        while !flops.isFinished { events += flops.step() }
        let front = events.compactMap { if case .pareto(let e) = $0 { e } else { nil } }.last!
        let examples = Double(TaskFactory.make(flopsBase).train.count)
        // p = 11: embeddings 11×h twice and the output h×11, no biases: 33·h parameters; full batch.
        #expect(front.objectives[0].name == "flops/step" && front.points.map { $0.values[0] } == [6 * examples * 132, 6 * examples * 264])
        #expect(front.extra["reference"] == .array([.number(6 * examples * 264 * 1.1), .number(0)]))

        // A clock that advances 0.5 s per reading: each member's seconds per step are measured from it.
        final class Ticks: @unchecked Sendable { var t = 0.0 }
        let ticks = Ticks()
        let timedBase = try smallConfig("grokking", ["steps": "4", "sweep_cost": "seconds"])
        let seconds = Study(id: "s", base: timedBase, plan: try SweepPlan(base: timedBase, key: "hidden", values: [.int(4)]),
                            clock: { ticks.t += 0.5; return ticks.t })
        var timed = seconds.openingEvents()
        while !seconds.isFinished { timed += seconds.step() }
        let last = timed.compactMap { if case .pareto(let e) = $0 { e } else { nil } }.last!
        #expect(last.objectives[0].name == "seconds/step" && last.points[0].values[0] > 0 && last.extra["reference"] == nil)
    }
}
