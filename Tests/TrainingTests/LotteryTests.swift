import Testing
import NN
import Telemetry
import TensorCore
import Training

@Suite struct LotteryTests {
    @Test func masksPruneExactlyTheirShareAndNest() throws {
        let trainer = Trainer(config: try smallConfig(), runID: "m", clock: fixedClock)
        let layout = trainer.task.model.layout
        let entries = CompressionProbe.compressible(layout)
        let first = LotteryPlan.mask(weights: trainer.state.parameters, previous: nil, layout: layout, sparsity: 0.4, scope: .layer)
        for e in entries {
            #expect(first.floats[e.offset..<(e.offset + e.count)].filter { $0 == 0 }.count == Int((0.4 * Double(e.count)).rounded()), "\(e.name)")
        }
        // The next round ranks other weights (here: random ones), yet keeps every earlier zero.
        var rng = SeededRNG(seed: 9)
        let other = rng.normalTensor([layout.count], std: 1, dtype: .float32)
        let second = LotteryPlan.mask(weights: other * first, previous: first, layout: layout, sparsity: 0.64, scope: .global)
        #expect(zip(first.floats, second.floats).allSatisfy { $0 == 1 || $1 == 0 })
        let n = entries.reduce(0) { $0 + $1.count }
        #expect(entries.reduce(0) { total, e in total + second.floats[e.offset..<(e.offset + e.count)].filter { $0 == 0 }.count } == Int((0.64 * Double(n)).rounded()))
    }

    @Test func maskedWeightsAndTheirMomentsStayZeroThroughTraining() throws {
        let trainer = Trainer(config: try smallConfig("grokking", ["weight_decay": "1", "grokfast_lambda": "2"]), runID: "m", clock: fixedClock)
        let mask = LotteryPlan.mask(weights: trainer.state.parameters, previous: nil, layout: trainer.task.model.layout, sparsity: 0.5, scope: .global)
        var state = trainer.state
        state.parameters = state.parameters * mask
        state.mask = mask
        trainer.restore(state)
        let values = scalarSeries(train(trainer, steps: 20)).map(\.1)
        let zeros = mask.floats.indices.filter { mask.floats[$0] == 0 }
        #expect(zeros.allSatisfy { trainer.state.parameters.floats[$0] == 0 && trainer.state.optimizer.second!.floats[$0] == 0 })
        #expect(values.allSatisfy { $0["sparsity"] == Double(zeros.count) / Double(mask.count) })
        #expect(trainer.state.parameters != state.parameters, "the kept weights trained")
    }

    /// Drives the plan by hand: the dense run, then a ticket rewound to step 5 and its control.
    @Test func aTicketRewindsToTheDenseRunsStepKStateAndItsControlSharesTheMask() throws {
        let config = try smallConfig("grokking", ["steps": "20", "rewind_step": "5", "lottery_rounds": "1", "prune_rate": "0.5"])
        let plan = try LotteryPlan(base: config)
        let dense = try #require(plan.nextMember(studyID: "l", clock: fixedClock))
        #expect(dense.trainer.runID == "l-dense" && dense.parent == "l")
        while !dense.trainer.isFinished { _ = plan.observe(dense.trainer, events: dense.trainer.step()) }
        let densePoint = plan.finished(dense.trainer, seconds: 1)
        #expect(densePoint.map(\.label) == ["dense"])

        let reference = Trainer(config: config, runID: "r", clock: fixedClock)
        _ = train(reference, steps: 5)
        let ticket = try #require(plan.nextMember(studyID: "l", clock: fixedClock))
        let mask = try #require(ticket.trainer.state.mask)
        #expect(ticket.parent == "l-dense" && ticket.trainer.state.step == 5)
        #expect(ticket.trainer.state.parameters == reference.state.parameters * mask, "exactly the step-5 weights, masked")
        #expect(ticket.trainer.state.rng == reference.state.rng && ticket.trainer.state.optimizer.step == reference.state.optimizer.step)
        let expectedMask = LotteryPlan.mask(weights: dense.trainer.state.parameters, previous: nil, layout: dense.trainer.task.model.layout,
                                            sparsity: 0.5, scope: .global)
        #expect(mask == expectedMask, "ranked on the dense run's final weights")
        while !ticket.trainer.isFinished { _ = plan.observe(ticket.trainer, events: ticket.trainer.step()) }
        #expect(plan.finished(ticket.trainer, seconds: 1)[0].label == "ticket 50% pruned")

        let control = try #require(plan.nextMember(studyID: "l", clock: fixedClock))
        #expect(control.parent == "l-ticket1" && control.trainer.state.step == 0 && control.trainer.state.mask == mask)
        #expect(control.trainer.state.parameters != reference.state.parameters * mask && control.trainer.state.parameters * mask == control.trainer.state.parameters)
        #expect(plan.nextMember(studyID: "l", clock: fixedClock) == nil)
    }

    /// The phenomenon, small: at the same mask, the rewound ticket ends more accurate than the random re-initialization.
    @Test func theTicketBeatsItsRandomReinitialization() throws {
        let config = try smallConfig("lottery", ["p": "23", "hidden": "32", "train_fraction": "0.7", "steps": "300", "lottery_rounds": "1",
                                                 "eval_every": "50", "rewind_step": "20"])
        let study = Study(id: "l", base: config, plan: try LotteryPlan(base: config), clock: fixedClock)
        var events = study.openingEvents()
        while !study.isFinished { events += study.step() }
        let fronts = events.compactMap { if case .pareto(let e) = $0 { e } else { nil } }
        #expect(fronts.map(\.step) == [1, 2, 3])
        let points = Dictionary(uniqueKeysWithValues: fronts.last!.points.map { ($0.label!, $0.values[1]) })
        let ticket = try #require(points["ticket 39.9% pruned"]), control = try #require(points["random re-init 39.9% pruned"])
        #expect(ticket > control + 0.2, "ticket \(ticket), control \(control)")
        #expect(events.contains { if case .scalars(let s) = $0 { s.values["mask/churn"] != nil } else { false } })
    }
}
