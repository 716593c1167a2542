import JSONCore
import Telemetry

/// Reads a CSV file of metrics, in chunks of any size: a header row of names, then one row per
/// logging call (PyTorch Lightning's `CSVLogger` layout: `epoch,step,train_loss,val_loss`, with
/// empty cells for metrics not logged in that row).
///
/// The `step` column (or `global_step`) gives the step, else the 1-based row number does; a
/// `time`/`timestamp`/`wall_time` column gives Unix seconds; every other column is a metric. A
/// TensorBoard CSV export (`Wall time,Step,Value`) names its one metric after the file. Quoting is
/// RFC 4180. A row with the wrong number of cells is reported and skipped; a cell that is not a
/// number is reported and the rest of its row kept.
public struct CSVMetricsReader {
    /// Where problems say they happened.
    public let source: String
    /// The run the rows belong to.
    public let run: String
    /// Name for a lone `Value` column.
    public let valueName: String
    /// Data rows to read without emitting (rows already shown before the file was rewritten).
    public var skipRows = 0
    /// Data rows completed so far (emitted or skipped).
    public private(set) var rowsRead = 0
    /// The header, once read.
    public private(set) var header: [String]?
    /// Records longer than this are reported and dropped.
    public var maxRecordBytes = 1 << 20
    /// The run's config for its `run` event (Lightning's `hparams.yaml`).
    public var config = JSONObject()

    private var stepColumn: Int?
    private var timeColumn: Int?
    private var cells: [String] = []
    private var cell: [UInt8] = []
    private var recordBytes = 0
    private var inQuotes = false
    private var quoteInQuotes = false
    private var line = 1
    private var recordLine = 1
    private var atRecordStart = true
    /// The current cell has content (a quote opens a quoted cell only at the start of a cell).
    private var cellStarted = false
    /// The last byte was a CR that ended a row: an LF right after it belongs to the same line end.
    private var afterCR = false

    public init(source: String, run: String, valueName: String? = nil) {
        self.source = source; self.run = run; self.valueName = valueName ?? run
    }

    /// Feeds the next chunk; calls `emit` for every completed row's event and problem.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (IngestItem) -> Void) {
        for byte in chunk {
            if afterCR {
                afterCR = false
                if byte == 0x0A { continue }
            }
            if atRecordStart { recordLine = line; atRecordStart = false }
            if byte == 0x0A { line += 1 }
            recordBytes += 1
            // Past the limit the record is only scanned for its end; nothing more is kept.
            let keep = recordBytes <= maxRecordBytes
            if !keep && (!cell.isEmpty || !cells.isEmpty) { cell.removeAll(); cells.removeAll() }
            if inQuotes {
                if quoteInQuotes {
                    quoteInQuotes = false
                    if byte == 0x22 { if keep { cell.append(byte) }; continue }
                    inQuotes = false
                    // Falls through: the byte after a closing quote is read as unquoted.
                } else if byte == 0x22 {
                    quoteInQuotes = true
                    continue
                } else {
                    if keep { cell.append(byte) }
                    continue
                }
            }
            switch byte {
            case 0x22 where !cellStarted:
                inQuotes = true
                cellStarted = true
            case 0x2C: endCell()
            case 0x0A:
                endCell()
                endRecord(emit)
            case 0x0D:
                // CR ends a row too: CRLF (Windows) and CR alone (old Mac exports) as much as LF.
                line += 1
                afterCR = true
                endCell()
                endRecord(emit)
            default:
                cellStarted = true
                if keep { cell.append(byte) }
            }
        }
    }

    /// Feeds bytes held in an array.
    public mutating func feed(_ bytes: [UInt8], _ emit: (IngestItem) -> Void) { bytes.withUnsafeBytes { feed($0, emit) } }

    /// Ends the file: a last row without a newline is read; an open quote is reported.
    public mutating func finish(_ emit: (IngestItem) -> Void) {
        if inQuotes && !quoteInQuotes {
            emit(.problem(problem(line: recordLine, "a quoted cell is never closed; the row is skipped")))
            reset()
            return
        }
        inQuotes = false
        quoteInQuotes = false
        if recordBytes > 0 {
            endCell()
            endRecord(emit)
        }
    }

    private mutating func reset() {
        cells.removeAll(keepingCapacity: true)
        cell.removeAll(keepingCapacity: true)
        inQuotes = false
        quoteInQuotes = false
        recordBytes = 0
        atRecordStart = true
        cellStarted = false
    }

    private mutating func endCell() {
        cells.append(String(decoding: cell, as: UTF8.self))
        cell.removeAll(keepingCapacity: true)
        cellStarted = false
    }

    private func problem(line: Int, column: Int? = nil, _ reason: String) -> SourceProblem {
        SourceProblem(source: source, position: column.map { "line \(line), column \($0)" } ?? "line \(line)", reason: reason)
    }

    private mutating func endRecord(_ emit: (IngestItem) -> Void) {
        defer { reset() }
        if recordBytes > maxRecordBytes {
            emit(.problem(problem(line: recordLine, "row longer than \(maxRecordBytes) bytes; skipped")))
            return
        }
        if cells.allSatisfy({ $0.allSatisfy { $0 == " " || $0 == "\t" } }) { return }
        guard let header else { readHeader(emit); return }
        guard cells.count == header.count else {
            emit(.problem(problem(line: recordLine, "\(cells.count) cells, the header has \(header.count); row skipped")))
            return
        }
        rowsRead += 1
        if rowsRead <= skipRows { return }
        var step = rowsRead
        if let stepColumn {
            let text = cells[stepColumn].trimmed
            guard let value = Double(text), value.rounded() == value, abs(value) < 9e15 else {
                emit(.problem(problem(line: recordLine, column: stepColumn + 1,
                                      text.isEmpty ? "no step in column '\(header[stepColumn])'; row skipped" : "step '\(text)' is not an integer; row skipped")))
                return
            }
            step = Int(value)
        }
        var time: Double?
        var values: [String: Double] = [:]
        for (index, raw) in cells.enumerated() where index != stepColumn {
            let text = raw.trimmed
            if text.isEmpty { continue }
            guard let value = Double(text) else {
                emit(.problem(problem(line: recordLine, column: index + 1, "'\(text)' in column '\(header[index])' is not a number; cell skipped")))
                continue
            }
            if index == timeColumn { time = value } else { values[header[index]] = value }
        }
        if !values.isEmpty { emit(.event(.scalars(ScalarsEvent(run: run, step: step, time: time, values: values)))) }
    }

    private mutating func readHeader(_ emit: (IngestItem) -> Void) {
        var names = cells.map(\.trimmed)
        if recordLine == 1, let first = names.first, first.hasPrefix("\u{FEFF}") { names[0] = String(first.dropFirst()) }
        let lowered = names.map { $0.lowercased() }
        stepColumn = lowered.firstIndex(of: "step") ?? lowered.firstIndex(of: "global_step")
        timeColumn = ["time", "timestamp", "wall_time", "wall time", "walltime"].lazy.compactMap { lowered.firstIndex(of: $0) }.first
        if let value = lowered.firstIndex(of: "value"), names.count == 3, stepColumn != nil, timeColumn != nil {
            names[value] = valueName
        }
        if let duplicate = Dictionary(grouping: names.indices, by: { names[$0] }).first(where: { $0.value.count > 1 }) {
            emit(.problem(problem(line: recordLine, "column '\(duplicate.key)' appears \(duplicate.value.count) times; the last one wins")))
        }
        header = names
        if stepColumn == nil {
            emit(.problem(problem(line: recordLine, "no 'step' column; rows are numbered 1, 2, 3, …")))
        }
        emit(.event(.run(RunEvent(run: run, config: config, extra: JSONObject([("source", .string(source))])))))
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs. Walks the scalars from each end once:
    /// `dropLast()` a character at a time was quadratic in a line of many blanks.
    var trimmed: String {
        let scalars = unicodeScalars
        func isText(_ scalar: Unicode.Scalar) -> Bool { scalar != " " && scalar != "\t" }
        guard let first = scalars.firstIndex(where: isText), let last = scalars.lastIndex(where: isText) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
