import TerminalUI

/// Assigns ncurses colour-pair numbers to (foreground, background) combinations on first use.
///
/// Pure bookkeeping (no curses calls), so it is tested without a terminal. Pair 0 is the
/// terminal's default pair; colours beyond what the terminal supports fall back to the nearest
/// of the 16 basic colours, or to the default when it has none.
public struct ColorPairTable: Sendable {
    /// Colours the terminal offers (ncurses `COLORS`): 0, 8, 16, 256 or more.
    public let colors: Int
    /// Pairs the terminal offers (ncurses `COLOR_PAIRS`).
    public let maxPairs: Int
    private var pairs: [PairKey: Int16] = [:]

    struct PairKey: Hashable { let foreground: Int16; let background: Int16 }

    public init(colors: Int, maxPairs: Int) { self.colors = colors; self.maxPairs = maxPairs }

    /// The ncurses colour number for `color` on this terminal (-1 is the terminal default).
    public func colorNumber(_ color: Color) -> Int16 {
        switch color {
        case .default: return -1
        case .indexed(let i):
            if colors >= 256 || Int(i) < colors { return Int16(i) }
            return colors >= 8 ? Self.basic(forIndexed: i, limit: colors) : -1
        case .rgb(let r, let g, let b):
            if colors >= 256 { return Int16(Self.cubeIndex(r, g, b)) }
            return colors >= 8 ? Self.basic(forIndexed: Self.cubeIndex(r, g, b), limit: colors) : -1
        }
    }

    /// The pair for this combination, allocating one when new; `(pair, isNew)`.
    /// Returns pair 0 (default colours) when the table is full or the terminal has no colour.
    public mutating func pair(foreground: Color, background: Color) -> (pair: Int16, isNew: Bool) {
        let key = PairKey(foreground: colorNumber(foreground), background: colorNumber(background))
        if key.foreground == -1 && key.background == -1 { return (0, false) }
        if let existing = pairs[key] { return (existing, false) }
        guard colors >= 8, pairs.count + 1 < maxPairs else { return (0, false) }
        let number = Int16(pairs.count + 1)
        pairs[key] = number
        return (number, true)
    }

    /// The (foreground, background) colour numbers of an allocated pair.
    public func colors(ofPair pair: Int16) -> (Int16, Int16)? {
        pairs.first { $0.value == pair }.map { ($0.key.foreground, $0.key.background) }
    }

    /// xterm's 6×6×6 colour cube index (16…231) nearest to an RGB colour.
    static func cubeIndex(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        func level(_ v: UInt8) -> Int { v < 48 ? 0 : v < 115 ? 1 : (Int(v) - 35) / 40 }
        return UInt8(16 + 36 * level(r) + 6 * level(g) + level(b))
    }

    /// The nearest of the 8 or 16 basic colours for a 256-colour index.
    static func basic(forIndexed index: UInt8, limit: Int) -> Int16 {
        if index < 16 { return Int16(limit >= 16 ? index : index % 8) }
        let rgb: (Int, Int, Int)
        if index >= 232 {
            let v = 8 + 10 * (Int(index) - 232)
            rgb = (v, v, v)
        } else {
            let c = Int(index) - 16
            let steps = [0, 95, 135, 175, 215, 255]
            rgb = (steps[c / 36], steps[(c / 6) % 6], steps[c % 6])
        }
        let bright = max(rgb.0, rgb.1, rgb.2) > 200 && limit >= 16
        let bit = { (v: Int) in v > 110 ? 1 : 0 }
        let base = bit(rgb.0) | bit(rgb.1) << 1 | bit(rgb.2) << 2
        return Int16(base + (bright ? 8 : 0))
    }
}
