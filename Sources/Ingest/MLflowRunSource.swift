import Foundation
import JSONCore
import Telemetry

/// One run of an MLflow file store (`mlruns/<experiment>/<run_id>/`): every file under `metrics/`
/// is a metric (its path below `metrics/` the key, as MLflow stores `train/loss`), `params/` the
/// run's config, `tags/mlflow.runName` its name. Metric files are tailed, and new ones picked up,
/// while followed.
struct MLflowRunSource: IngestSource {
    let directory: String
    let run: String

    /// The run's name as MLflow shows it (`tags/mlflow.runName`), else its directory's name.
    static func runName(of directory: String) -> String {
        let tag = (try? String(contentsOfFile: directory + "/tags/mlflow.runName", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return tag.flatMap { $0.isEmpty ? nil : $0 } ?? (directory as NSString).lastPathComponent
    }

    /// `params/<key>` files as config values: numbers where they parse, else strings.
    static func params(of directory: String) -> JSONObject {
        let root = directory + "/params"
        var config = JSONObject()
        for key in files(under: root) {
            guard let text = try? String(contentsOfFile: root + "/" + key, encoding: .utf8) else { continue }
            let value = text.trimmingCharacters(in: .newlines)
            config[key] = Double(value).map(JSONValue.number) ?? .string(value)
        }
        return config
    }

    /// Regular files below `root`, as paths relative to it, sorted.
    static func files(under root: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            if walker.fileAttributes?[.type] as? FileAttributeType == .typeRegular { found.append(relative) }
        }
        return found.sorted()
    }

    func read(into sink: IngestSink) {
        var config = Self.params(of: directory)
        config["mlflow.run_id"] = .string((directory as NSString).lastPathComponent)
        sink.post(.event(.run(RunEvent(run: run, config: config, extra: JSONObject([("source", .string(directory))])))))
        let metrics = directory + "/metrics"
        var tails: [String: (tail: FileTail, reader: MLflowMetricReader)] = [:]
        var order: [String] = []
        while true {
            for key in Self.files(under: metrics) where tails[key] == nil {
                let path = metrics + "/" + key
                tails[key] = (FileTail(path: path, chunkSize: 1 << 14), MLflowMetricReader(source: path, run: run, key: key))
                order.append(key)
            }
            for key in order {
                var entry = tails.removeValue(forKey: key)!
                switch entry.tail.poll({ chunk in sink.collecting { entry.reader.feed(chunk, $0) } }) {
                case .restarted:
                    sink.post(.notice("\(entry.reader.source): the file was truncated or replaced; reading it again"))
                    entry.reader = MLflowMetricReader(source: entry.reader.source, run: run, key: key)
                case .missing(let reason):
                    if sink.mode == .once { sink.post(.problem(SourceProblem(source: entry.reader.source, reason: reason))) }
                case .read: break
                }
                if sink.mode == .once {
                    sink.collecting { entry.reader.finish($0) }
                    entry.tail.close()
                }
                tails[key] = entry
            }
            if sink.mode == .once || !sink.pause() { break }
        }
        for key in order { tails[key]?.tail.close() }
    }
}
