import JSONCore

extension RunQuery {
    /// The ids of the runs of `state` the query selects, in run order.
    public func matchingRuns(in state: DashboardState) -> [String] {
        let test = predicate()
        return state.runOrder.filter { id in test(state.runs[id]!, state) }
    }

    /// The query as a test of one run, its regular expressions compiled once.
    func predicate() -> (RunState, DashboardState) -> Bool {
        Self.compile(expression)
    }

    private static func compile(_ e: Expression) -> (RunState, DashboardState) -> Bool {
        switch e {
        case .idPattern(let pattern):
            guard let regex = try? Regex(pattern) else { return { _, _ in false } }
            return { run, _ in (try? regex.firstMatch(in: run.id)) != nil }
        case .and(let a, let b):
            let (x, y) = (compile(a), compile(b))
            return { x($0, $1) && y($0, $1) }
        case .or(let a, let b):
            let (x, y) = (compile(a), compile(b))
            return { x($0, $1) || y($0, $1) }
        case .not(let a):
            let x = compile(a)
            return { !x($0, $1) }
        case .comparison(let field, let comparison, let literal):
            let regex: Regex<AnyRegexOutput>?
            if comparison.isPattern, case .text(let pattern) = literal { regex = try? Regex(pattern) } else { regex = nil }
            return { run, state in
                guard let value = Self.value(of: field, run, state) else { return false }
                return Self.compare(value, comparison, literal, regex: regex)
            }
        }
    }

    /// A field's value on a run: text, a number or a truth value; nil when the run lacks it.
    private static func value(of field: Field, _ run: RunState, _ state: DashboardState) -> Literal? {
        switch field {
        case .best(let metric):
            return run.bestValue(of: metric, goal: state.goal(of: metric)).map(Literal.number)
        case .config(let key):
            return run.configValue(key).flatMap(literal)
        case .name(let name):
            switch name.lowercased() {
            case "id": return .text(run.id)
            case "parent": return run.parent.map(Literal.text)
            case "task": return run.task.map(Literal.text)
            case "model": return run.model.map(Literal.text)
            case "status": return .text(state.status(of: run.id).rawValue)
            case "step": return .number(Double(run.latestStep))
            default: break
            }
            if let config = run.configValue(name) { return literal(config) }
            return run.latestValue(of: name).map(Literal.number)
        }
    }

    private static func literal(_ json: JSONValue) -> Literal? {
        switch json {
        case .number(let x): .number(x)
        case .string(let s): .text(s)
        case .bool(let b): .bool(b)
        case .null, .array, .object: .text(json.jsonText)
        }
    }

    private static func compare(_ value: Literal, _ comparison: Comparison, _ literal: Literal, regex: Regex<AnyRegexOutput>?) -> Bool {
        if let regex {
            let text: String
            switch value {
            case .text(let s): text = s
            case .number(let x): text = JSONValue.number(x).jsonText
            case .bool(let b): text = b ? "true" : "false"
            }
            let found = (try? regex.firstMatch(in: text)) != nil
            return comparison == .matches ? found : !found
        }
        switch (value, literal) {
        case let (.number(a), .number(b)):
            switch comparison {
            case .equal: return a == b
            case .notEqual: return a != b
            case .less: return a < b
            case .lessOrEqual: return a <= b
            case .greater: return a > b
            case .greaterOrEqual: return a >= b
            case .matches, .notMatches: return false
            }
        case let (.text(a), .text(b)):
            return comparison == .equal ? a == b : comparison == .notEqual && a != b
        case let (.bool(a), .bool(b)):
            return comparison == .equal ? a == b : comparison == .notEqual && a != b
        // A config string that reads as a number ("1e-3" in a YAML file) compares as one.
        case let (.text(a), .number(b)):
            guard let x = Double(a) else { return comparison == .notEqual }
            return compare(.number(x), comparison, .number(b), regex: nil)
        default:
            return comparison == .notEqual
        }
    }
}
