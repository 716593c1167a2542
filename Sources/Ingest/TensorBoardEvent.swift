import JSONCore
import Telemetry

/// One record of a TensorBoard event file, decoded: the `Event` protocol buffer
/// (tensorflow/core/util/event.proto) reduced to what the dashboard draws.
public struct TensorBoardEvent: Sendable, Equatable {
    /// Unix seconds, as the writer stamped it.
    public var wallTime: Double
    public var step: Int
    /// `brain.Event:2` on a file's first record.
    public var fileVersion: String?
    /// The summary's values in file order, and the records this event holds that are not drawn.
    public var values: [TensorBoardValue]

    public init(wallTime: Double, step: Int, fileVersion: String? = nil, values: [TensorBoardValue] = []) {
        self.wallTime = wallTime; self.step = step; self.fileVersion = fileVersion; self.values = values
    }
}

/// A summary value: one trainscope draws, a text for the events panel, or a kind it skips.
public enum TensorBoardValue: Sendable, Equatable {
    /// How a scalar was written: PyTorch's and TF1's `simple_value`, or TF2's rank-0 tensor.
    public enum ScalarEncoding: String, Sendable { case simpleValue = "simple_value", tensor }

    case scalar(tag: String, value: Double, encoding: ScalarEncoding)
    /// `counts[i]` falls in `[edges[i], edges[i+1])`; `edges.count == counts.count + 1`.
    case histogram(tag: String, edges: [Double], counts: [Double])
    /// The `text` plugin's strings (PyTorch's `add_text`), joined by newlines.
    case text(tag: String, text: String)
    /// The hparams a run was started with (the hparams plugin's session start): its config.
    case hparams(JSONObject)
    /// A record that is not drawn, by kind: `image`, `audio`, `graph`, `run_metadata`, a plugin's name.
    case skipped(kind: String)

    public static func == (lhs: TensorBoardValue, rhs: TensorBoardValue) -> Bool {
        switch (lhs, rhs) {
        case let (.scalar(a, x, e), .scalar(b, y, f)): a == b && e == f && (x == y || (x.isNaN && y.isNaN))
        case let (.histogram(a, e1, c1), .histogram(b, e2, c2)): a == b && e1 == e2 && c1 == c2
        case let (.text(a, x), .text(b, y)): a == b && x == y
        case let (.hparams(a), .hparams(b)): a == b
        case let (.skipped(a), .skipped(b)): a == b
        default: false
        }
    }
}

/// Decodes event records; remembers each tag's plugin, because writers send `SummaryMetadata` only
/// with a tag's first value in a file.
public struct TensorBoardEventDecoder {
    /// A record that is not a valid `Event`.
    public struct DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    private var pluginByTag: [String: String] = [:]
    private var tags = StringInterner()

    /// A decoder for one event file.
    public init() {}

    /// Decodes one record payload.
    public mutating func decode(_ payload: UnsafeRawBufferPointer) throws(DecodingError) -> TensorBoardEvent {
        var event = TensorBoardEvent(wallTime: .nan, step: 0)
        do throws(ProtobufReader.MalformedError) {
            var reader = ProtobufReader(payload)
            while let (field, value) = try reader.next() {
                switch field {
                case 1: event.wallTime = value.double ?? event.wallTime
                case 2: event.step = Int(truncatingIfNeeded: value.int64 ?? 0)
                case 3: event.fileVersion = value.string
                // A graph (PyTorch's `add_graph` writes GraphDef, then its step stats as run metadata).
                case 4, 9: event.values.append(.skipped(kind: "graph"))
                case 6: event.values.append(.skipped(kind: "log_message"))
                case 7: event.values.append(.skipped(kind: "session_log"))
                case 8: event.values.append(.skipped(kind: "run_metadata"))
                case 5:
                    guard let summary = value.bytes else { continue }
                    var values = ProtobufReader(summary)
                    while let (summaryField, summaryValue) = try values.next() {
                        if summaryField == 1, let bytes = summaryValue.bytes, let decoded = try decodeValue(bytes) {
                            event.values.append(decoded)
                        }
                    }
                default: continue
                }
            }
        } catch {
            throw DecodingError(reason: "malformed Event at byte \(error.offset) of the record: \(error.reason)")
        }
        return event
    }

    /// Decodes one `Summary.Value`; kinds the dashboard does not draw come back as `.skipped`.
    private mutating func decodeValue(_ bytes: UnsafeRawBufferPointer) throws(ProtobufReader.MalformedError) -> TensorBoardValue? {
        var tag = ""
        var simpleValue: Float?
        var histogram: UnsafeRawBufferPointer?
        var tensor: UnsafeRawBufferPointer?
        var plugin: String?
        var pluginContent: UnsafeRawBufferPointer?
        var other: String?
        var reader = ProtobufReader(bytes)
        while let (field, value) = try reader.next() {
            switch field {
            case 1: tag = value.bytes.map { tags.intern($0) } ?? ""
            case 2: simpleValue = value.float
            case 3: other = "histogram"  // TF1's obsolete old-style histogram, never written since 2016
            case 4: other = "image"
            case 5: histogram = value.bytes
            case 6: other = "audio"
            case 8: tensor = value.bytes
            case 9: if let metadata = value.bytes { (plugin, pluginContent) = try Self.plugin(metadata) }
            default: continue
            }
        }
        if let plugin, !plugin.isEmpty { pluginByTag[tag] = plugin }
        if let simpleValue { return .scalar(tag: tag, value: Double(simpleValue), encoding: .simpleValue) }
        if let histogram { return try Self.histogram(tag: tag, proto: histogram) ?? .skipped(kind: "malformed histogram") }
        if let other { return .skipped(kind: other) }
        let kind = pluginByTag[tag]
        // A value with no data of its own: its plugin's metadata is the record (the hparams plugin).
        if kind == "hparams", let pluginContent {
            guard let config = try TensorBoardHParams.sessionStart(pluginContent) else { return nil }
            return .hparams(config)
        }
        guard let tensor else { return kind.map { .skipped(kind: $0) } }
        let decoded = try TensorValues(tensor)
        switch kind {
        case "scalars", nil:
            guard decoded.shape.allSatisfy({ $0 == 1 }), decoded.values.count == 1 else {
                return decoded.strings.isEmpty ? .skipped(kind: kind == nil ? "tensor" : "non-scalar scalars") : .skipped(kind: "string tensor")
            }
            return .scalar(tag: tag, value: decoded.values[0], encoding: .tensor)
        case "histograms":
            // TensorBoard 2.x histograms: a [k, 3] tensor of (left edge, right edge, count) rows.
            // Compared by division: a crafted shape ([2^62, 3]) must not overflow the product.
            guard decoded.shape.count == 2, decoded.shape[1] == 3, decoded.shape[0] > 0,
                  decoded.values.count.isMultiple(of: 3), decoded.values.count / 3 == decoded.shape[0] else {
                return .skipped(kind: "malformed histogram")
            }
            let rows = decoded.shape[0]
            var edges = (0..<rows).map { decoded.values[3 * $0] }
            edges.append(decoded.values[3 * rows - 2])
            guard Self.nondecreasing(edges) else { return .skipped(kind: "malformed histogram") }
            return .histogram(tag: tag, edges: edges, counts: (0..<rows).map { decoded.values[3 * $0 + 2] })
        case "text":
            return .text(tag: tag, text: decoded.strings.joined(separator: "\n"))
        case let other?:
            return .skipped(kind: other)
        }
    }

    /// `SummaryMetadata.plugin_data`: the plugin's name and its content bytes.
    private static func plugin(_ metadata: UnsafeRawBufferPointer) throws(ProtobufReader.MalformedError) -> (String?, UnsafeRawBufferPointer?) {
        var reader = ProtobufReader(metadata)
        var name: String?, content: UnsafeRawBufferPointer?
        while let (field, value) = try reader.next() {
            guard field == 1, let pluginData = value.bytes else { continue }
            var plugin = ProtobufReader(pluginData)
            while let (pluginField, pluginValue) = try plugin.next() {
                if pluginField == 1 { name = pluginValue.string }
                if pluginField == 2 { content = pluginValue.bytes }
            }
        }
        return (name, content)
    }

    /// A `HistogramProto` (PyTorch's `add_histogram`, TF1): bucket i ends at `bucket_limit[i]`.
    /// The outer limits are not data: PyTorch's leading empty bucket ends *below* `min` (the left
    /// edge of its first bin), TF1 opens at `-DBL_MAX` and closes at `DBL_MAX`. So, as TensorBoard
    /// draws it (`data_compat._migrate_histogram_value`), the empty buckets at both ends go and the
    /// remaining ones span `min` … `max`; the edges are then non-decreasing, as the event contract
    /// requires. All-empty histograms and edges that still run backwards are malformed.
    private static func histogram(tag: String, proto: UnsafeRawBufferPointer) throws(ProtobufReader.MalformedError) -> TensorBoardValue? {
        var minimum = 0.0, maximum = 0.0
        var limits: [Double] = [], counts: [Double] = []
        var reader = ProtobufReader(proto)
        while let (field, value) = try reader.next() {
            switch field {
            case 1: minimum = value.double ?? minimum
            case 2: maximum = value.double ?? maximum
            case 6: limits += ProtobufReader.doubles(value)
            case 7: counts += ProtobufReader.doubles(value)
            default: continue
            }
        }
        guard limits.count == counts.count,
              let first = counts.firstIndex(where: { $0 > 0 }), let last = counts.lastIndex(where: { $0 > 0 })
        else { return nil }
        let edges = [minimum] + limits[first..<last] + [maximum]
        guard nondecreasing(edges) else { return nil }
        return .histogram(tag: tag, edges: edges, counts: Array(counts[first...last]))
    }

    /// Whether `edges` can be bin edges in the event contract (NaN never can).
    private static func nondecreasing(_ edges: [Double]) -> Bool {
        zip(edges, edges.dropFirst()).allSatisfy { $0 <= $1 }
    }
}

/// The numbers of a `TensorProto` (tensorflow/core/framework/tensor.proto), as doubles.
struct TensorValues {
    var shape: [Int] = []
    var values: [Double] = []
    /// `string_val` of a DT_STRING tensor (the text plugin), invalid UTF-8 repaired.
    var strings: [String] = []

    init(_ bytes: UnsafeRawBufferPointer) throws(ProtobufReader.MalformedError) {
        var dtype: Int64 = 0
        var content: UnsafeRawBufferPointer?
        var reader = ProtobufReader(bytes)
        while let (field, value) = try reader.next() {
            switch field {
            case 1: dtype = value.int64 ?? 0
            case 2:
                guard let shapeBytes = value.bytes else { continue }
                var shapeReader = ProtobufReader(shapeBytes)
                while let (shapeField, dim) = try shapeReader.next() {
                    guard shapeField == 2, let dimBytes = dim.bytes else { continue }
                    var dimReader = ProtobufReader(dimBytes)
                    var size = 0
                    while let (dimField, sizeValue) = try dimReader.next() {
                        if dimField == 1 { size = Int(sizeValue.int64 ?? 0) }
                    }
                    shape.append(size)
                }
            case 4: content = value.bytes
            case 5: values += ProtobufReader.floats(value).map(Double.init)
            case 6: values += ProtobufReader.doubles(value)
            case 8: if let text = value.bytes { strings.append(String(decoding: text, as: UTF8.self)) }
            case 7, 10: values += (ProtobufReader.varints(value) ?? []).map { Double($0) }
            case 13: values += (ProtobufReader.varints(value) ?? []).map { Self.halfOrBFloat($0, dtype: dtype) }
            default: continue
            }
        }
        if let content { values = Self.decode(content, dtype: dtype) }
    }

    /// Half and bfloat16 values travel as the low 16 bits of an int32.
    private static func halfOrBFloat(_ raw: Int64, dtype: Int64) -> Double {
        let bits = UInt16(truncatingIfNeeded: raw)
        return dtype == 14 ? Double(Float(bitPattern: UInt32(bits) << 16)) : Double(Float16(bitPattern: bits))
    }

    /// `tensor_content`: the raw little-endian array of the dtype
    /// (DT_FLOAT 1, DT_DOUBLE 2, DT_INT32 3, DT_INT64 9, DT_BFLOAT16 14, DT_HALF 19).
    private static func decode(_ raw: UnsafeRawBufferPointer, dtype: Int64) -> [Double] {
        func load<T: FixedWidthInteger>(_: T.Type, _ convert: (T) -> Double) -> [Double] {
            let size = MemoryLayout<T>.size
            return stride(from: 0, to: raw.count - size + 1, by: size).map { convert(raw.loadUnaligned(fromByteOffset: $0, as: T.self).littleEndian) }
        }
        switch dtype {
        case 1: return load(UInt32.self) { Double(Float(bitPattern: $0)) }
        case 2: return load(UInt64.self) { Double(bitPattern: $0) }
        case 3: return load(Int32.self) { Double($0) }
        case 9: return load(Int64.self) { Double($0) }
        case 14: return load(UInt16.self) { Double(Float(bitPattern: UInt32($0) << 16)) }
        case 19: return load(UInt16.self) { Double(Float16(bitPattern: $0)) }
        default: return []
        }
    }
}
