import Glibc
import JSONCore
import Telemetry

/// The fast path for the line producers write most: a `scalars` event whose fields are `v`,
/// `type`, `run`, `step`, `time` and a flat `values` object of plain ASCII names.
///
/// It reads the line straight from the bytes, with no `JSONValue` in between, into an event
/// (`decode`) or a row of a column block (`append`: a line with the previous line's run and
/// metric names costs no allocation), and reuses the `String`s of metric names and run ids it has
/// seen before. Any line it is not sure about (another field, an escape, a non-ASCII name, a
/// duplicate key, a syntax error) it declines, and the general decoder handles the line, errors and
/// unknown fields included; so both paths give the same event for every line the fast path accepts.
struct ScalarsLineDecoder {
    private var names = StringInterner()
    /// The line being decoded: where each metric name is in it, its values, and where each number
    /// that changes from line to line is (`stepSlot`, `timeSlot`, or a value's column); reused line to line.
    private var rowNames: [Range<Int>] = []
    private var row: [Double] = []
    private var slots: [(range: Range<Int>, slot: Int)] = []
    /// The shape of the line that opened the current block, for the lines that repeat it: a line
    /// with its changing numbers cut out. `templateLiteral` holds the bytes between them, back to
    /// back, and each piece says where its bytes end and which number follows them. A line made of
    /// the same bytes around well-formed numbers is a `scalars` event of the same run, metric names
    /// and fields, so it becomes a row of `templateBlock` after a `memcmp` per piece and a number
    /// scan per slot, with nothing parsed twice, allocated or interned. (Plain stored properties,
    /// not an optional struct: reading through an optional copies and retains its arrays per line.)
    private var templateLiteral: [UInt8] = []
    private var templatePieces: [Piece] = []
    /// The block such lines belong to, with no rows yet; nil before the first line.
    private var templateBlock: ScalarsBlock?
    /// Rows added since the open block began: the next block reserves room for as many.
    private var rowsSinceBlockBegan = 0

    private static let stepSlot = -2
    private static let timeSlot = -1

    /// Where a run of the template's literal bytes ends, and the number that follows it.
    private struct Piece {
        var literalEnd: Int
        /// `stepSlot`, `timeSlot`, or the column of a value.
        var slot: Int
    }

    /// The fields of a line other than its values.
    private struct Header {
        /// Where the run id is in the line; nil when absent or null.
        var run: Range<Int>?
        var step: Int
        var time: Double?
    }

    /// The event on `line`, or nil to let the general decoder handle it.
    mutating func decode(_ line: UnsafeBufferPointer<UInt8>) -> ScalarsEvent? {
        guard let header = parse(line) else { return nil }
        var values = [String: Double](minimumCapacity: row.count)
        for (column, range) in rowNames.enumerated() {
            guard values.updateValue(row[column], forKey: names.intern(UnsafeBufferPointer(rebasing: line[range]))) == nil else { return nil }
        }
        let run = header.run.map { names.intern(UnsafeBufferPointer(rebasing: line[$0])) }
        return ScalarsEvent(run: run, step: header.step, time: header.time, values: values)
    }

    /// Adds the event on `line` to `block` as a row. A line that does not repeat the shape of the
    /// line that opened the block first passes the block to `flush` and opens another. False (and
    /// the block untouched) when the general decoder must handle the line.
    mutating func append(_ line: UnsafeBufferPointer<UInt8>, to block: inout ScalarsBlock?, flush: (ScalarsBlock) -> Void) -> Bool {
        if appendRepeatedLines(line, to: &block, maxLineBytes: line.count, wholeLine: true).lines == 1 { return true }
        guard let header = parse(line) else { return false }
        var columns: [String] = []
        columns.reserveCapacity(rowNames.count)
        for range in rowNames { columns.append(names.intern(UnsafeBufferPointer(rebasing: line[range]))) }
        guard Set(columns).count == columns.count else { return false }
        if let full = block, !full.isEmpty { flush(full) }
        let run = header.run.map { names.intern(UnsafeBufferPointer(rebasing: line[$0])) }
        templateBlock = ScalarsBlock(run: run, names: columns, timed: header.time != nil)
        begin(&block)
        row.withUnsafeBufferPointer { block!.append(step: header.step, time: header.time, row: $0) }
        rowsSinceBlockBegan += 1
        templateLiteral.removeAll(keepingCapacity: true)
        templatePieces.removeAll(keepingCapacity: true)
        var start = 0
        for (range, slot) in slots {
            templateLiteral.append(contentsOf: UnsafeBufferPointer(rebasing: line[start..<range.lowerBound]))
            templatePieces.append(Piece(literalEnd: templateLiteral.count, slot: slot))
            start = range.upperBound
        }
        templateLiteral.append(contentsOf: UnsafeBufferPointer(rebasing: line[start...]))
        return true
    }

    /// Adds to `block` the lines at the start of `bytes` that repeat the template's shape, up to
    /// the first that does not (or the last newline); returns how many bytes (newlines included)
    /// and lines it took. With `wholeLine`, `bytes` is one line without its newline.
    ///
    /// This is the ingest hot path: the template and the row buffers are taken once for many lines
    /// (not once per line, which would retain and check them each time), rows are gathered in
    /// scratch memory and appended to the block's columns a few hundred at a time.
    mutating func appendRepeatedLines(_ bytes: UnsafeBufferPointer<UInt8>, to block: inout ScalarsBlock?,
                                      maxLineBytes: Int, wholeLine: Bool = false) -> (bytes: Int, lines: Int) {
        guard let empty = templateBlock, let base = bytes.baseAddress else { return (0, 0) }
        let columns = empty.names.count
        let timed = empty.isTimed
        let batch = wholeLine ? 1 : 256
        var consumed = 0
        var lines = 0
        templateLiteral.withUnsafeBufferPointer { literal in
            templatePieces.withUnsafeBufferPointer { pieces in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: batch) { steps in
                    withUnsafeTemporaryAllocation(of: Double.self, capacity: batch) { times in
                        withUnsafeTemporaryAllocation(of: Double.self, capacity: max(batch * columns, 1)) { values in
                            var rows = 0
                            func appendRows() {
                                guard rows > 0 else { return }
                                if case .none = block { begin(&block) }
                                block!.append(steps: UnsafeBufferPointer(rebasing: steps[..<rows]),
                                              times: timed ? UnsafeBufferPointer(rebasing: times[..<rows]) : nil,
                                              values: UnsafeBufferPointer(rebasing: values[..<(rows * columns)]))
                                rowsSinceBlockBegan += rows
                                rows = 0
                            }
                            while consumed < bytes.count {
                                var end = bytes.count
                                if !wholeLine {
                                    guard let newline = memchr(base + consumed, 0x0A, bytes.count - consumed) else { break }
                                    end = base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                                }
                                guard end - consumed <= maxLineBytes else { break }
                                // A `\r` before the newline is not part of the line (as in `NDJSONDecoder`).
                                let lineEnd = !wholeLine && end > consumed && base[end - 1] == 0x0D ? end - 1 : end
                                let line = UnsafeBufferPointer(start: base + consumed, count: lineEnd - consumed)
                                guard Self.match(line, literal, pieces, step: &steps[rows], time: &times[rows],
                                                 row: values.baseAddress! + rows * columns) else { break }
                                rows += 1
                                lines += 1
                                consumed = wholeLine ? end : end + 1
                                if rows == batch { appendRows() }
                            }
                            appendRows()
                        }
                    }
                }
            }
        }
        return (consumed, lines)
    }

    /// Opens the template's block, with room for as many rows as the previous block took (a block
    /// holds a chunk's lines, and chunks are alike), so that it does not grow by doubling.
    private mutating func begin(_ block: inout ScalarsBlock?) {
        var next = templateBlock!
        next.reserveCapacity(rows: min(rowsSinceBlockBegan, 1 << 16))
        block = next
        rowsSinceBlockBegan = 0
    }

    /// Reads a line of the template's shape into `step`, `time` (when timed) and `row` (one value
    /// per column); false when the line differs from the template anywhere but in the numbers.
    @inline(__always)
    private static func match(_ line: UnsafeBufferPointer<UInt8>, _ literal: UnsafeBufferPointer<UInt8>, _ pieces: UnsafeBufferPointer<Piece>,
                              step: inout Int, time: inout Double, row: UnsafeMutablePointer<Double>) -> Bool {
        var position = 0
        var literalStart = 0
        for piece in pieces {
            let length = piece.literalEnd - literalStart
            guard line.count - position >= length,
                  sameBytes(line.baseAddress! + position, literal.baseAddress! + literalStart, length) else { return false }
            position += length
            literalStart = piece.literalEnd
            var cursor = Cursor(bytes: line, index: position)
            switch piece.slot {
            case stepSlot:
                guard let x = cursor.step() else { return false }
                step = x
            case timeSlot:
                guard let x = cursor.numberOrSpecial() else { return false }
                time = x
            default:
                guard let x = cursor.numberOrSpecial() else { return false }
                row[piece.slot] = x
            }
            position = cursor.index
        }
        let tail = literal.count - literalStart
        return line.count - position == tail && sameBytes(line.baseAddress! + position, literal.baseAddress! + literalStart, tail)
    }

    /// Whether `count` bytes at `a` and `b` are equal: eight at a time, inline (the pieces of a
    /// template are a few dozen bytes, too short for a call to `memcmp` to pay).
    @inline(__always)
    private static func sameBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        var i = 0
        while count - i >= 8 {
            guard UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) == UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) else { return false }
            i += 8
        }
        while i < count {
            guard a[i] == b[i] else { return false }
            i += 1
        }
        return true
    }

    /// Reads the line's fields, leaving its metrics in `rowNames` and `row`; nil when the line is
    /// not a `scalars` event of the common shape.
    private mutating func parse(_ line: UnsafeBufferPointer<UInt8>) -> Header? {
        var cursor = Cursor(bytes: line)
        slots.removeAll(keepingCapacity: true)
        guard cursor.consume(UInt8(ascii: "{")) else { return nil }
        var seen: UInt8 = 0
        var run: Range<Int>?, step: Int?, time: Double?
        while true {
            guard let key = cursor.plainString(), cursor.consume(UInt8(ascii: ":")) else { return nil }
            let field: UInt8
            switch (key.count, line[key.lowerBound]) {
            case (1, UInt8(ascii: "v")):
                field = 1
                guard let v = cursor.number(), v == 1 else { return nil }
            case (4, UInt8(ascii: "t")) where Self.equals(line, key, "type"):
                field = 2
                guard let type = cursor.plainString(), Self.equals(line, type, "scalars") else { return nil }
            case (3, UInt8(ascii: "r")) where Self.equals(line, key, "run"):
                field = 4
                if cursor.consumeLiteral("null") { run = nil } else {
                    guard let id = cursor.plainString() else { return nil }
                    run = id
                }
            case (4, UInt8(ascii: "s")) where Self.equals(line, key, "step"):
                field = 8
                cursor.skipWhitespace()
                let start = cursor.index
                guard let x = cursor.step() else { return nil }
                step = x
                slots.append((start..<cursor.index, Self.stepSlot))
            case (4, UInt8(ascii: "t")) where Self.equals(line, key, "time"):
                field = 16
                if cursor.consumeLiteral("null") { time = nil } else {
                    let start = cursor.index
                    guard let x = cursor.numberOrSpecial() else { return nil }
                    time = x
                    slots.append((start..<cursor.index, Self.timeSlot))
                }
            case (6, UInt8(ascii: "v")) where Self.equals(line, key, "values"):
                field = 32
                guard parseValues(&cursor) else { return nil }
            default:
                return nil
            }
            guard seen & field == 0 else { return nil }
            seen |= field
            if cursor.consume(UInt8(ascii: ",")) { continue }
            guard cursor.consume(UInt8(ascii: "}")), cursor.atEnd else { return nil }
            break
        }
        guard seen & 0b10_1011 == 0b10_1011, let step else { return nil }
        return Header(run: run, step: step, time: time)
    }

    private mutating func parseValues(_ cursor: inout Cursor) -> Bool {
        rowNames.removeAll(keepingCapacity: true)
        row.removeAll(keepingCapacity: true)
        guard cursor.consume(UInt8(ascii: "{")) else { return false }
        if cursor.consume(UInt8(ascii: "}")) { return true }
        while true {
            guard let name = cursor.plainString(), cursor.consume(UInt8(ascii: ":")) else { return false }
            cursor.skipWhitespace()
            let start = cursor.index
            guard let value = cursor.numberOrSpecial() else { return false }
            slots.append((start..<cursor.index, row.count))
            rowNames.append(name)
            row.append(value)
            if cursor.consume(UInt8(ascii: ",")) { continue }
            return cursor.consume(UInt8(ascii: "}"))
        }
    }

    static func equals(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        range.count == literal.utf8CodeUnitCount && (range.isEmpty || memcmp(line.baseAddress! + range.lowerBound, literal.utf8Start, range.count) == 0)
    }
}

/// A read position in one line, skipping JSON whitespace before each token.
private struct Cursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>, index: Int = 0) { self.bytes = bytes; self.index = index }

    var atEnd: Bool {
        mutating get { skipWhitespace(); return index == bytes.count }
    }

    mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    mutating func consumeLiteral(_ literal: StaticString) -> Bool {
        skipWhitespace()
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count, memcmp(bytes.baseAddress! + index, literal.utf8Start, count) == 0 else { return false }
        index += count
        return true
    }

    /// A string of printable ASCII without escapes: where the bytes between the quotes are.
    mutating func plainString() -> Range<Int>? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                index += 1
                return start..<(index - 1)
            }
            guard b >= 0x20, b < 0x7F, b != UInt8(ascii: "\\") else { return nil }
            index += 1
        }
        return nil
    }

    /// A number, or one of the strings and bare tokens PROTOCOL.md allows for non-finite values.
    mutating func numberOrSpecial() -> Double? {
        skipWhitespace()
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            guard let text = plainString() else { return nil }
            if ScalarsLineDecoder.equals(bytes, text, "NaN") { return .nan }
            if ScalarsLineDecoder.equals(bytes, text, "Infinity") || ScalarsLineDecoder.equals(bytes, text, "+Infinity") { return .infinity }
            if ScalarsLineDecoder.equals(bytes, text, "-Infinity") { return -.infinity }
            return nil
        case UInt8(ascii: "N"): return consumeLiteral("NaN") ? .nan : nil
        case UInt8(ascii: "I"): return consumeLiteral("Infinity") ? .infinity : nil
        case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "I"):
            index += 1
            return consumeLiteral("Infinity") ? -.infinity : nil
        default: return number()
        }
    }

    /// A step: a JSON number with an integral value of at most 2^53 in magnitude (`12`, `1e3`).
    mutating func step() -> Int? {
        skipWhitespace()
        // Plain digits, the common case, need no conversion through Double.
        var value = 0
        var end = index
        while end < bytes.count, end - index < 16, bytes[end] &- 48 < 10 {
            value = value * 10 + Int(bytes[end] &- 48)
            end += 1
        }
        if end > index, end - index < 16, end == bytes.count || !Self.continuesNumber(bytes[end]), bytes[index] != 48 || end - index == 1 {
            index = end
            return value
        }
        guard let x = number(), x == x.rounded(), abs(x) <= 9_007_199_254_740_992 else { return nil }
        return Int(x)
    }

    /// Whether `byte` after digits would make them part of a longer number (`.`, `e`, `E`, a digit).
    private static func continuesNumber(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ".") || byte | 0x20 == UInt8(ascii: "e") || byte &- 48 < 10
    }

    /// A JSON number, correctly rounded (as the general parser reads it).
    mutating func number() -> Double? {
        skipWhitespace()
        guard case .number(let value, let end) = JSONNumber.scan(bytes, at: index) else { return nil }
        index = end
        return value
    }
}
