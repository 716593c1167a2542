import JSONCore
import Telemetry

/// Reads a Hugging Face `trainer_state.json`: its `log_history` becomes scalars, its other
/// top-level numbers the run's config.
///
/// Metric names follow the Trainer's own TensorBoard callback: `eval_loss` → `eval/loss`,
/// `test_acc` → `test/acc`, anything else `x` → `train/x`.
public enum TrainerStateReader {
    /// The events of a whole document and its number of log entries; `skipEntries` leaves out the
    /// first entries (already shown before the file was rewritten), `announce` adds the `run` event.
    /// A document that is not a trainer state throws, with its line and column; a bad entry is a
    /// problem among the items.
    public static func read(_ bytes: [UInt8], source: String, run: String, skipEntries: Int = 0,
                            announce: Bool = true) throws(SourceProblem) -> (items: [IngestItem], entries: Int) {
        // Read as Python's json reads what the Trainer wrote: a byte-order mark is skipped, a
        // repeated key keeps its last value (reported), nesting may go deeper than in events.
        let bom = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let document: JSONValue
        var items: [IngestItem] = []
        do throws(JSONSyntaxError) {
            let parsed = try JSONParser.parseKeepingLastDuplicates(bytes: Array(bytes[bom...]), maxDepth: 512)
            document = parsed.value
            // Each with its position (a scan from the start), the first ten; the rest counted.
            for duplicate in parsed.duplicates.prefix(10) {
                items.append(.problem(SourceProblem(source: source, position: position(ofByte: bom + duplicate.column - 1, in: bytes),
                                                    reason: "duplicate key \"\(duplicate.key)\"; the last value is kept")))
            }
            if parsed.duplicates.count > 10 {
                items.append(.problem(SourceProblem(source: source, reason: "\(parsed.duplicates.count - 10) more duplicate keys; the last values are kept")))
            }
        } catch {
            throw SourceProblem(source: source, position: position(ofByte: bom + error.column - 1, in: bytes), reason: error.reason)
        }
        guard let object = document.object else {
            throw SourceProblem(source: source, reason: "expected a JSON object with log_history, got \(document.typeName)")
        }
        guard let history = object["log_history"]?.array else {
            throw SourceProblem(source: source, reason: "no log_history array; is this a trainer_state.json?")
        }
        if announce {
            let config = JSONObject(object.entries.filter { $0.value.number != nil || $0.value.string != nil }.map { ($0.key, $0.value) })
            items.append(.event(.run(RunEvent(run: run, config: config, extra: JSONObject([("source", .string(source))])))))
        }
        for (index, entry) in history.enumerated().dropFirst(skipEntries) {
            let where_ = "log_history[\(index)]"
            guard let fields = entry.object else {
                items.append(.problem(SourceProblem(source: source, position: where_, reason: "expected an object, got \(entry.typeName); skipped")))
                continue
            }
            guard let stepValue = fields["step"]?.number, stepValue.rounded() == stepValue, abs(stepValue) < 9e15 else {
                items.append(.problem(SourceProblem(source: source, position: where_, reason: "no integer 'step'; skipped")))
                continue
            }
            var values: [String: Double] = [:]
            for (key, value) in fields where key != "step" {
                guard let number = value.number else { continue }
                values[metricName(key)] = number
            }
            if !values.isEmpty { items.append(.event(.scalars(ScalarsEvent(run: run, step: Int(stepValue), values: values)))) }
        }
        return (items, history.count)
    }

    /// `eval_loss` → `eval/loss`, `test_acc` → `test/acc`, `loss` → `train/loss`.
    public static func metricName(_ key: String) -> String {
        for prefix in ["eval", "test"] where key.hasPrefix(prefix + "_") {
            return prefix + "/" + key.dropFirst(prefix.count + 1)
        }
        return "train/" + key
    }

    /// `line L, column C` of a 0-based byte offset.
    static func position(ofByte offset: Int, in bytes: [UInt8]) -> String {
        var line = 1, lineStart = 0
        for i in 0..<min(max(offset, 0), bytes.count) where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        return "line \(line), column \(max(offset, 0) - lineStart + 1)"
    }
}
