import Testing
import Ingest

/// Sizes written in a file (a tensor's shape) are checked against the values actually present
/// with overflow-safe arithmetic: a crafted shape is skipped, never a trap.
@Suite struct CraftedSizeTests {
    /// A protobuf field: key varint, then the payload (length-delimited when `bytes` is given).
    private static func varint(_ value: UInt64) -> [UInt8] {
        var v = value, out: [UInt8] = []
        repeat {
            out.append(UInt8(v & 0x7F) | (v >= 0x80 ? 0x80 : 0))
            v >>= 7
        } while v != 0
        return out
    }

    private static func field(_ number: Int, bytes: [UInt8]) -> [UInt8] { varint(UInt64(number << 3 | 2)) + varint(UInt64(bytes.count)) + bytes }
    private static func field(_ number: Int, varint value: UInt64) -> [UInt8] { varint(UInt64(number << 3)) + varint(value) }

    /// An Event holding one `histograms`-plugin tensor of `shape` with `values` doubles.
    private static func histogramEvent(shape: [UInt64], values: [Double]) -> [UInt8] {
        let dims = shape.flatMap { field(2, bytes: field(1, varint: $0)) }
        let packed = values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
        let tensor = field(1, varint: 2) + field(2, bytes: dims) + field(6, bytes: packed)
        let metadata = field(1, bytes: field(1, bytes: Array("histograms".utf8)))
        let value = field(1, bytes: Array("w".utf8)) + field(9, bytes: metadata) + field(8, bytes: tensor)
        return field(2, varint: 7) + field(5, bytes: field(1, bytes: value))
    }

    private func decode(_ bytes: [UInt8]) throws -> TensorBoardEvent {
        var decoder = TensorBoardEventDecoder()
        return try bytes.withUnsafeBytes { try decoder.decode($0) }
    }

    @Test func aHistogramShapeThatOverflowsIsSkippedAndCounted() throws {
        let crafted = try decode(Self.histogramEvent(shape: [1 << 62, 3], values: [0, 1, 5]))
        #expect(crafted.step == 7 && crafted.values == [.skipped(kind: "malformed histogram")])
        let honest = try decode(Self.histogramEvent(shape: [1, 3], values: [0, 1, 5]))
        #expect(honest.values == [.histogram(tag: "w", edges: [0, 1], counts: [5])])
    }
}
