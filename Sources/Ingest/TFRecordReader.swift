/// Splits a TFRecord stream (TensorBoard event files) into records, in chunks of any size.
///
/// Each record is `length: UInt64 LE`, `masked CRC-32C of length: UInt32`, `payload[length]`,
/// `masked CRC-32C of payload: UInt32`. A record whose payload CRC fails is reported and skipped
/// (its length was verified). A header whose CRC fails means the length cannot be trusted: the
/// reader reports it once, then scans forward byte by byte to the next header *and* payload that
/// both verify, so one corrupt region costs only the records inside it.
public struct TFRecordReader {
    /// A record payload, or a problem at a byte offset of the stream.
    public enum Item {
        /// A verified payload; the view is valid only during the `emit` call.
        case record(offset: Int, payload: UnsafeRawBufferPointer)
        case error(offset: Int, reason: String)
    }

    /// Records longer than this are taken for corruption (TensorBoard events are kilobytes).
    public static let maxRecordBytes = 256 << 20

    private var buffer: [UInt8] = []
    /// Index in `buffer` of the first byte not yet consumed.
    private var head = 0
    /// Stream offset of `buffer[0]`.
    private var base = 0
    private var scanning = false

    /// Bytes received but not yet framed into a record (a record still being written).
    public var pendingBytes: Int { buffer.count - head }
    /// Stream offset of the next record.
    public var offset: Int { base + head }

    /// A reader at the start of a stream.
    public init() {}

    /// Feeds the next chunk; calls `emit` for every record and problem it completes.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (Item) -> Void) {
        if head == buffer.count {
            // Nothing held back: frame straight from the chunk and keep only its unfinished tail.
            base += buffer.count
            buffer.removeAll(keepingCapacity: true)
            head = 0
            let used = Self.frame(chunk, from: 0, base: base, scanning: &scanning, emit)
            base += used
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[used...]))
            return
        }
        if head > 0 && head >= buffer.count / 2 {
            buffer.removeFirst(head)
            base += head
            head = 0
        }
        buffer.append(contentsOf: chunk)
        buffer.withUnsafeBytes { bytes in head = Self.frame(bytes, from: head, base: base, scanning: &scanning, emit) }
    }

    /// Feeds bytes held in an array.
    public mutating func feed(_ bytes: [UInt8], _ emit: (Item) -> Void) { bytes.withUnsafeBytes { feed($0, emit) } }

    /// Ends the stream: leftover bytes are a truncated record (a writer killed mid-record).
    public mutating func finish(_ emit: (Item) -> Void) {
        defer { base += buffer.count; buffer.removeAll(); head = 0; scanning = false }
        let left = buffer.count - head
        guard left > 0 else { return }
        if scanning {
            emit(.error(offset: offset, reason: "\(left) bytes of unreadable data at the end of the file"))
        } else if left < 12 {
            emit(.error(offset: offset, reason: "truncated record: the file ends inside the 12-byte header (\(left) bytes)"))
        } else {
            let length = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: head, as: UInt64.self).littleEndian }
            emit(.error(offset: offset, reason: "truncated record: the file ends \(left - 12) bytes into a \(length)-byte payload"))
        }
    }

    /// Frames the records of `bytes` from index `start`; returns the index of the first byte not
    /// consumed (the start of a record that is not complete yet). `base` is the stream offset of `bytes[0]`.
    private static func frame(_ bytes: UnsafeRawBufferPointer, from start: Int, base: Int, scanning: inout Bool,
                              _ emit: (Item) -> Void) -> Int {
        var head = start
        while bytes.count - head >= 12 {
            let lengthBytes = UnsafeRawBufferPointer(rebasing: bytes[head..<(head + 8)])
            let storedLengthCRC = bytes.loadUnaligned(fromByteOffset: head + 8, as: UInt32.self).littleEndian
            let length = lengthBytes.loadUnaligned(as: UInt64.self).littleEndian
            guard CRC32C.masked(CRC32C.checksum(lengthBytes)) == storedLengthCRC, length <= UInt64(maxRecordBytes) else {
                if !scanning {
                    scanning = true
                    emit(.error(offset: base + head, reason: base + head == 0
                        ? "not a TFRecord header (bad magic or corrupt length CRC); scanning for the next valid record"
                        : "record header CRC mismatch; scanning for the next valid record"))
                }
                head += 1
                continue
            }
            let total = 12 + Int(length) + 4
            guard bytes.count - head >= total else { return head }
            let payload = UnsafeRawBufferPointer(rebasing: bytes[(head + 12)..<(head + 12 + Int(length))])
            let storedDataCRC = bytes.loadUnaligned(fromByteOffset: head + 12 + Int(length), as: UInt32.self).littleEndian
            guard CRC32C.masked(CRC32C.checksum(payload)) == storedDataCRC else {
                if scanning {
                    // A header that verifies by chance inside corrupt data: keep scanning.
                    head += 1
                } else {
                    emit(.error(offset: base + head, reason: "payload CRC mismatch; \(length)-byte record skipped"))
                    head += total
                }
                continue
            }
            scanning = false
            emit(.record(offset: base + head, payload: payload))
            head += total
        }
        return head
    }
}
