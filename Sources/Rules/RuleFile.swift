import Telemetry

/// Closed-loop rules for a training run (`trainscope run --rules FILE`), one per line:
///
///     NAME: when CONDITION then ACTION[, ACTION…]
///
/// CONDITION is a comparison of expressions over the run's latest metric values (the `check`
/// grammar without aggregates and windows), `METRIC is nan` (NaN or ±∞: a diverging loss is
/// usually ∞ first) / `METRIC is not finite` (the same), or `phase NAME` (that phase event arrived). ACTIONS:
/// `set KNOB = VALUE`, `scale KNOB by FACTOR`, `rollback`, `pause`, `checkpoint`, `snapshot`.
/// `#` starts a comment. Names are the run's scalar metrics, `step`, and `sharpness`, `lambdaN`,
/// `trace` from spectra. A rule fires when its condition becomes true (it was false or unknown at
/// the previous evaluation), once per such transition.
public struct RuleFile: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        public var name: String
        public var condition: Condition
        public var actions: [Action]
        /// 1-based line in the file.
        public var line: Int
    }

    public enum Condition: Sendable, Equatable {
        case compare(CheckRule.Expression, CheckRule.Comparison, CheckRule.Expression)
        case isNaN(String)
        case isNotFinite(String)
        /// A `phase` event of this name (memorization, generalization, diverged, …) has arrived.
        case phase(String)
    }

    public enum Action: Sendable, Equatable {
        case set(knob: String, value: KnobValue)
        case scale(knob: String, factor: Double)
        case rollback, pause, checkpoint, snapshot
    }

    public var rules: [Rule]

    /// Parses a rules file; `source` names it in errors (`rules.txt:3:17: …`).
    public static func parse(_ text: String, source: String) throws(RuleFileError) -> RuleFile {
        var rules: [Rule] = []
        // Split on scalars: "\r\n" is one Character, so a CRLF file would not split on "\n".
        for (index, raw) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            var content = String(String.UnicodeScalarView(raw))
            if content.unicodeScalars.last == "\r" { content.unicodeScalars.removeLast() }
            if let hash = content.firstIndex(of: "#") { content = String(content[..<hash]) }
            guard content.contains(where: { $0 != " " && $0 != "\t" }) else { continue }
            do throws(CheckRuleError) {
                var parser = try RuleParser(content)
                guard case .name(let name) = parser.current.kind else { throw parser.fail("expected a rule name, then ':'") }
                parser.advance()
                guard parser.current.kind == .symbol(":") else { throw parser.fail("expected ':' after the rule name") }
                parser.advance()
                guard parser.isKeyword("when") else { throw parser.fail("expected 'when' and a condition") }
                parser.advance()
                let condition = try parser.condition()
                guard parser.isKeyword("then") else { throw parser.fail("expected 'then' and an action, found \(parser.current.display)") }
                parser.advance()
                var actions = [try parser.action()]
                while parser.current.kind == .symbol(",") {
                    parser.advance()
                    actions.append(try parser.action())
                }
                try parser.end()
                guard !rules.contains(where: { $0.name == name }) else {
                    throw CheckRuleError(column: 1, reason: "a rule named '\(name)' is already defined")
                }
                rules.append(Rule(name: name, condition: condition, actions: actions, line: line))
            } catch {
                throw RuleFileError(source: source, line: line, column: error.column, reason: error.reason)
            }
        }
        return RuleFile(rules: rules)
    }

    /// The knobs the rules set or scale (checked against the engine's knobs before the run starts).
    public var knobs: [String] {
        rules.flatMap { $0.actions.compactMap { a -> String? in
            switch a {
            case .set(let k, _), .scale(let k, _): k
            default: nil
            }
        } }
    }
}

/// A rules file that does not parse: where, and why.
public struct RuleFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    public var line: Int
    public var column: Int
    public var reason: String
    public var description: String { "\(source):\(line):\(column): \(reason)" }
}

extension RuleParser {
    mutating func condition() throws(CheckRuleError) -> RuleFile.Condition {
        if isKeyword("phase") {
            advance()
            guard case .name(let name) = current.kind else { throw fail("expected a phase name after 'phase'") }
            advance()
            return .phase(name)
        }
        if case .name(let metric) = current.kind, tokens.count > position + 1, tokens[position + 1].kind == .name("is") {
            advance()
            advance()
            if isKeyword("nan") { advance(); return .isNaN(metric) }
            if isKeyword("not") {
                advance()
                guard isKeyword("finite") else { throw fail("expected 'finite' after 'is not'") }
                advance()
                return .isNotFinite(metric)
            }
            throw fail("expected 'nan' or 'not finite' after 'is'")
        }
        let left = try ruleExpression()
        let comparison = try self.comparison()
        let right = try ruleExpression()
        return .compare(left, comparison, right)
    }

    /// An expression without aggregates (rules see the latest values only).
    mutating func ruleExpression() throws(CheckRuleError) -> CheckRule.Expression {
        let start = current.column
        let e = try expression()
        if !CheckRule.aggregatedNames(e).isEmpty {
            throw CheckRuleError(column: start, reason: "aggregates (min, max, mean, first, last) are for `check`; rules compare the latest values")
        }
        return e
    }

    mutating func action() throws(CheckRuleError) -> RuleFile.Action {
        guard case .name(let word) = current.kind else { throw fail("expected an action (set, scale, rollback, pause, checkpoint, snapshot)") }
        advance()
        switch word {
        case "rollback": return .rollback
        case "pause": return .pause
        case "checkpoint": return .checkpoint
        case "snapshot": return .snapshot
        case "set":
            guard case .name(let knob) = current.kind else { throw fail("expected a knob name after 'set'") }
            advance()
            guard current.kind == .symbol("=") else { throw fail("expected '=' after 'set \(knob)'") }
            advance()
            switch current.kind {
            case .number(let x): advance(); return .set(knob: knob, value: .number(x))
            case .name(let choice): advance(); return .set(knob: knob, value: .choice(choice))
            default: throw fail("expected a number or a choice after 'set \(knob) ='")
            }
        case "scale":
            guard case .name(let knob) = current.kind else { throw fail("expected a knob name after 'scale'") }
            advance()
            guard isKeyword("by") else { throw fail("expected 'by' after 'scale \(knob)'") }
            advance()
            guard case .number(let factor) = current.kind, factor > 0 else { throw fail("expected a positive factor after 'by'") }
            advance()
            return .scale(knob: knob, factor: factor)
        default:
            position -= 1
            throw fail("unknown action '\(word)' (set, scale, rollback, pause, checkpoint, snapshot)")
        }
    }
}

/// Evaluates a rule file on a run's events as they come: the latest value of every metric, and
/// which conditions held at the previous evaluation (a rule fires on the transition to true).
public struct RuleEvaluator: Sendable {
    public let file: RuleFile
    private var latest: [String: Double] = [:]
    private var held: [String: Bool] = [:]
    private var phases: Set<String> = []

    public init(_ file: RuleFile) { self.file = file }

    /// Takes the main run's events of one step; returns the rules that fire now, in file order.
    public mutating func observe(_ events: [TelemetryEvent], run: String) -> [RuleFile.Rule] {
        var sawValues = false
        for event in events {
            switch event {
            case .scalars(let s) where s.run == nil || s.run == run:
                for (k, v) in s.values { latest[k] = v }
                latest["step"] = Double(s.step)
                sawValues = true
            case .phase(let p) where p.run == nil || p.run == run:
                phases.insert(p.name)
                sawValues = true
            case .spectrum(let e) where (e.run == nil || e.run == run) && e.block == nil:
                if let top = e.top.first { latest["sharpness"] = top; latest["lambda1"] = top }
                for (i, v) in e.top.enumerated() { latest["lambda\(i + 1)"] = v }
                if let t = e.trace { latest["trace"] = t }
                sawValues = true
            default: break
            }
        }
        guard sawValues else { return [] }
        var firing: [RuleFile.Rule] = []
        for rule in file.rules {
            let now = holds(rule.condition)
            if now && held[rule.name] != true { firing.append(rule) }
            held[rule.name] = now
        }
        return firing
    }

    /// After `rule` rolled the run back: the latest values are gone (the restored state has its
    /// own), and that rule may fire again; the others keep what held, so a rule that fired before
    /// the restored step does not fire a second time.
    public mutating func rolledBack(by rule: String) {
        latest = [:]
        phases = []
        held[rule] = nil
    }

    private func holds(_ condition: RuleFile.Condition) -> Bool {
        switch condition {
        // A diverging loss usually becomes ∞ before NaN: `is nan` means "not a number any more".
        case .isNaN(let m): return latest[m].map { !$0.isFinite } ?? false
        case .isNotFinite(let m): return latest[m].map { !$0.isFinite } ?? false
        case .phase(let name): return phases.contains(name)
        case .compare(let l, let c, let r):
            guard let a = value(l), let b = value(r) else { return false }
            return c.holds(a, b)
        }
    }

    private func value(_ e: CheckRule.Expression) -> Double? {
        switch e {
        case .number(let x): return x
        case .metric(let m): return latest[m]
        case .aggregate: return nil
        case .negate(let inner): return value(inner).map { -$0 }
        case .binary(let op, let l, let r):
            guard let a = value(l), let b = value(r) else { return nil }
            switch op {
            case "+": return a + b
            case "-": return a - b
            case "*": return a * b
            default: return a / b
            }
        }
    }
}
