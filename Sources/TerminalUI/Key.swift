/// A key press as the dashboard sees it, independent of the terminal library.
public enum Key: Sendable, Hashable, CustomStringConvertible {
    case character(Character)
    case up, down, left, right
    /// Shift+← and Shift+→ (larger cursor steps).
    case shiftLeft, shiftRight
    case tab, backTab, enter, escape, backspace
    case pageUp, pageDown, home, end

    /// How the key is written in the help overlay.
    public var description: String {
        switch self {
        case .character(" "): "space"
        case .character(let c): String(c)
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .shiftLeft: "S-←"
        case .shiftRight: "S-→"
        case .tab: "Tab"
        case .backTab: "S-Tab"
        case .enter: "Enter"
        case .escape: "Esc"
        case .backspace: "Bksp"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        }
    }
}
