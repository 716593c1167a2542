import JSONCore

/// The TensorBoard hparams plugin's records (`SummaryWriter.add_hparams`,
/// `tensorboard.plugins.hparams.api`): `HParamsPluginData` in a value's plugin content.
///
/// The session start (`SessionStartInfo`) holds the values a run was started with: they become the
/// run's config. The experiment (hparam domains, metric names) and the session end describe that
/// same session and carry no values of the run.
enum TensorBoardHParams {
    /// Nesting of `google.protobuf.Struct` values followed at most (deeper ones are kept as null).
    static let maxDepth = 16

    /// The hparams of a session start, by name; nil for the plugin's other records.
    static func sessionStart(_ content: UnsafeRawBufferPointer) throws(ProtobufReader.MalformedError) -> JSONObject? {
        var reader = ProtobufReader(content)
        while let (field, value) = try reader.next() {
            // HParamsPluginData: 2 experiment, 3 session_start_info, 4 session_end_info.
            guard field == 3, let start = value.bytes else { continue }
            var config = JSONObject()
            var info = ProtobufReader(start)
            while let (infoField, entry) = try info.next() {
                // SessionStartInfo.hparams (field 1): map<string, google.protobuf.Value> entries.
                guard infoField == 1, let bytes = entry.bytes else { continue }
                let (key, item) = try mapEntry(bytes, depth: 0)
                if let key { config[key] = item }
            }
            return config
        }
        return nil
    }

    /// One `map<string, Value>` entry: key (field 1) and value (field 2).
    private static func mapEntry(_ bytes: UnsafeRawBufferPointer, depth: Int) throws(ProtobufReader.MalformedError) -> (String?, JSONValue) {
        var key: String?
        var item = JSONValue.null
        var reader = ProtobufReader(bytes)
        while let (field, value) = try reader.next() {
            if field == 1 { key = value.string }
            if field == 2, let inner = value.bytes { item = try protobufValue(inner, depth: depth) }
        }
        return (key, item)
    }

    /// A `google.protobuf.Value` as JSON: null, number, string, bool, struct or list.
    private static func protobufValue(_ bytes: UnsafeRawBufferPointer, depth: Int) throws(ProtobufReader.MalformedError) -> JSONValue {
        guard depth < maxDepth else { return .null }
        var result = JSONValue.null
        var reader = ProtobufReader(bytes)
        while let (field, value) = try reader.next() {
            switch field {
            case 2: result = value.double.map(JSONValue.number) ?? result
            case 3: result = value.string.map(JSONValue.string) ?? result
            case 4: result = value.int64.map { .bool($0 != 0) } ?? result
            case 5:
                var object = JSONObject()
                var fields = ProtobufReader(value.bytes ?? UnsafeRawBufferPointer(start: nil, count: 0))
                while let (structField, entry) = try fields.next() {
                    guard structField == 1, let entryBytes = entry.bytes else { continue }
                    let (key, item) = try mapEntry(entryBytes, depth: depth + 1)
                    if let key { object[key] = item }
                }
                result = .object(object)
            case 6:
                var items: [JSONValue] = []
                var list = ProtobufReader(value.bytes ?? UnsafeRawBufferPointer(start: nil, count: 0))
                while let (listField, element) = try list.next() {
                    if listField == 1, let elementBytes = element.bytes { items.append(try protobufValue(elementBytes, depth: depth + 1)) }
                }
                result = .array(items)
            default: continue
            }
        }
        return result
    }
}
