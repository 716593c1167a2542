import Glibc

/// Splits a byte stream into JSON lines (NDJSON), in chunks of any size: the framing every
/// line-oriented reader shares, whatever it then makes of a line.
///
/// Blank lines are skipped; a UTF-8 byte-order mark on the first line and `\r` before `\n` are
/// stripped. A line longer than `maxLineBytes` is never buffered: it is reported as `.tooLong`
/// once its end arrives, and framing goes on with the next line.
public struct JSONLineFramer {
    /// One framed piece of the stream.
    public enum Piece {
        /// A line's bytes (valid only during the call), its 1-based number, and how many bytes
        /// were stripped before them (a byte-order mark), for columns counted in the raw line.
        case line(UnsafeBufferPointer<UInt8>, number: Int, offset: Int)
        /// A line over the limit, with its number and length in bytes.
        case tooLong(number: Int, bytes: Int)
    }

    /// Lines longer than this many bytes are reported and skipped.
    public var maxLineBytes: Int
    /// Number of lines completed so far (blank ones included).
    public private(set) var linesRead = 0

    private var pending: [UInt8] = []
    private var skippingLongLine = false
    private var skippedBytes = 0

    /// A framer for a new stream.
    public init(maxLineBytes: Int = 1 << 20) { self.maxLineBytes = maxLineBytes }

    /// Feeds the next chunk, calling `each` for every complete line in it.
    ///
    /// `bulk`, when given, is offered the rest of the chunk whenever a line starts with nothing
    /// held over (from the second line on); it returns how many whole bytes and lines it took,
    /// which then count as read (a reader's fast path for many repeated lines at once).
    public mutating func feed(_ chunk: UnsafeRawBufferPointer,
                              bulk: ((UnsafeBufferPointer<UInt8>) -> (bytes: Int, lines: Int))? = nil,
                              _ each: (Piece) -> Void) {
        guard let base = chunk.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var start = 0
        let count = chunk.count
        while start < count {
            if let bulk, pending.isEmpty, !skippingLongLine, linesRead > 0 {
                let taken = bulk(UnsafeBufferPointer(start: base + start, count: count - start))
                start += taken.bytes
                linesRead += taken.lines
                if start == count { break }
            }
            let remaining = count - start
            guard let found = memchr(base + start, 0x0A, remaining) else {
                // No newline in the rest of the chunk: keep it for the next call.
                hold(UnsafeBufferPointer(start: base + start, count: remaining))
                return
            }
            let end = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            let piece = UnsafeBufferPointer(start: base + start, count: end - start)
            linesRead += 1
            if skippingLongLine {
                skippedBytes += piece.count
                endLongLine(each)
            } else if pending.isEmpty {
                if piece.count > maxLineBytes {
                    skippedBytes = piece.count
                    endLongLine(each)
                } else {
                    emitLine(piece, each)
                }
            } else {
                hold(piece)
                if skippingLongLine {
                    endLongLine(each)
                } else {
                    let held = pending
                    held.withUnsafeBufferPointer { emitLine($0, each) }
                }
                pending.removeAll(keepingCapacity: true)
            }
            start = end + 1
        }
    }

    /// Ends the stream: a last line without a newline is passed to `each` (the caller decides
    /// whether it is complete), or reported as too long.
    public mutating func finish(_ each: (Piece) -> Void) {
        defer { pending.removeAll(); skippingLongLine = false }
        if skippingLongLine {
            linesRead += 1
            each(.tooLong(number: linesRead, bytes: skippedBytes))
            return
        }
        guard !pending.isEmpty else { return }
        linesRead += 1
        let held = pending
        held.withUnsafeBufferPointer { emitLine($0, each) }
    }

    private mutating func hold(_ bytes: UnsafeBufferPointer<UInt8>) {
        if skippingLongLine { skippedBytes += bytes.count; return }
        if pending.count + bytes.count > maxLineBytes {
            skippingLongLine = true
            skippedBytes = pending.count + bytes.count
            pending.removeAll(keepingCapacity: false)
            return
        }
        pending.append(contentsOf: bytes)
    }

    private mutating func endLongLine(_ each: (Piece) -> Void) {
        each(.tooLong(number: linesRead, bytes: skippedBytes))
        skippingLongLine = false
        pending.removeAll(keepingCapacity: true)
    }

    /// Strips a first-line byte-order mark and a trailing `\r`; skips a blank line.
    private func emitLine(_ raw: UnsafeBufferPointer<UInt8>, _ each: (Piece) -> Void) {
        var lower = 0
        var upper = raw.count
        if linesRead == 1, upper >= 3, raw[0] == 0xEF, raw[1] == 0xBB, raw[2] == 0xBF { lower = 3 }
        if upper > lower, raw[upper - 1] == 0x0D { upper -= 1 }
        var blank = true
        for i in lower..<upper where raw[i] != 0x20 && raw[i] != 0x09 { blank = false; break }
        if blank { return }
        each(.line(UnsafeBufferPointer(rebasing: raw[lower..<upper]), number: linesRead, offset: lower))
    }
}
