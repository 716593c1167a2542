/// One key set to a value, typed by its field (presets are lists of these).
public struct ConfigSetting: Sendable, Equatable {
    public let name: String
    public let value: ConfigValue

    /// `field` set to `value`.
    public init<Value>(_ field: ConfigField<Value>, _ value: Value) {
        name = field.name; self.value = value.configValue
    }
}


extension ConfigSetting {
    /// `key=value` (as `--set` takes it): the key found in the table, the value parsed and range-checked.
    public init(assignment text: String) throws(ConfigError) {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else { throw ConfigError("expected key=value") }
        name = String(text[..<eq])
        value = try TrainingConfig.lookup(name).parse(String(text[text.index(after: eq)...]))
    }
}
