import Foundation

/// An NDJSON file, read to its end or followed as it grows (restarted when truncated or replaced).
struct NDJSONFileSource: IngestSource {
    let path: String

    func read(into sink: IngestSink) {
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        var stream = NDJSONStream(source: path, fallbackRun: name)
        sink.tail(path, parser: &stream, feed: { stream, chunk in sink.collecting { stream.feed(chunk, $0) } },
                  restart: { [path] in $0 = NDJSONStream(source: path, fallbackRun: name) })
        stream.finish(sink.post)
    }
}
