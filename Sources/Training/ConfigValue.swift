import JSONCore

/// A config value: integers, reals and choices.
public enum ConfigValue: Sendable, Equatable, CustomStringConvertible {
    case int(Int)
    case real(Double)
    case text(String)

    public var description: String {
        switch self {
        case .int(let i): String(i)
        case .real(let x): x.isFinite ? JSONValue.number(x).jsonText : String(x)
        case .text(let s): s
        }
    }

    /// As JSON (for the `run` event and checkpoint metadata).
    public var jsonValue: JSONValue {
        switch self {
        case .int(let i): .number(Double(i))
        case .real(let x): .number(x)
        case .text(let s): .string(s)
        }
    }
}

/// Why a config or a `--set` was refused: one line, naming the key and where it came from.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
