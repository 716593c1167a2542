/// What a key does in the dashboard.
public enum KeyAction: Sendable, Equatable {
    case quit
    case togglePause
    case toggleHelp
}

/// One key binding: the key, its action, and the line the help overlay shows for it.
public struct KeyBinding: Sendable, Equatable {
    public let key: Character
    /// How the key is written in the help (`space` for " ").
    public let label: String
    public let action: KeyAction
    public let summary: String
}

/// The dashboard's keys: `update` dispatches through this table and the help overlay is generated
/// from it, so a binding is never described by hand in a second place.
public enum Keymap {
    public static let bindings: [KeyBinding] = [
        KeyBinding(key: " ", label: "space", action: .togglePause, summary: "pause or resume the run"),
        KeyBinding(key: "?", label: "?", action: .toggleHelp, summary: "show or hide this help"),
        KeyBinding(key: "q", label: "q", action: .quit, summary: "quit (the terminal is restored)"),
    ]

    /// The action bound to `key`, if any.
    public static func action(for key: Character) -> KeyAction? { bindings.first { $0.key == key }?.action }
}
