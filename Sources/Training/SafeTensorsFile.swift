import FileOutput
import Foundation
import JSONCore
import Telemetry
import TensorCore

/// Why a safetensors file could not be read or written: one line with the path.
public struct CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A safetensors file in memory: named tensors (F32, F64 or I32) and string metadata.
///
/// Format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes of JSON
/// `{"NAME": {"dtype", "shape", "data_offsets": [begin, end]}, …, "__metadata__": {string: string}}`
/// padded with spaces to a multiple of 8, then the data buffer; offsets are relative to it.
public struct SafeTensorsFile: Sendable, Equatable {
    /// One tensor's raw little-endian bytes.
    public struct Entry: Sendable, Equatable {
        public var dtype: String
        public var shape: [Int]
        public var bytes: [UInt8]

        /// A float tensor's entry.
        public init(_ tensor: Tensor) {
            shape = tensor.shape
            switch tensor.storage {
            case .float32(let a): dtype = "F32"; bytes = a.withUnsafeBytes { Array($0) }
            case .float64(let a): dtype = "F64"; bytes = a.withUnsafeBytes { Array($0) }
            }
        }

        /// An entry from its parts, as read from a file.
        public init(dtype: String, shape: [Int], bytes: [UInt8]) {
            self.dtype = dtype; self.shape = shape; self.bytes = bytes
        }

        /// An int32 vector's entry.
        public init(int32 values: [Int32]) {
            dtype = "I32"; shape = [values.count]; bytes = values.withUnsafeBytes { Array($0) }
        }

        /// The tensor, when the entry holds floats.
        public var tensor: Tensor? {
            switch dtype {
            case "F32": return Tensor(shape: shape, bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) })
            case "F64": return Tensor(shape: shape, bytes.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) })
            default: return nil
            }
        }

        /// The values, when the entry holds int32.
        public var int32s: [Int32]? {
            dtype == "I32" ? bytes.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) } : nil
        }
    }

    static let elementSizes = ["F32": 4, "F64": 8, "I32": 4, "I64": 8, "F16": 2, "BF16": 2, "U8": 1, "I8": 1]

    public var tensors: [String: Entry]
    public var metadata: [String: String]

    public init(tensors: [String: Entry] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors; self.metadata = metadata
    }

    /// The file's bytes; tensors in name order, so equal contents give equal files.
    public func encoded() -> [UInt8] {
        var header = JSONObject()
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let entry = tensors[name]!
            header[name] = .object(JSONObject([
                ("dtype", .string(entry.dtype)), ("shape", .numbers(entry.shape.map(Double.init))),
                ("data_offsets", .numbers([Double(offset), Double(offset + entry.bytes.count)])),
            ]))
            offset += entry.bytes.count
        }
        if !metadata.isEmpty {
            header["__metadata__"] = .object(JSONObject(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
        }
        var headerBytes = Array(JSONValue.object(header).jsonText.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var out = withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { Array($0) }
        out += headerBytes
        for name in names { out += tensors[name]!.bytes }
        return out
    }

    /// Writes the file as `OutputFile` does (a regular file replaced atomically, keeping its mode).
    public func write(to path: String) throws(CheckpointError) {
        do throws(OutputFileError) { try OutputFile.write(encoded(), to: path) } catch {
            throw CheckpointError("\(error)")
        }
    }

    /// Reads and validates a file; every structural problem is one clear error naming the path.
    public init(path: String) throws(CheckpointError) {
        guard FileManager.default.fileExists(atPath: path) else { throw CheckpointError("\(path): no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw CheckpointError("\(path): cannot read the file") }
        try self.init(bytes: [UInt8](data), source: path)
    }

    /// Parses a file's bytes; `source` names it in errors.
    public init(bytes: [UInt8], source: String) throws(CheckpointError) {
        func fail(_ why: String) -> CheckpointError { CheckpointError("\(source): not a valid safetensors file: \(why)") }
        guard bytes.count >= 8 else { throw fail("\(bytes.count) bytes, shorter than the 8-byte header length") }
        let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(bytes.count - 8), headerLength <= 100_000_000 else {
            throw fail("header length \(headerLength) exceeds the file (\(bytes.count) bytes); truncated or not safetensors")
        }
        let headerEnd = 8 + Int(headerLength)
        let header: JSONValue
        do throws(JSONSyntaxError) {
            header = try JSONParser.parse(bytes: Array(bytes[8..<headerEnd]))
        } catch {
            throw fail("header is not JSON (column \(error.column): \(error.reason))")
        }
        guard case .object(let object) = header else { throw fail("header is not a JSON object") }
        let dataLength = bytes.count - headerEnd
        var tensors: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        var ranges: [(Int, Int, String)] = []
        for (name, value) in object {
            if name == "__metadata__" {
                guard case .object(let m) = value else { throw fail("__metadata__ is not an object") }
                for (k, v) in m {
                    guard case .string(let s) = v else { throw fail("metadata \"\(k)\" is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard case .object(let info) = value, case .string(let dtype)? = info["dtype"],
                  case .array(let shapeValues)? = info["shape"], case .array(let offsetValues)? = info["data_offsets"],
                  offsetValues.count == 2 else {
                throw fail("tensor \"\(name)\" lacks dtype, shape or data_offsets")
            }
            guard let size = Self.elementSizes[dtype] else { throw fail("tensor \"\(name)\" has unknown dtype \(dtype)") }
            let shape = shapeValues.compactMap { $0.number.flatMap { $0 >= 0 && $0 == $0.rounded() && $0 < 1e12 ? Int($0) : nil } }
            let offsets = offsetValues.compactMap { $0.number.flatMap { $0 >= 0 && $0 == $0.rounded() && $0 < 1e15 ? Int($0) : nil } }
            guard shape.count == shapeValues.count, offsets.count == 2 else { throw fail("tensor \"\(name)\" has a malformed shape or offsets") }
            guard offsets[0] <= offsets[1], offsets[1] <= dataLength else {
                throw fail("tensor \"\(name)\" data \(offsets[0])..<\(offsets[1]) lies outside the \(dataLength)-byte buffer (truncated?)")
            }
            // The product is checked for overflow: a crafted shape (1e11 × 1e11) must be an error, not a trap.
            let (elements, elementsOverflow) = shape.reduce((1, false)) { acc, n in
                let (product, overflow) = acc.0.multipliedReportingOverflow(by: n)
                return (product, acc.1 || overflow)
            }
            let (byteCount, bytesOverflow) = elements.multipliedReportingOverflow(by: size)
            guard !elementsOverflow, !bytesOverflow, offsets[1] - offsets[0] == byteCount else {
                throw fail("tensor \"\(name)\" has \(offsets[1] - offsets[0]) bytes for shape \(shape) of \(dtype)")
            }
            ranges.append((offsets[0], offsets[1], name))
            tensors[name] = Entry(dtype: dtype, shape: shape, bytes: Array(bytes[(headerEnd + offsets[0])..<(headerEnd + offsets[1])]))
        }
        ranges.sort { $0.0 < $1.0 }
        for (a, b) in zip(ranges, ranges.dropFirst()) where b.0 < a.1 {
            throw fail("tensors \"\(a.2)\" and \"\(b.2)\" overlap")
        }
        self.tensors = tensors
        self.metadata = metadata
    }
}
