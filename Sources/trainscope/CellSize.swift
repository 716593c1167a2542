import ArgumentParser

/// A terminal size in cells, written `WxH` on the command line (`--size 120x40`).
struct CellSize: Equatable, CustomStringConvertible {
    var width: Int
    var height: Int

    var description: String { "\(width)x\(height)" }

    /// `--size`'s value, or why it is not one.
    static func parse(_ text: String) throws -> CellSize {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (1...1000).contains(w), (1...1000).contains(h) else {
            throw ValidationError("expected WIDTHxHEIGHT in cells, 1-1000 each")
        }
        return CellSize(width: w, height: h)
    }
}
