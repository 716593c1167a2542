import Dashboard
import JSONCore
import Telemetry
import Testing

/// A 12-run sweep: lr × optimizer × seed with nested config, accuracies that depend on the lr, and
/// one run that diverged.
func sweepState(runs: Int = 12) -> DashboardState {
    var state = DashboardState(width: 160, height: 48, sourceName: "sweep")
    let lrs = [1e-4, 1e-3, 3e-3]
    for i in 0..<runs {
        let lr = lrs[i % 3], optimizer = i % 2 == 0 ? "adamw" : "sgd", seed = i / 6
        var model = JSONObject()
        model["width"] = .number(Double(64 << (i % 2)))
        var config = JSONObject()
        config["lr"] = .number(lr)
        config["optimizer"] = .string(optimizer)
        config["seed"] = .number(Double(seed))
        config["model"] = .object(model)
        config["steps"] = .number(100)
        config["tag"] = .string("sweep")
        let id = "sweep-\(i < 10 ? "0" : "")\(i)-lr\(lr)-\(optimizer)"
        _ = update(&state, .telemetry(.run(RunEvent(run: id, config: config))))
        for step in stride(from: 10, through: 100, by: 10) {
            let acc = Swift.min(1, Double(step) / 100 * (lr * 400 + 0.05) + Double(seed) * 0.01)
            _ = update(&state, .telemetry(.scalars(ScalarsEvent(run: id, step: step, values: ["test/acc": acc, "train/loss": 1 / Double(step) + lr]))))
        }
    }
    if runs > 4 { _ = update(&state, .telemetry(.phase(PhaseEvent(run: state.runOrder[4], step: 50, name: "diverged")))) }
    return state
}

@Suite struct RunQueryTests {
    /// Valid queries and the runs (by index into the sweep) they select.
    @Test(arguments: [
        ("sweep-0[0-3]", [0, 1, 2, 3]),
        ("  adamw  ", [0, 2, 4, 6, 8, 10]),
        ("id ~ sweep-1.*", [10, 11]),
        ("id ~ \"-0[12]-\"", [1, 2]),
        ("lr >= 1e-3 and optimizer == adamw", [2, 4, 8, 10]),
        ("lr == 3e-3 or seed = 1", [2, 5, 6, 7, 8, 9, 10, 11]),
        ("not optimizer == sgd and lr < 1e-3", [0, 6]),
        ("(lr < 1e-3 or lr > 2e-3) and seed == 0", [0, 2, 3, 5]),
        ("test/acc > 0.9", [2, 5, 8, 11]),
        ("best(test/acc) >= 1 and seed == 1", [8, 11]),
        ("best(train/loss) < 0.0105", [0, 3, 6, 9]),
        ("model.width == 128", [1, 3, 5, 7, 9, 11]),
        ("config.model.width != 128 and step >= 100 and lr > 1e-3", [2, 8]),
        ("status == diverged", [4]),
        ("optimizer !~ ^adam", [1, 3, 5, 7, 9, 11]),
        ("missing == 1 or missing != 1", [Int]()),
        ("OR_field == 1 OR tag == sweep AND seed == 1", [6, 7, 8, 9, 10, 11]),
        ("lr = 0.0001 and 'optimizer' == sgd", [Int]()),
        ("tag == 'sweep' and lr > 0.002 and seed < 1", [2, 5]),
    ] as [(String, [Int])])
    func validQueriesSelectTheirRuns(_ text: String, _ want: [Int]) throws {
        let state = sweepState()
        let query = try RunQuery(text)
        #expect(query.matchingRuns(in: state) == want.map { state.runOrder[$0] }, "\(text)")
    }

    /// Malformed queries: one reason and the 1-based column it points at.
    @Test(arguments: [
        ("", 1, "empty query"),
        ("   ", 1, "empty query"),
        ("lr >=", 6, "expected a value after '>='"),
        ("lr >= 1e-3 and", 15, "expected a run field (id, a config key or a metric), the query ends"),
        ("lr 1e-3 > 2", 4, "expected a comparison (== != < <= > >= ~ !~) after 'lr', got '1e-3'"),
        ("lr >= 1e-3 optimizer == adamw", 12, "expected 'and', 'or' or the end of the query, got 'optimizer'"),
        ("(lr > 1 and seed == 0", 1, "the '(' at column 1 is never closed"),
        ("lr > 1 and (seed == 0 x", 23, "expected ')' to close the '(' at column 12"),
        ("optimizer < adamw", 13, "'<' compares numbers; 'adamw' is not a number"),
        ("id ~ (unclosed", 6, "'(unclosed' is not a regular expression"),
        ("id ~ 3", 6, "'~' needs a regular expression"),
        ("name == \"open", 9, "the quote at column 9 is never closed"),
        ("sweep-(", 1, "'sweep-(' is not a regular expression"),
        ("best() > 1", 6, "expected a metric name in best(…)"),
        ("== 3", 1, "expected a run field (id, a config key or a metric), got '='"),
        ("lr ! 3", 4, "expected a comparison (== != < <= > >= ~ !~) after 'lr', got '!'"),
    ] as [(String, Int, String)])
    func malformedQueriesSayWhereAndWhy(_ text: String, _ column: Int, _ reason: String) {
        #expect(throws: RunQueryError(query: text, column: column, reason: reason)) { try RunQuery(text) }
        let error = RunQueryError(query: text, column: column, reason: reason)
        #expect(error.caretLines == [text, String(repeating: " ", count: column - 1) + "^"])
        #expect(error.description == "column \(column): \(reason)")
    }

    /// The dashboard keeps the query's matches current: runs arriving later are judged on arrival,
    /// moving metrics on each frame tick.
    @Test func matchesFollowNewRunsAndMovingMetrics() throws {
        var state = sweepState(runs: 3)
        state.setRunQuery(try RunQuery("test/acc > 0.5"))
        #expect(state.shownRunIDs == [state.runOrder[2]])
        _ = update(&state, .telemetry(.scalars(ScalarsEvent(run: state.runOrder[0], step: 110, values: ["test/acc": 0.9]))))
        _ = update(&state, .frameTick(time: 1))
        #expect(state.shownRunIDs == [state.runOrder[0], state.runOrder[2]])
        _ = update(&state, .telemetry(.run(RunEvent(run: "late", config: JSONObject()))))
        #expect(!state.shownRunIDs.contains("late"), "a run without the metric does not match")
    }
}
