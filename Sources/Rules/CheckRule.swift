/// One assertion of `trainscope check`, parsed from text such as `max(train/loss) < 5 after 100`,
/// `sharpness <= 2.2/lr after 500` or `phase generalization before 3000`.
///
/// Grammar (keywords are lower case; `/` inside a name is part of it, so write `a / b` to divide):
///
///     rule       = comparison [window] | ["no"] "phase" NAME [phase-test]
///     comparison = expr ("<" | "<=" | ">" | ">=" | "==" | "!=") expr
///     expr       = term {("+" | "-") term}        term = factor {("*" | "/") factor}
///     factor     = NUMBER | NAME | AGG "(" NAME ")" | "(" expr ")" | "-" factor
///     AGG        = "min" | "max" | "mean" | "first" | "last"
///     window     = "after" STEP | "before" STEP | "between" STEP "and" STEP     (inclusive)
///     phase-test = "before" STEP | "after" STEP | "delay" CMP NUMBER
///
/// A comparison with bare names must hold at every step of the window where all its names have a
/// value (each name carries its latest value forward); one with only aggregates and numbers is
/// checked once. Names are scalar metrics, or `sharpness`, `lambda1`…, `trace` from spectra.
public struct CheckRule: Sendable, Equatable {
    public var text: String
    public var body: Body

    public indirect enum Expression: Sendable, Equatable {
        case number(Double)
        case metric(String)
        case aggregate(Aggregate, String)
        case binary(Character, Expression, Expression)
        case negate(Expression)
    }

    public enum Aggregate: String, Sendable, Equatable, CaseIterable { case min, max, mean, first, last }

    public enum Comparison: String, Sendable, Equatable, CaseIterable {
        case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "==", notEqual = "!="

        func holds(_ a: Double, _ b: Double) -> Bool {
            switch self {
            case .less: a < b
            case .lessOrEqual: a <= b
            case .greater: a > b
            case .greaterOrEqual: a >= b
            case .equal: a == b
            case .notEqual: a != b
            }
        }
    }

    /// Steps a rule looks at, ends included.
    public enum Window: Sendable, Equatable {
        case all
        case after(Int)
        case before(Int)
        case between(Int, Int)

        func contains(_ step: Int) -> Bool {
            switch self {
            case .all: true
            case .after(let a): step >= a
            case .before(let b): step <= b
            case .between(let a, let b): step >= a && step <= b
            }
        }
    }

    public enum PhaseTest: Sendable, Equatable {
        case present
        case before(Int)
        case after(Int)
        case delay(Comparison, Double)
    }

    public enum Body: Sendable, Equatable {
        case compare(Expression, Comparison, Expression, Window)
        case phase(name: String, test: PhaseTest, expected: Bool)
    }
}

/// A rule that does not parse: the 1-based column where it went wrong, and why.
public struct CheckRuleError: Error, Sendable, Equatable, CustomStringConvertible {
    public var column: Int
    public var reason: String
    public var description: String { "column \(column): \(reason)" }
}

extension CheckRule {
    /// Parses one rule.
    public static func parse(_ text: String) throws(CheckRuleError) -> CheckRule {
        var parser = try RuleParser(text)
        let body = try parser.rule()
        return CheckRule(text: text, body: body)
    }
}

/// A token and the column it starts at.
struct RuleToken: Equatable {
    enum Kind: Equatable {
        case number(Double)
        case name(String)
        case symbol(String)
        case end
    }

    var kind: Kind
    var column: Int

    var display: String {
        switch kind {
        case .number(let x): "\(x)"
        case .name(let n): "'\(n)'"
        case .symbol(let s): "'\(s)'"
        case .end: "the end of the rule"
        }
    }
}

struct RuleParser {
    /// The most parentheses and signs one value may be nested in.
    static let maxNesting = 32
    /// The most arithmetic operations one rule may hold.
    static let maxOperations = 256

    var tokens: [RuleToken]
    var position = 0
    // Both bound the depth of the expression tree, which evaluation (and freeing it) recurses
    // through: a rule file of 100k parentheses or a 200k-term sum is an error, not a stack overflow.
    private var nesting = 0
    private var operations = 0

    init(_ text: String) throws(CheckRuleError) { tokens = try Self.lex(text) }

    static func lex(_ text: String) throws(CheckRuleError) -> [RuleToken] {
        let chars = Array(text)
        var tokens: [RuleToken] = []
        var i = 0
        func isNameStart(_ c: Character) -> Bool { c.isLetter || c == "_" }
        func isNamePart(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "/" || c == "." }
        while i < chars.count {
            let c = chars[i]
            let column = i + 1
            if c == " " || c == "\t" { i += 1; continue }
            if c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber) {
                var j = i
                while j < chars.count, chars[j].isNumber || chars[j] == "." { j += 1 }
                if j < chars.count, chars[j] == "e" || chars[j] == "E" {
                    var k = j + 1
                    if k < chars.count, chars[k] == "+" || chars[k] == "-" { k += 1 }
                    if k < chars.count, chars[k].isNumber {
                        j = k
                        while j < chars.count, chars[j].isNumber { j += 1 }
                    }
                }
                guard let x = Double(String(chars[i..<j])) else { throw CheckRuleError(column: column, reason: "'\(String(chars[i..<j]))' is not a number") }
                tokens.append(RuleToken(kind: .number(x), column: column))
                i = j
            } else if isNameStart(c) {
                var j = i
                while j < chars.count, isNamePart(chars[j]) { j += 1 }
                // A trailing '/' or '.' belongs to what follows (`lr/` never names a metric).
                while j > i + 1, chars[j - 1] == "/" || chars[j - 1] == "." { j -= 1 }
                tokens.append(RuleToken(kind: .name(String(chars[i..<j])), column: column))
                i = j
            } else if c == "`" || c == "\"" {
                guard let close = chars[(i + 1)...].firstIndex(of: c) else {
                    throw CheckRuleError(column: column, reason: "unclosed \(c == "`" ? "backquote" : "quote") around a name")
                }
                tokens.append(RuleToken(kind: .name(String(chars[(i + 1)..<close])), column: column))
                i = close + 1
            } else if "<>=!".contains(c) {
                if i + 1 < chars.count, chars[i + 1] == "=" {
                    tokens.append(RuleToken(kind: .symbol(String(c) + "="), column: column))
                    i += 2
                } else if c == "!" {
                    throw CheckRuleError(column: column, reason: "'!' must be followed by '=' (comparisons: <, <=, >, >=, ==, !=)")
                } else {
                    tokens.append(RuleToken(kind: .symbol(String(c)), column: column))
                    i += 1
                }
            } else if "+-*/(),:".contains(c) {
                tokens.append(RuleToken(kind: .symbol(String(c)), column: column))
                i += 1
            } else {
                throw CheckRuleError(column: column, reason: "unexpected character '\(c)'")
            }
        }
        tokens.append(RuleToken(kind: .end, column: chars.count + 1))
        return tokens
    }

    var current: RuleToken { tokens[position] }

    mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    func fail(_ reason: String) -> CheckRuleError { CheckRuleError(column: current.column, reason: reason) }

    func isKeyword(_ word: String) -> Bool { current.kind == .name(word) }

    mutating func expect(_ symbol: String, _ context: String) throws(CheckRuleError) {
        guard current.kind == .symbol(symbol) else { throw fail("expected '\(symbol)' \(context), found \(current.display)") }
        advance()
    }

    mutating func rule() throws(CheckRuleError) -> CheckRule.Body {
        if isKeyword("no") || isKeyword("phase") {
            let expected = !isKeyword("no")
            if !expected {
                advance()
                guard isKeyword("phase") else { throw fail("expected 'phase' after 'no'") }
            }
            advance()
            guard case .name(let name) = current.kind else { throw fail("expected a phase name after 'phase', found \(current.display)") }
            advance()
            var test = CheckRule.PhaseTest.present
            if isKeyword("before") || isKeyword("after") {
                let before = isKeyword("before")
                advance()
                let step = try self.step()
                test = before ? .before(step) : .after(step)
            } else if isKeyword("delay") {
                guard expected else { throw fail("'no phase' takes no delay") }
                advance()
                let comparison = try self.comparison()
                guard case .number(let x) = current.kind else { throw fail("expected a number of steps, found \(current.display)") }
                advance()
                test = .delay(comparison, x)
            }
            try end()
            return .phase(name: name, test: test, expected: expected)
        }
        let left = try expression()
        let comparison = try self.comparison()
        let right = try expression()
        var window = CheckRule.Window.all
        if isKeyword("after") {
            advance()
            window = .after(try step())
        } else if isKeyword("before") {
            advance()
            window = .before(try step())
        } else if isKeyword("between") {
            advance()
            let a = try step()
            guard isKeyword("and") else { throw fail("expected 'and' in 'between A and B', found \(current.display)") }
            advance()
            let b = try step()
            guard b >= a else { throw fail("the range ends (\(b)) before it starts (\(a))") }
            window = .between(a, b)
        }
        try end()
        return .compare(left, comparison, right, window)
    }

    mutating func end() throws(CheckRuleError) {
        guard current.kind == .end else { throw fail("unexpected \(current.display) (a rule ends after its comparison and window)") }
    }

    mutating func step() throws(CheckRuleError) -> Int {
        guard case .number(let x) = current.kind, x >= 0, x == x.rounded(), x < 1e15 else {
            throw fail("expected a step (a whole number), found \(current.display)")
        }
        advance()
        return Int(x)
    }

    mutating func comparison() throws(CheckRuleError) -> CheckRule.Comparison {
        if current.kind == .symbol("=") { throw fail("'=' must be followed by '=' (comparisons: <, <=, >, >=, ==, !=)") }
        guard case .symbol(let s) = current.kind, let c = CheckRule.Comparison(rawValue: s) else {
            throw fail("expected a comparison (<, <=, >, >=, ==, !=), found \(current.display)")
        }
        advance()
        return c
    }

    mutating func expression() throws(CheckRuleError) -> CheckRule.Expression {
        var left = try term()
        while case .symbol(let s) = current.kind, s == "+" || s == "-" {
            try countOperation()
            advance()
            left = .binary(Character(s), left, try term())
        }
        return left
    }

    mutating func term() throws(CheckRuleError) -> CheckRule.Expression {
        var left = try factor()
        while case .symbol(let s) = current.kind, s == "*" || s == "/" {
            try countOperation()
            advance()
            left = .binary(Character(s), left, try factor())
        }
        return left
    }

    private mutating func countOperation() throws(CheckRuleError) {
        operations += 1
        guard operations <= Self.maxOperations else { throw fail("more than \(Self.maxOperations) operations in one rule") }
    }

    /// Parses a parenthesized or negated value one level deeper.
    private mutating func nested<T>(_ body: (inout RuleParser) throws(CheckRuleError) -> T) throws(CheckRuleError) -> T {
        guard nesting < Self.maxNesting else { throw fail("nested deeper than \(Self.maxNesting) levels of parentheses and signs") }
        nesting += 1
        defer { nesting -= 1 }
        return try body(&self)
    }

    mutating func factor() throws(CheckRuleError) -> CheckRule.Expression {
        switch current.kind {
        case .number(let x):
            advance()
            return .number(x)
        case .symbol("-"):
            try countOperation()
            return try nested { parser throws(CheckRuleError) in
                parser.advance()
                return .negate(try parser.factor())
            }
        case .symbol("("):
            return try nested { parser throws(CheckRuleError) in
                parser.advance()
                let inner = try parser.expression()
                try parser.expect(")", "to close '('")
                return inner
            }
        case .name(let name):
            advance()
            if let aggregate = CheckRule.Aggregate(rawValue: name), current.kind == .symbol("(") {
                advance()
                guard case .name(let metric) = current.kind else { throw fail("expected a metric name in \(name)(…), found \(current.display)") }
                advance()
                try expect(")", "after \(name)(\(metric)")
                return .aggregate(aggregate, metric)
            }
            if ["after", "before", "between", "and", "phase", "no", "delay"].contains(name) {
                position -= 1
                throw fail("expected a value (a number, a metric or min/max/mean/first/last(metric)), found the keyword '\(name)'")
            }
            return .metric(name)
        default:
            throw fail("expected a value (a number, a metric or min/max/mean/first/last(metric)), found \(current.display)")
        }
    }
}
