import Testing
import Rules
import Telemetry
import TestSupport

@Suite struct CheckRuleTests {
    @Test func rulesParseIntoComparisonsWindowsAndPhaseTests() throws {
        let r = try CheckRule.parse("sharpness <= 2.2/lr after 500")
        #expect(r.body == .compare(.metric("sharpness"), .lessOrEqual, .binary("/", .number(2.2), .metric("lr")), .after(500)))
        #expect(try CheckRule.parse("mean(test/acc) >= 0.9 between 2000 and 3000").body
                == .compare(.aggregate(.mean, "test/acc"), .greaterOrEqual, .number(0.9), .between(2000, 3000)))
        #expect(try CheckRule.parse("test/loss <= 1.5 * min(test/loss) + -1e-3").body
                == .compare(.metric("test/loss"), .lessOrEqual, .binary("+", .binary("*", .number(1.5), .aggregate(.min, "test/loss")),
                                                                    .negate(.number(0.001))), .all))
        #expect(try CheckRule.parse("phase generalization before 3000").body == .phase(name: "generalization", test: .before(3000), expected: true))
        #expect(try CheckRule.parse("phase generalization delay < 2000").body
                == .phase(name: "generalization", test: .delay(.less, 2000), expected: true))
        #expect(try CheckRule.parse("no phase diverged").body == .phase(name: "diverged", test: .present, expected: false))
        #expect(try CheckRule.parse("`odd-name` / lr > 0").body == .compare(.binary("/", .metric("odd-name"), .metric("lr")), .greater, .number(0), .all))
    }

    /// Each malformed rule: the column and the reason.
    @Test(arguments: [
        ("max(train/loss) << 3", 18, "expected a value"),
        ("max(train/loss) 3", 17, "expected a comparison (<, <=, >, >=, ==, !=), found 3.0"),
        ("train/loss = 3", 12, "'=' must be followed by '='"),
        ("(train/loss < 3", 13, "expected ')' to close '('"),
        ("mean() > 1", 6, "expected a metric name in mean(…)"),
        ("x > 1 after", 12, "expected a step (a whole number), found the end of the rule"),
        ("x > 1 after 2.5", 13, "expected a step (a whole number), found 2.5"),
        ("x > 1 between 5 and 2", 22, "the range ends (2) before it starts (5)"),
        ("x > 1 during 5", 7, "unexpected 'during'"),
        ("phase", 6, "expected a phase name after 'phase'"),
        ("no phase x delay > 3", 12, "'no phase' takes no delay"),
        ("x > 1 $", 7, "unexpected character '$'"),
        ("`x > 1", 1, "unclosed backquote"),
        ("after > 1", 1, "found the keyword 'after'"),
    ])
    func malformedRulesGivePositionedErrors(_ text: String, _ column: Int, _ reason: String) {
        do {
            _ = try CheckRule.parse(text)
            Issue.record("parsed: \(text)")
        } catch {
            #expect(error.column == column, "\(text): \(error)")
            #expect(error.reason.contains(reason), "\(text): \(error)")
        }
    }

    func outcome(_ rule: String, _ sample: String) throws -> CheckOutcome {
        let data = CheckData(events: try Recording(path: TestPaths.sample("runs/\(sample).jsonl")).events)
        return try CheckRule.parse(rule).evaluate(data, run: data.runs[0])
    }

    @Test func rulesOnTheGrokkingRecording() throws {
        #expect(try outcome("phase generalization before 3000", "grokking").line
                == "PASS  phase generalization before 3000  —  generalization at step 1560")
        #expect(try outcome("phase generalization delay < 1000", "grokking").line
                == "FAIL  phase generalization delay < 1000  —  generalization at step 1560, delay 1394 steps")
        #expect(try outcome("max(train/loss) < 10", "grokking").holds)
        let first = try outcome("first(train/loss) > 4", "grokking")
        #expect(first.holds && first.detail == "first(train/loss) = 6.53292 (> 4)")
        #expect(try outcome("test/acc >= 0.99 after 1560", "grokking").holds)
        let late = try outcome("test/acc >= 0.99 after 1000", "grokking")
        #expect(!late.holds && late.detail.hasPrefix("at step 1000: test/acc = "))
        #expect(try outcome("no phase diverged", "grokking").holds)
        #expect(try outcome("mean(test/acc) > 0.99 between 2000 and 3000", "grokking").holds)
        #expect(try outcome("test/accuracy > 0", "grokking").detail == "no metric 'test/accuracy' in run grokking-s0; did you mean 'test/acc'?")
    }

    @Test func spectrumRulesOnTheEdgeOfStabilityRecording() throws {
        let held = try outcome("sharpness <= 2.2/lr after 1000", "eos")
        #expect(held.holds && held.detail.hasPrefix("held at 201 steps (1000…3000); closest at step"))
        let tight = try outcome("sharpness <= 2/lr after 1000", "eos")
        #expect(!tight.holds && tight.detail.contains("2/lr = 4"), "sharpness hovers just above 2/η at the edge of stability")
        #expect(try outcome("max(lambda1) > max(lambda2)", "eos").holds)
        #expect(!(try outcome("trace > 0", "eos")).holds, "the recording has no trace")
    }
}

@Suite struct CheckDerivedPhaseTests {
    @Test func phaseRulesHoldOnSourcesThatReportNoPhases() throws {
        var events: [TelemetryEvent] = [.run(RunEvent(run: "tb"))]
        for step in stride(from: 100, through: 1000, by: 100) {
            events.append(.scalars(ScalarsEvent(run: "tb", step: step, values: ["train_acc": step >= 300 ? 1 : 0.5,
                                                                                  "val_acc": step >= 800 ? 0.995 : 0.4])))
        }
        let data = CheckData(events: events)
        let outcome = try CheckRule.parse("phase generalization delay < 600").evaluate(data, run: "tb")
        #expect(outcome.line == "PASS  phase generalization delay < 600  —  generalization at step 800, delay 500 steps")
        #expect(data.phases["tb"]!.allSatisfy { $0.isDerived })
    }

    @Test func aReportedPhaseTakesThePlaceOfTheDerivedOne() {
        let events: [TelemetryEvent] = [
            .scalars(ScalarsEvent(run: "e", step: 5, values: ["train/acc": 1])),
            .phase(PhaseEvent(run: "e", step: 5, name: "memorization", message: "from the engine")),
        ]
        let phases = CheckData(events: events).phases["e"]!
        #expect(phases.count == 1 && phases[0].message == "from the engine" && !phases[0].isDerived)
    }
}
