import Testing
import Telemetry
import Training

@Suite struct DoubleDescentTests {
    /// The preset's task at three widths, 1000 steps: the width whose parameter count is nearest
    /// the 400 training examples (hidden 16, 433 parameters) has a higher test loss than a narrower
    /// and a wider network, by a margin.
    @Test func testLossPeaksAtTheInterpolationThreshold() throws {
        var config = Preset.named("double-descent")!.config
        try config.set(.steps, 1000)
        let plan = try SweepPlan(base: config, key: "hidden", values: [.int(4), .int(16), .int(48)],
                                 outer: (key: "weight_decay", values: [.real(0)]))
        let study = Study(id: "d", base: config, plan: plan, clock: fixedClock)
        var events = study.openingEvents()
        while !study.isFinished { events += study.step() }
        let front = try #require(events.compactMap { if case .pareto(let e) = $0 { e } else { nil } }.last)
        #expect(front.points.map(\.label) == ["hidden 4 · weight_decay 0", "hidden 16 · weight_decay 0", "hidden 48 · weight_decay 0"])
        #expect(front.points[1].values[0] == 433, "parameters at the threshold ≈ the 400 examples")
        let loss = front.points.map { $0.values[1] }
        #expect(loss[1] > loss[0] + 0.5 && loss[1] > loss[2] + 0.5, "test loss \(loss)")
    }

    @Test func anOuterKeyRepeatsTheSweepAndNamesBoth() throws {
        let base = try smallConfig("grokking", ["steps": "2"])
        let plan = try SweepPlan(base: base, key: "hidden", values: [.int(4), .int(8)], outer: (key: "weight_decay", values: [.real(0), .real(1)]))
        #expect(plan.memberCount == 4)
        let study = Study(id: "s", base: base, plan: plan, clock: fixedClock)
        var events = study.openingEvents()
        while !study.isFinished { events += study.step() }
        let runs = events.compactMap { if case .run(let r) = $0, r.parent == "s" { r.run } else { nil } }
        #expect(runs == ["s-hidden4-weight_decay0", "s-hidden8-weight_decay0", "s-hidden4-weight_decay1", "s-hidden8-weight_decay1"])
    }
}
