import Testing
import Telemetry
import NN
import Training

@Suite struct KnobTests {
    @Test func aKnobChangeAppliesAtTheNextStep() throws {
        let trainer = Trainer(config: try smallConfig("grokking", ["log_every": "1"]), runID: "k", clock: fixedClock)
        _ = train(trainer, steps: 3)
        let event = try trainer.setKnob("lr", to: .number(0.01), by: "user")
        #expect(event == .knob(KnobEvent(run: "k", step: 3, time: fixedClock(), name: "lr", old: .number(0.003), new: .number(0.01), by: "user")))
        let lrs = scalarSeries(train(trainer, steps: 2)).map { $0.1["lr"]! }
        #expect(lrs == [0.01, 0.01], "step 4 is the first with the new learning rate")
        _ = try trainer.setKnob("optimizer", to: .choice("sgd"), by: "rule:slow")
        #expect(trainer.state.config[.optimizer] == .sgd)
        _ = try trainer.setKnob("batch_size", to: .number(16), by: "user")
        #expect(trainer.state.config[.batchSize] == 16)
    }

    /// Refused values leave the configuration as it was.
    @Test(arguments: [
        ("lr", KnobValue.number(-1), "lr must be in (0, 100], got -1"),
        ("lr", .number(.nan), "lr must be a finite number"),
        ("lr", .choice("fast"), "lr must be a number, got string"),
        ("optimizer", .choice("rmsprop"), "optimizer must be one of sgd, momentum, nesterov, adam, adamw, signsgd, lion, frugal, got 'rmsprop'"),
        ("batch_size", .number(2.5), "batch_size must be an integer, got 2.5"),
        ("seed", .number(3), "'seed' is not a knob of this engine"),
        ("learning_rate", .number(0.1), "'learning_rate' is not a knob of this engine"),
    ])
    func invalidKnobValuesAreRefused(_ name: String, _ value: KnobValue, _ message: String) throws {
        let trainer = Trainer(config: try smallConfig(), runID: "k", clock: fixedClock)
        let before = trainer.state.config
        do {
            _ = try trainer.setKnob(name, to: value, by: "user")
            Issue.record("accepted \(name) = \(value)")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
        }
        #expect(trainer.state.config == before)
    }

    @Test func rollbackRestoresTheStateBeforeTheChangeBitForBit() throws {
        let config = try smallConfig("grokking", ["log_every": "1", "batch_size": "16"])
        let reference = Trainer(config: config, runID: "k", clock: fixedClock)
        let expected = scalarSeries(train(reference, steps: 10)).suffix(5)

        let trainer = Trainer(config: config, runID: "k", clock: fixedClock)
        _ = train(trainer, steps: 5)
        let before = trainer.state
        _ = try trainer.setKnob("lr", to: .number(0.05), by: "user")
        _ = try trainer.setKnob("optimizer", to: .choice("sgd"), by: "user")
        _ = train(trainer, steps: 3)
        #expect(trainer.state != before)
        _ = trainer.rollback()
        let announced = trainer.rollback()
        #expect(trainer.state == before, "parameters, optimizer state, RNG, step and config")
        guard case .run(let run)? = announced else { Issue.record("no run event"); return }
        #expect(run.run == "k~2" && run.parent == "k~1" && run.rolledBackTo == 5)
        let continued = scalarSeries(train(trainer, steps: 5))
        #expect(continued.map(\.0) == expected.map(\.0) && continued.map(\.1) == expected.map(\.1),
                "what follows equals a run that never had the change")
        #expect(trainer.rollback() == nil, "nothing left to undo")
    }

    @Test func undoHistoryIsBounded() throws {
        let trainer = Trainer(config: try smallConfig(), runID: "k", clock: fixedClock)
        for i in 0..<(Trainer.knobCheckpointCapacity + 4) { _ = try trainer.setKnob("lr", to: .number(0.001 * Double(i + 1)), by: "user") }
        #expect(trainer.knobCheckpoints.count == Trainer.knobCheckpointCapacity)
        #expect(trainer.knobCheckpoints.first?.config[.lr] == 0.004, "the oldest changes are dropped")
    }

    @Test func switchingOptimizersSaysWhatHappensToTheirState() throws {
        let trainer = Trainer(config: try smallConfig(), runID: "k", clock: fixedClock)
        _ = train(trainer, steps: 3)
        let moments = trainer.state.optimizer
        guard case .knob(let carried) = try trainer.setKnob("optimizer", to: .choice("adam"), by: "user") else { return }
        #expect(trainer.state.optimizer == moments && carried.note == "optimizer state carried over (adamw and adam keep the same moments)")
        guard case .knob(let reset) = try trainer.setKnob("optimizer", to: .choice("lion"), by: "user") else { return }
        #expect(trainer.state.optimizer == OptimizerState() && reset.note == "optimizer state reset (adam's moments mean something else to lion)")
    }

    @Test func forkBranchesAreDeterministicAndContinueExactlyFromTheirParent() throws {
        let config = try smallConfig("grokking", ["log_every": "1", "batch_size": "16"])
        let parent = Trainer(config: config, runID: "main", clock: fixedClock)
        _ = train(parent, steps: 4)
        let a = parent.fork(runID: "main/a"), b = parent.fork(runID: "main/b")
        _ = try b.setKnob("lr", to: .number(0.01), by: "fork")
        let own = scalarSeries(train(parent, steps: 3))
        let branch = scalarSeries(train(a, steps: 3))
        #expect(branch.map(\.0) == own.map(\.0) && branch.map(\.1) == own.map(\.1), "an unchanged branch is the parent's own future")
        let again = parent.fork(runID: "x")
        #expect(again.state == parent.state)
        let changed = scalarSeries(train(b, steps: 3))
        #expect(changed.map { $0.1["lr"] } == [0.01, 0.01, 0.01] && changed.map { $0.1["train/loss"] } != branch.map { $0.1["train/loss"] })
    }
}
