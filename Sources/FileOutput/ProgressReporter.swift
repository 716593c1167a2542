import Foundation

/// Progress of long headless work on stderr: on a terminal one line redrawn in place (a bar with
/// the step, rate and ETA when the total is known); otherwise a plain line every few seconds so a
/// CI log shows life without filling up. Nothing for the first second (quick commands stay quiet)
/// or with `--quiet`. Time enters through `clock`.
public final class ProgressReporter {
    private let enabled: Bool
    private let interactive: Bool
    private let clock: () -> Double
    private let write: (String) -> Void
    private let start: Double
    private var lastShown: Double?
    private var shownOnce = false
    private var lineWidth = 0

    /// A reporter; `interactive` (stderr is a terminal) redraws one line in place.
    public init(enabled: Bool, interactive: Bool = isatty(STDERR_FILENO) != 0, clock: @escaping () -> Double = { Date().timeIntervalSince1970 },
         write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.enabled = enabled; self.interactive = interactive; self.clock = clock; self.write = write
        start = clock()
    }

    /// Reports `done` of `total` units (steps; nil when unknown, e.g. events read), with a label.
    public func update(done: Int, total: Int?, unit: String, label: String = "") {
        guard enabled else { return }
        let now = clock()
        let elapsed = now - start
        guard elapsed >= 1 else { return }
        if let lastShown, now - lastShown < (interactive ? 0.1 : 5) { return }
        lastShown = now
        let rate = Double(done) / elapsed
        var text = label.isEmpty ? "" : label + "  "
        if let total, total > 0 {
            let fraction = Swift.min(1, Double(done) / Double(total))
            if interactive {
                let cells = 20, filled = Int(fraction * Double(cells))
                text += "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: cells - filled) + "] "
            }
            text += String(format: "%d/%d %@ %3.0f%%", done, total, unit, fraction * 100)
            text += String(format: "  %.0f %@/s", rate, unit)
            if rate > 0, done < total { text += "  ETA " + Self.duration(Double(total - done) / rate) }
        } else {
            text += String(format: "%d %@  %.0f %@/s", done, unit, rate, unit)
        }
        text += "  " + Self.duration(elapsed)
        if interactive {
            // Redrawn in place: back to the start of the line, the text, the rest cleared.
            write("\r" + text + "\u{1B}[K")
            lineWidth = text.count
        } else {
            write("trainscope: " + text + "\n")
        }
        shownOnce = true
    }

    /// Clears the in-place line, so what is printed next starts on a clean line.
    public func finish() {
        if interactive && shownOnce && enabled { write("\r\u{1B}[K") }
    }

    /// `42 s`, `3:07`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "-" }
        let s = Int(seconds.rounded())
        return s < 60 ? "\(s) s" : String(format: "%d:%02d", s / 60, s % 60)
    }
}
