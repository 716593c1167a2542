import Foundation
import JSONCore

/// A CSV metrics file (Lightning's `metrics.csv`, a spreadsheet export), read to its end or followed,
/// including the whole-file rewrites Lightning does when a new metric appears.
struct CSVFileSource: IngestSource {
    let path: String
    /// The run's name; by default the file's (or its folder's, for `metrics.csv`).
    var run: String?

    init(path: String, run: String? = nil) { self.path = path; self.run = run }

    func read(into sink: IngestSink) {
        let run = self.run ?? FileRunName.of(path, generic: ["metrics"])
        let tag = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        // Lightning's CSVLogger writes the hyperparameters beside its metrics.
        let hparamsPath = (path as NSString).deletingLastPathComponent + "/hparams.yaml"
        var config = JSONObject()
        if let data = FileManager.default.contents(atPath: hparamsPath) {
            let (read, problems) = HParamsFile.read(String(decoding: data, as: UTF8.self), source: hparamsPath)
            config = read
            problems.forEach { sink.post(.problem($0)) }
        }
        let fresh = { [path] in
            var reader = CSVMetricsReader(source: path, run: run, valueName: tag)
            reader.config = config
            return reader
        }
        var reader = fresh()
        var header: [UInt8]?
        // Lightning's CSVLogger rewrites the whole file, with a wider header, when a new metric
        // appears. The header is compared before and after each read: rows read across a rewrite
        // are dropped and the file is read again, skipping the rows already shown.
        let startOver = { (reader: inout CSVMetricsReader) in
            let shown = reader.rowsRead
            reader = fresh()
            reader.skipRows = shown
        }
        var batch: [IngestItem] = []
        sink.tail(path, parser: &reader, feed: { reader, chunk in reader.feed(chunk) { batch.append($0) } }, restart: { reader in
            batch = []
            startOver(&reader)
        }, rewritten: { [path] reader in
            let current = FileTail(path: path).firstLine()
            let changed = header != nil && current != nil && current != header && reader.header != nil
            if changed { startOver(&reader) }
            if current != nil { header = current }
            return changed
        }, settle: { [path] reader in
            let current = FileTail(path: path).firstLine()
            guard header != nil, current != nil, current != header else {
                if !batch.isEmpty { sink.post(batch: batch) }
                batch = []
                return false
            }
            batch = []
            startOver(&reader)
            header = current
            return true
        })
        reader.finish { batch.append($0) }
        if !batch.isEmpty { sink.post(batch: batch) }
    }
}
