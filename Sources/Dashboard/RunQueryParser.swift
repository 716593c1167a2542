/// Turns the text of a run query into its expression, or an error with a column.
///
/// Grammar (keywords are case-insensitive):
///
///     query      := idPattern | or
///     or         := and ('or' and)*
///     and        := unary ('and' unary)*
///     unary      := 'not' unary | '(' or ')' | comparison
///     comparison := field operator value
///     field      := 'best(' name ')' | name
///     operator   := == | != | < | <= | > | >= | ~ | !~
///     value      := number | true | false | "text" | 'text' | word
///
/// Text with no operator character (`= < > ~ !`) outside quotes is an `idPattern`: a regular
/// expression searched in the run id.
struct RunQueryParser {
    private let text: String
    private let characters: [Character]
    private var position = 0

    init(_ text: String) {
        self.text = text
        characters = Array(text)
    }

    mutating func parse() throws(RunQueryError) -> RunQuery.Expression {
        guard !characters.allSatisfy(\.isWhitespace) else { throw fail(at: 0, "empty query") }
        if !hasOperator {
            let pattern = text.trimmingWhitespace
            guard (try? Regex(pattern)) != nil else {
                throw fail(at: characters.firstIndex { !$0.isWhitespace } ?? 0, "'\(pattern)' is not a regular expression")
            }
            return .idPattern(pattern)
        }
        let expression = try parseOr()
        skipSpaces()
        if position < characters.count {
            throw fail(at: position, "expected 'and', 'or' or the end of the query, got '\(word(at: position))'")
        }
        return expression
    }

    /// True when an operator character appears outside quotes.
    private var hasOperator: Bool {
        var quote: Character?
        for c in characters {
            if let q = quote {
                if c == q { quote = nil }
                continue
            }
            if c == "\"" || c == "'" { quote = c } else if "=<>~!".contains(c) { return true }
        }
        return false
    }

    // MARK: - Expressions

    private mutating func parseOr() throws(RunQueryError) -> RunQuery.Expression {
        var left = try parseAnd()
        while takeKeyword("or") { left = .or(left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws(RunQueryError) -> RunQuery.Expression {
        var left = try parseUnary()
        while takeKeyword("and") { left = .and(left, try parseUnary()) }
        return left
    }

    private mutating func parseUnary() throws(RunQueryError) -> RunQuery.Expression {
        if takeKeyword("not") { return .not(try parseUnary()) }
        skipSpaces()
        if position < characters.count, characters[position] == "(" {
            let open = position
            position += 1
            let inner = try parseOr()
            skipSpaces()
            guard position < characters.count, characters[position] == ")" else {
                throw fail(at: position < characters.count ? position : open, position < characters.count
                           ? "expected ')' to close the '(' at column \(open + 1)" : "the '(' at column \(open + 1) is never closed")
            }
            position += 1
            return inner
        }
        return try parseComparison()
    }

    private mutating func parseComparison() throws(RunQueryError) -> RunQuery.Expression {
        skipSpaces()
        let fieldStart = position
        let field = try parseField()
        skipSpaces()
        let operatorStart = position
        guard let comparison = takeOperator() else {
            let got = position < characters.count ? "got '\(word(at: position))'" : "the query ends"
            throw fail(at: operatorStart, "expected a comparison (== != < <= > >= ~ !~) after '\(String(characters[fieldStart..<operatorStart]).trimmingWhitespace)', \(got)")
        }
        skipSpaces()
        let valueStart = position
        guard position < characters.count else {
            throw fail(at: valueStart, "expected a value after '\(comparison.rawValue)'")
        }
        let value = try parseValue(patternAllowed: comparison.isPattern)
        if comparison.isOrdering, case .number = value {} else if comparison.isOrdering {
            throw fail(at: valueStart, "'\(comparison.rawValue)' compares numbers; '\(String(characters[valueStart..<position]))' is not a number")
        }
        if comparison.isPattern, case .text(let pattern) = value, (try? Regex(pattern)) == nil {
            throw fail(at: valueStart, "'\(pattern)' is not a regular expression")
        }
        if comparison.isPattern, case .text = value {} else if comparison.isPattern {
            throw fail(at: valueStart, "'\(comparison.rawValue)' needs a regular expression")
        }
        return .comparison(field, comparison, value)
    }

    private mutating func parseField() throws(RunQueryError) -> RunQuery.Field {
        let start = position
        let name = takeWord()
        guard !name.isEmpty else {
            let got = position < characters.count ? "got '\(characters[position])'" : "the query ends"
            throw fail(at: start, "expected a run field (id, a config key or a metric), \(got)")
        }
        if name.lowercased() == "best", position < characters.count, characters[position] == "(" {
            position += 1
            let metricStart = position
            while position < characters.count, characters[position] != ")", !characters[position].isWhitespace { position += 1 }
            let metric = String(characters[metricStart..<position])
            guard !metric.isEmpty else { throw fail(at: metricStart, "expected a metric name in best(…)") }
            guard position < characters.count, characters[position] == ")" else { throw fail(at: position, "expected ')' after best(\(metric)") }
            position += 1
            return .best(metric)
        }
        if name.hasPrefix("config."), name.count > 7 { return .config(String(name.dropFirst(7))) }
        return .name(name)
    }

    private mutating func parseValue(patternAllowed: Bool) throws(RunQueryError) -> RunQuery.Literal {
        let start = position
        if characters[position] == "\"" || characters[position] == "'" {
            let quote = characters[position]
            position += 1
            var value = ""
            while position < characters.count, characters[position] != quote {
                if characters[position] == "\\", position + 1 < characters.count, characters[position + 1] == quote { position += 1 }
                value.append(characters[position])
                position += 1
            }
            guard position < characters.count else { throw fail(at: start, "the quote at column \(start + 1) is never closed") }
            position += 1
            return .text(value)
        }
        // A pattern runs to the next space (parentheses belong to it); other values stop at ')' too.
        while position < characters.count, !characters[position].isWhitespace, patternAllowed || characters[position] != ")" { position += 1 }
        let word = String(characters[start..<position])
        guard !word.isEmpty else { throw fail(at: start, "expected a value, got '\(characters[start])'") }
        if let number = Double(word), !word.lowercased().contains("n") { return .number(number) }
        switch word.lowercased() {
        case "true": return .bool(true)
        case "false": return .bool(false)
        default: return .text(word)
        }
    }

    // MARK: - Tokens

    private mutating func skipSpaces() {
        while position < characters.count, characters[position].isWhitespace { position += 1 }
    }

    /// A field name: everything up to a space, an operator character or a parenthesis.
    private mutating func takeWord() -> String {
        let start = position
        while position < characters.count, !characters[position].isWhitespace, !"=<>~!()".contains(characters[position]) { position += 1 }
        return String(characters[start..<position])
    }

    /// The keyword when it is the next whole word (case-insensitive).
    private mutating func takeKeyword(_ keyword: String) -> Bool {
        skipSpaces()
        let end = position + keyword.count
        guard end <= characters.count, String(characters[position..<end]).lowercased() == keyword,
              end == characters.count || characters[end].isWhitespace || characters[end] == "(" else { return false }
        position = end
        return true
    }

    private mutating func takeOperator() -> RunQuery.Comparison? {
        // Two-character operators first, so `<=` is not read as `<`.
        for comparison in RunQuery.Comparison.allCases.sorted(by: { $0.rawValue.count > $1.rawValue.count }) {
            let symbol = Array(comparison.rawValue)
            if position + symbol.count <= characters.count, Array(characters[position..<(position + symbol.count)]) == symbol {
                position += symbol.count
                return comparison
            }
        }
        if position < characters.count, characters[position] == "=" {
            position += 1
            return .equal
        }
        return nil
    }

    /// The text from `index` to the next space, for messages.
    private func word(at index: Int) -> String {
        var end = index
        while end < characters.count, !characters[end].isWhitespace { end += 1 }
        return String(characters[index..<Swift.max(end, Swift.min(index + 1, characters.count))])
    }

    private func fail(at index: Int, _ reason: String) -> RunQueryError {
        RunQueryError(query: text, column: index + 1, reason: reason)
    }
}

extension String {
    /// The string without leading and trailing whitespace.
    var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
