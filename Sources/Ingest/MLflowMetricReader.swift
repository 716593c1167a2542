import Telemetry

/// Reads one metric file of an MLflow file store (`mlruns/<experiment>/<run>/metrics/<key>`), in
/// chunks of any size: one `timestamp value step` line per logged value, as MLflow's FileStore
/// writes them (timestamp in milliseconds; `value` as Python prints floats, `nan` and `inf`
/// included; older stores omit the step, which is then 0; newer ones may append a dataset name and
/// digest). A line that is not such a record is reported with its line number and skipped.
public struct MLflowMetricReader {
    /// Where problems say they happened (the metric file's path).
    public let source: String
    public let run: String
    /// The metric's key: the file's path below `metrics/` (`train/loss`).
    public let key: String
    /// Lines longer than this are reported and dropped.
    public var maxLineBytes = 1 << 16
    private var line: [UInt8] = []
    private var lineNumber = 0
    private var overlong = false

    public init(source: String, run: String, key: String) { self.source = source; self.run = run; self.key = key }

    /// Feeds the next chunk; calls `emit` with a `scalars` event per complete line, or its problem.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (IngestItem) -> Void) {
        for byte in chunk {
            if byte == 0x0A {
                endLine(emit)
            } else if line.count < maxLineBytes {
                line.append(byte)
            } else {
                overlong = true
            }
        }
    }

    /// Ends the file: a last line without its newline is read as a record.
    public mutating func finish(_ emit: (IngestItem) -> Void) {
        if !line.isEmpty || overlong { endLine(emit) }
    }

    private mutating func endLine(_ emit: (IngestItem) -> Void) {
        lineNumber += 1
        defer { line.removeAll(keepingCapacity: true); overlong = false }
        func problem(_ reason: String) { emit(.problem(SourceProblem(source: source, position: "line \(lineNumber)", reason: reason))) }
        if overlong { return problem("line longer than \(maxLineBytes) bytes; skipped") }
        // Blanks around the record are cut on the bytes, in one pass from each end (cutting a
        // String's characters one at a time was quadratic in a line of 10,000 spaces).
        var low = line.startIndex, high = line.endIndex
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0D || byte == 0x09 }
        while low < high, isBlank(line[low]) { low += 1 }
        while high > low, isBlank(line[high - 1]) { high -= 1 }
        let text = String(decoding: line[low..<high], as: UTF8.self)
        if text.isEmpty { return }
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        guard [2, 3, 5].contains(fields.count) else {
            return problem("\(fields.count) fields, expected `timestamp value step`; line skipped")
        }
        guard let milliseconds = Int64(fields[0]) else { return problem("timestamp '\(fields[0].prefix(40))' is not an integer; line skipped") }
        guard let value = Self.pythonFloat(fields[1]) else { return problem("value '\(fields[1].prefix(40))' is not a number; line skipped") }
        var step = 0
        if fields.count >= 3 {
            guard let parsed = Int(fields[2]) else { return problem("step '\(fields[2].prefix(40))' is not an integer; line skipped") }
            step = parsed
        }
        emit(.event(.scalars(ScalarsEvent(run: run, step: step, time: Double(milliseconds) / 1000, values: [key: value]))))
    }

    /// A float as Python's `repr` writes it (`0.25`, `1e-05`, `nan`, `inf`, `-inf`).
    static func pythonFloat(_ text: Substring) -> Double? {
        switch text.lowercased() {
        case "nan", "+nan", "-nan": return .nan
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default:
            guard let first = text.first, first.isNumber || first == "-" || first == "+" || first == "." else { return nil }
            return Double(text)
        }
    }
}
