import Testing
import Rules
import Telemetry

@Suite struct RuleFileTests {
    @Test func rulesParseConditionsAndActions() throws {
        let file = try RuleFile.parse("""
        # comments and blank lines are fine

        rescue: when train/loss is nan then rollback, scale lr by 0.5
        eos: when sharpness > 2 / lr then set lr = 0.1, pause  # trailing comment
        done: when test/acc >= 0.99 then checkpoint, snapshot, set optimizer = sgd
        blowup: when train/loss is not finite then pause
        grokked: when phase generalization then snapshot
        """, source: "r")
        #expect(file.rules.map(\.name) == ["rescue", "eos", "done", "blowup", "grokked"] && file.rules.map(\.line) == [3, 4, 5, 6, 7])
        #expect(file.rules[4].condition == .phase("generalization"))
        #expect(file.rules[0].condition == .isNaN("train/loss") && file.rules[0].actions == [.rollback, .scale(knob: "lr", factor: 0.5)])
        #expect(file.rules[1].condition == .compare(.metric("sharpness"), .greater, .binary("/", .number(2), .metric("lr"))))
        #expect(file.rules[1].actions == [.set(knob: "lr", value: .number(0.1)), .pause])
        #expect(file.rules[2].actions == [.checkpoint, .snapshot, .set(knob: "optimizer", value: .choice("sgd"))])
        #expect(file.rules[3].condition == .isNotFinite("train/loss") && file.knobs == ["lr", "lr", "optimizer"])
    }

    /// Each malformed rule: its line, column and reason.
    @Test(arguments: [
        ("x when a > 1 then pause", 1, 3, "expected ':' after the rule name"),
        ("x: if a > 1 then pause", 1, 4, "expected 'when' and a condition"),
        ("x: when a > 1 pause", 1, 15, "expected 'then' and an action, found 'pause'"),
        ("x: when a = 1 then pause", 1, 11, "'=' must be followed by '='"),
        ("x: when a is big then pause", 1, 14, "expected 'nan' or 'not finite' after 'is'"),
        ("x: when max(a) > 1 then pause", 1, 9, "aggregates (min, max, mean, first, last) are for `check`"),
        ("x: when a > 1 then explode", 1, 20, "unknown action 'explode'"),
        ("x: when a > 1 then scale lr by -2", 1, 32, "expected a positive factor after 'by'"),
        ("x: when a > 1 then set lr 3", 1, 27, "expected '=' after 'set lr'"),
        ("x: when a > 1 then pause pause", 1, 26, "unexpected 'pause'"),
        ("\n\nx: when a > 1 then pause\nx: when b > 1 then pause", 4, 1, "a rule named 'x' is already defined"),
    ])
    func malformedRulesArePositioned(_ text: String, _ line: Int, _ column: Int, _ reason: String) {
        do {
            _ = try RuleFile.parse(text, source: "rules.txt")
            Issue.record("parsed: \(text)")
        } catch {
            #expect(error.line == line && error.column == column, "\(error)")
            #expect(error.reason.contains(reason), "\(error)")
            #expect(error.description.hasPrefix("rules.txt:\(line):\(column): "))
        }
    }

    @Test func rulesFireWhenTheirConditionBecomesTrue() throws {
        var evaluator = RuleEvaluator(try RuleFile.parse("""
        high: when loss > 2 then pause
        nan: when loss is nan then rollback
        late: when step >= 3 then pause
        """, source: "r"))
        func fire(_ step: Int, _ loss: Double) -> [String] {
            evaluator.observe([.scalars(ScalarsEvent(run: "r", step: step, values: ["loss": loss]))], run: "r").map(\.name)
        }
        #expect(fire(1, 3) == ["high"])
        #expect(fire(2, 3) == [], "still true: no second firing")
        #expect(fire(3, 1) == ["late"])
        #expect(fire(4, 5) == ["high"], "true again after being false")
        #expect(fire(5, .infinity) == ["nan"], "an infinite loss counts as NaN: diverged")
        evaluator.rolledBack(by: "nan")
        #expect(fire(4, .nan) == ["nan"], "the rolling-back rule may fire again; `late` does not")
        #expect(evaluator.observe([.scalars(ScalarsEvent(run: "other", step: 9, values: ["loss": 9]))], run: "r").isEmpty)
        var phases = RuleEvaluator(try RuleFile.parse("g: when phase generalization then pause", source: "r"))
        #expect(phases.observe([.phase(PhaseEvent(run: "r", step: 5, name: "memorization"))], run: "r").isEmpty)
        #expect(phases.observe([.phase(PhaseEvent(run: "r", step: 9, name: "generalization"))], run: "r").map(\.name) == ["g"])
    }
}
