import JSONCore
import Telemetry

/// One config key: its snake_case name (identical in `--set`, config files, knob specs and control
/// messages), its type and accepted range, and a one-line summary.
public struct ConfigKey: Sendable {
    public enum Kind: Sendable {
        /// An integer in the closed range.
        case int(ClosedRange<Int>)
        /// A real in a range; `lowerOpen` excludes the lower bound, `upperOpen` the upper.
        case real(ClosedRange<Double>, lowerOpen: Bool = false, upperOpen: Bool = false)
        case choice([String])
    }

    public let name: String
    public let kind: Kind
    public let summary: String
    /// True when the key can change while the run goes (announced as a knob).
    public let isKnob: Bool
    /// Knob nudge scale.
    public let scale: KnobScale

    init(_ name: String, _ kind: Kind, _ summary: String, knob: Bool, scale: KnobScale) {
        self.name = name; self.kind = kind; self.summary = summary; self.isKnob = knob; self.scale = scale
    }

    /// An integer key in `range`.
    init(_ field: ConfigField<Int>, _ range: ClosedRange<Int>, _ summary: String, knob: Bool = false) {
        self.init(field.name, .int(range), summary, knob: knob, scale: .linear)
    }

    /// A real key in `range`, either end excluded when open.
    init(_ field: ConfigField<Double>, _ range: ClosedRange<Double>, lowerOpen: Bool = false, upperOpen: Bool = false,
         _ summary: String, knob: Bool = false, scale: KnobScale = .linear) {
        self.init(field.name, .real(range, lowerOpen: lowerOpen, upperOpen: upperOpen), summary, knob: knob, scale: scale)
    }

    /// A key whose values are the cases of `Choice`.
    init<Choice: ConfigChoice>(_ field: ConfigField<Choice>, _ summary: String, knob: Bool = false) {
        self.init(field.name, .choice(Choice.names), summary, knob: knob, scale: .linear)
    }

    /// The knob spec announced for this key with `value`: its bounds (open ones included), scale
    /// and nudge step, all from this table, so the dashboard offers exactly what the engine accepts.
    public func knobSpec(value: ConfigValue) -> KnobSpec {
        let current: KnobValue
        switch value {
        case .text(let s): current = .choice(s)
        case .int(let i): current = .number(Double(i))
        case .real(let x): current = .number(x)
        }
        switch kind {
        case .choice(let options):
            return KnobSpec(name: name, value: current, choices: options)
        case .int(let range):
            return KnobSpec(name: name, value: current, min: Double(range.lowerBound), max: Double(range.upperBound), scale: scale, step: 1)
        case .real(let range, let lowerOpen, let upperOpen):
            return KnobSpec(name: name, value: current, min: range.lowerBound, max: range.upperBound, minOpen: lowerOpen, maxOpen: upperOpen,
                            scale: scale, step: scale == .log ? 2 : (range.upperBound <= 1 ? 0.01 : 0.1))
        }
    }

    /// Parses and range-checks a value given as text (`--set key=value`).
    public func parse(_ text: String) throws(ConfigError) -> ConfigValue {
        switch kind {
        case .int:
            guard let i = Int(text) else { throw ConfigError("\(name) must be an integer, got '\(text)'") }
            return try check(.int(i))
        case .real:
            guard let x = Double(text) else { throw ConfigError("\(name) must be a number, got '\(text)'") }
            return try check(.real(x))
        case .choice:
            return try check(.text(text))
        }
    }

    /// Converts and range-checks a JSON value (config files, control messages).
    public func value(from json: JSONValue) throws(ConfigError) -> ConfigValue {
        switch (kind, json) {
        case (.int, .number(let x)):
            guard x.isFinite, x == x.rounded(), abs(x) < 1e15 else { throw ConfigError("\(name) must be an integer, got \(json.jsonText)") }
            return try check(.int(Int(x)))
        case (.real, .number(let x)): return try check(.real(x))
        case (.real, .string(let s)) where Double(s) != nil: return try check(.real(Double(s)!))
        case (.choice, .string(let s)): return try check(.text(s))
        // A choice named by a number (`"bits": 4`) reads as that number's text.
        case (.choice, .number(let x)) where x.isFinite: return try check(.text(json.jsonText))
        case (.int, _): throw ConfigError("\(name) must be an integer, got \(json.typeName)")
        case (.real, _): throw ConfigError("\(name) must be a number, got \(json.typeName)")
        case (.choice, _): throw ConfigError("\(name) must be a string, got \(json.typeName)")
        }
    }

    /// Range-checks a typed value.
    public func check(_ value: ConfigValue) throws(ConfigError) -> ConfigValue {
        switch (kind, value) {
        case (.int(let range), .int(let i)):
            guard range.contains(i) else { throw ConfigError("\(name) must be in \(range.lowerBound)…\(range.upperBound), got \(i)") }
            return value
        case (.real(let range, let lowerOpen, let upperOpen), .real), (.real(let range, let lowerOpen, let upperOpen), .int):
            let x: Double
            switch value {
            case .real(let r): x = r
            case .int(let i): x = Double(i)
            case .text: preconditionFailure("unreachable: text matched a numeric pattern")
            }
            guard x.isFinite else { throw ConfigError("\(name) must be a finite number, got \(value)") }
            let aboveLower = lowerOpen ? x > range.lowerBound : x >= range.lowerBound
            let belowUpper = upperOpen ? x < range.upperBound : x <= range.upperBound
            guard aboveLower && belowUpper else {
                let lower = lowerOpen ? "(" : "[", upper = upperOpen ? ")" : "]"
                throw ConfigError("\(name) must be in \(lower)\(JSONValue.number(range.lowerBound).jsonText), \(JSONValue.number(range.upperBound).jsonText)\(upper), got \(value)")
            }
            return .real(x)
        case (.choice(let options), .text(let s)):
            guard options.contains(s) else { throw ConfigError("\(name) must be one of \(options.joined(separator: ", ")), got '\(s)'") }
            return value
        default:
            throw ConfigError("\(name) has the wrong type: \(value)")
        }
    }
}
