/// Reads the protocol-buffer wire format field by field, with no schema: enough to decode the few
/// TensorBoard messages trainscope needs without a protobuf dependency.
///
/// The reader never copies: length-delimited fields are views into the same buffer, valid as long
/// as that buffer is.
public struct ProtobufReader {
    /// One field as it sits on the wire.
    public enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes(UnsafeRawBufferPointer)

        /// The field as a protobuf `double` (wire type fixed64).
        public var double: Double? { if case .fixed64(let bits) = self { Double(bitPattern: bits) } else { nil } }
        /// The field as a protobuf `float` (wire type fixed32).
        public var float: Float? { if case .fixed32(let bits) = self { Float(bitPattern: bits) } else { nil } }
        /// The field as an `int64`/`int32`/enum (two's complement varint).
        public var int64: Int64? { if case .varint(let raw) = self { Int64(bitPattern: raw) } else { nil } }
        /// The field's bytes (strings, sub-messages, packed arrays).
        public var bytes: UnsafeRawBufferPointer? { if case .bytes(let b) = self { b } else { nil } }
        /// The field as a UTF-8 string.
        public var string: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// A malformed message: what was wrong and the byte offset inside the message.
    public struct MalformedError: Error, Sendable, Equatable {
        public var offset: Int
        public var reason: String
    }

    private let buffer: UnsafeRawBufferPointer
    private var position = 0

    /// A reader over one serialized message.
    public init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }

    /// The next field's number and value, or nil at the end of the message.
    public mutating func next() throws(MalformedError) -> (field: Int, value: Value)? {
        guard position < buffer.count else { return nil }
        let key = try readVarint()
        let field = Int(key >> 3)
        guard field > 0 else { throw MalformedError(offset: position, reason: "field number 0") }
        switch key & 7 {
        case 0: return (field, .varint(try readVarint()))
        case 1: return (field, .fixed64(try readFixed(8)))
        case 5: return (field, .fixed32(UInt32(truncatingIfNeeded: try readFixed(4))))
        case 2:
            let length = try readVarint()
            guard length <= UInt64(buffer.count - position) else {
                throw MalformedError(offset: position, reason: "field \(field) claims \(length) bytes, \(buffer.count - position) left")
            }
            let start = position
            position += Int(length)
            return (field, .bytes(UnsafeRawBufferPointer(rebasing: buffer[start..<position])))
        case let wire:
            throw MalformedError(offset: position, reason: "unsupported wire type \(wire) for field \(field)")
        }
    }

    private mutating func readVarint() throws(MalformedError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while position < buffer.count {
            let byte = buffer[position]
            position += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            guard shift < 64 else { throw MalformedError(offset: position, reason: "varint longer than 10 bytes") }
        }
        throw MalformedError(offset: position, reason: "message ends inside a varint")
    }

    private mutating func readFixed(_ size: Int) throws(MalformedError) -> UInt64 {
        guard buffer.count - position >= size else { throw MalformedError(offset: position, reason: "message ends inside a \(size * 8)-bit field") }
        var result: UInt64 = 0
        for i in 0..<size { result |= UInt64(buffer[position + i]) << (8 * UInt64(i)) }
        position += size
        return result
    }

    // MARK: - Packed repeated fields

    /// A packed `repeated double` (or one unpacked element).
    public static func doubles(_ value: Value) -> [Double] {
        switch value {
        case .fixed64(let bits): return [Double(bitPattern: bits)]
        case .bytes(let raw): return stride(from: 0, to: raw.count - 7, by: 8).map { Double(bitPattern: raw.loadUnaligned(fromByteOffset: $0, as: UInt64.self).littleEndian) }
        default: return []
        }
    }

    /// A packed `repeated float` (or one unpacked element).
    public static func floats(_ value: Value) -> [Float] {
        switch value {
        case .fixed32(let bits): return [Float(bitPattern: bits)]
        case .bytes(let raw): return stride(from: 0, to: raw.count - 3, by: 4).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: $0, as: UInt32.self).littleEndian) }
        default: return []
        }
    }

    /// A packed `repeated int32/int64` (or one unpacked element); nil when the varints are malformed.
    public static func varints(_ value: Value) -> [Int64]? {
        switch value {
        case .varint(let raw): return [Int64(bitPattern: raw)]
        case .bytes(let raw):
            var result: [Int64] = []
            var reader = ProtobufReader(raw)
            while reader.position < raw.count {
                guard let v = try? reader.readVarint() else { return nil }
                result.append(Int64(bitPattern: v))
            }
            return result
        default: return []
        }
    }
}
