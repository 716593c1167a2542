import Testing
import Telemetry
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
        #expect(trainer.state.config.string("optimizer") == "sgd")
        _ = try trainer.setKnob("batch_size", to: .number(16), by: "user")
        #expect(trainer.state.config.int("batch_size") == 16)
    }

    /// Refused values leave the configuration as it was.
    @Test(arguments: [
        ("lr", KnobValue.number(-1), "lr must be in (0, 100], got -1"),
        ("lr", .number(.nan), "lr must be a finite number"),
        ("lr", .choice("fast"), "lr must be a number, got string"),
        ("optimizer", .choice("rmsprop"), "optimizer must be one of sgd, momentum, nesterov, adam, adamw, signsgd, lion, got 'rmsprop'"),
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
}
