import JSONCore

/// Reads the `hparams.yaml` that PyTorch Lightning writes beside `metrics.csv` (`yaml.dump` of the
/// hyperparameters) into a run config: the block-mapping subset that dump produces. Nested
/// mappings become dotted keys (`model.hidden`), sequences (`- x` items or `[a, b]`) arrays of
/// scalars, and plain, quoted, numeric, boolean and null scalars what they say. A line it cannot
/// read is reported with its line and column and skipped; the rest of the file is kept.
public enum HParamsFile {
    /// The config, and a problem for each line that was skipped.
    public static func read(_ text: String, source: String) -> (config: JSONObject, problems: [SourceProblem]) {
        var config = JSONObject()
        var problems: [SourceProblem] = []
        // Open mappings: the indentation of their keys and their dotted names.
        var parents: [(indent: Int, key: String)] = []
        // The key whose `- item` lines are being collected, and its indentation.
        var list: (key: String, indent: Int, items: [JSONValue])?
        /// Ends the open key at a line indented `indent`: a list when it had items, nothing when
        /// nested keys follow (deeper lines), else null.
        func closeList(at indent: Int) {
            if let open = list {
                if !open.items.isEmpty { config[open.key] = .array(open.items) } else if indent <= open.indent { config[open.key] = .null }
            }
            list = nil
        }
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            func problem(_ column: Int, _ reason: String) {
                problems.append(SourceProblem(source: source, position: "line \(number), column \(column)", reason: reason))
            }
            var line = Substring(raw)
            if line.hasSuffix("\r") { line = line.dropLast() }
            let content = line.drop { $0 == " " }
            let indent = line.count - content.count
            if content.isEmpty || content.hasPrefix("#") || content == "---" || content == "..." { continue }
            if content.hasPrefix("\t") {
                problem(indent + 1, "a tab in the indentation (YAML indents with spaces); line skipped")
                continue
            }
            if content == "-" || content.hasPrefix("- ") {
                guard let open = list, indent >= open.indent else {
                    problem(indent + 1, "a list item outside a list; line skipped")
                    continue
                }
                let item = content.dropFirst(1).drop { $0 == " " }
                switch scalar(item) {
                case .success(let value): list!.items.append(value)
                case .failure(let error): problem(indent + 3, "\(error.reason); item skipped")
                }
                continue
            }
            closeList(at: indent)
            while let last = parents.last, last.indent >= indent { parents.removeLast() }
            guard let colon = keyEnd(content) else {
                problem(indent + 1, "expected `key: value`; line skipped")
                continue
            }
            var key = String(content[..<colon]).trimmed
            if key.count >= 2, let first = key.first, first == key.last, first == "'" || first == "\"" { key = String(key.dropFirst().dropLast()) }
            guard !key.isEmpty else {
                problem(indent + 1, "a key is empty; line skipped")
                continue
            }
            let name = (parents.map(\.key) + [key]).joined(separator: ".")
            let rest = content[content.index(after: colon)...].drop { $0 == " " }
            if rest.isEmpty || rest.hasPrefix("#") {
                // A nested mapping or a block sequence follows (or nothing: null).
                guard parents.count < 32 else {
                    problem(indent + 1, "nested more than 32 levels; line skipped")
                    continue
                }
                parents.append((indent, key))
                list = (name, indent, [])
                continue
            }
            switch scalar(rest) {
            case .success(let value): config[name] = value
            case .failure(let error): problem(line.count - rest.count + 1, "\(error.reason) for '\(name)'; line skipped")
            }
        }
        closeList(at: 0)
        return (config, problems)
    }

    /// The colon that ends a key: the first `: ` or a final `:` outside quotes.
    private static func keyEnd(_ s: Substring) -> Substring.Index? {
        var quote: Character?
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == ":" {
                let next = s.index(after: i)
                if next == s.endIndex || s[next] == " " { return i }
            }
            i = s.index(after: i)
        }
        return nil
    }

    /// A scalar or a flow sequence of scalars.
    private static func scalar(_ text: Substring) -> Result<JSONValue, ScalarError> {
        var s = text.trimmed[...]
        if let hash = s.range(of: " #"), !s.hasPrefix("'"), !s.hasPrefix("\"") { s = s[..<hash.lowerBound] }
        if s.hasPrefix("!") { return .failure(ScalarError("a tagged value (\(s.prefix { $0 != " " }.prefix(60))) is not plain data")) }
        if s == "|" || s == ">" || s.hasPrefix("|") || s.hasPrefix(">") { return .failure(ScalarError("block strings are not read")) }
        if s.hasPrefix("[") {
            guard s.hasSuffix("]") else { return .failure(ScalarError("a '[' list is never closed")) }
            let inner = s.dropFirst().dropLast()
            if inner.trimmed.isEmpty { return .success(.array([])) }
            var items: [JSONValue] = []
            for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
                switch scalar(part) {
                case .success(let v): items.append(v)
                case .failure(let e): return .failure(e)
                }
            }
            return .success(.array(items))
        }
        if s.hasPrefix("'") || s.hasPrefix("\"") {
            let quote = s.first!
            guard s.count >= 2, s.last == quote else { return .failure(ScalarError("a quoted string is never closed")) }
            let body = String(s.dropFirst().dropLast())
            return .success(.string(quote == "'" ? body.replacingDoubledQuotes : body))
        }
        switch s.lowercased() {
        case "true": return .success(.bool(true))
        case "false": return .success(.bool(false))
        case "null", "~", "": return .success(.null)
        case ".nan": return .success(.number(.nan))
        case ".inf", "+.inf": return .success(.number(.infinity))
        case "-.inf": return .success(.number(-.infinity))
        default: break
        }
        if let x = Double(s), s.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true { return .success(.number(x)) }
        return .success(.string(String(s)))
    }

    private struct ScalarError: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}

private extension StringProtocol {
    /// A single-quoted YAML string's `''` as `'`.
    var replacingDoubledQuotes: String {
        var out = ""
        var previousQuote = false
        for c in self {
            if c == "'" && previousQuote { previousQuote = false; continue }
            previousQuote = c == "'"
            out.append(c)
        }
        return out
    }
}
