/// A Swift type a config value is read as: `Int`, `Double`, or a choice enum.
public protocol ConfigRepresentable: Sendable {
    /// The value held in the config, nil when it has another type.
    init?(configValue: ConfigValue)
    /// As a config value.
    var configValue: ConfigValue { get }
}

/// A config key with the Swift type of its value: `config[.lr]` is a `Double`,
/// `config[.optimizer]` an `OptimizerKind`. The fields are declared in `ConfigField+Keys.swift`,
/// next to the table of bounds they name, so a misspelt key is a compile error.
public struct ConfigField<Value: ConfigRepresentable>: Sendable {
    /// The key's snake_case name (as in `--set`, config files, knob specs and control messages).
    public let name: String

    init(_ name: String) { self.name = name }
}

extension Int: ConfigRepresentable {
    public init?(configValue: ConfigValue) {
        guard case .int(let i) = configValue else { return nil }
        self = i
    }

    public var configValue: ConfigValue { .int(self) }
}

extension Double: ConfigRepresentable {
    /// Integers read as reals too (a JSON config may write `1` for `1.0`).
    public init?(configValue: ConfigValue) {
        switch configValue {
        case .real(let x): self = x
        case .int(let i): self = Double(i)
        case .text: return nil
        }
    }

    public var configValue: ConfigValue { .real(self) }
}

