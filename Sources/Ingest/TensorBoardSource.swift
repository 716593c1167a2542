import Foundation
import JSONCore
import Telemetry

/// A TensorBoard log directory (or one event file): every `events.out.tfevents.*` file below it,
/// one run per directory, new files picked up while followed.
struct TensorBoardSource: IngestSource {
    let root: String
    /// Put in front of every run name when several TensorBoard roots are read at once.
    let prefix: String?

    func read(into sink: IngestSink) {
        var files: [String: (tail: FileTail, reader: TensorBoardFileReader)] = [:]
        var order: [String] = []
        var announced: Set<String> = []
        var reportedEmpty = false
        let runRoot = SourceAddress.probe(root).isDirectory ? root : (root as NSString).deletingLastPathComponent
        while true {
            for path in Self.eventFiles(under: root) where files[path] == nil {
                let run = TensorBoardRunName.of(file: path, root: runRoot, prefix: prefix)
                files[path] = (FileTail(path: path), TensorBoardFileReader(source: path, run: run))
                order.append(path)
                if announced.insert(run).inserted {
                    sink.post(.event(.run(RunEvent(run: run, extra: JSONObject([("source", .string(root))])))))
                }
            }
            if order.isEmpty && !reportedEmpty {
                sink.post(sink.mode == .once ? .problem(SourceProblem(source: root, reason: "no events.out.tfevents.* files found"))
                                             : .notice("\(root): no event files yet; waiting for them"))
                reportedEmpty = true
            }
            for path in order {
                var entry = files[path]!
                files[path] = nil
                switch entry.tail.poll({ chunk in sink.collecting { entry.reader.feed(chunk, $0) } }) {
                case .restarted: entry.reader = TensorBoardFileReader(source: path, run: entry.reader.run)
                case .missing, .read: break
                }
                if sink.mode == .once { entry.reader.finish(sink.post) } else { entry.reader.flush(sink.post) }
                files[path] = entry
            }
            if sink.mode == .once || !sink.pause() { return }
        }
    }

    /// Every TensorBoard event file at or below `root`, ordered by path (writers put the creation
    /// time in the name, so a run's files come oldest first).
    static func eventFiles(under root: String) -> [String] {
        guard SourceAddress.probe(root).isDirectory else { return [root] }
        var found: [String] = []
        if let walker = FileManager.default.enumerator(atPath: root) {
            while let relative = walker.nextObject() as? String {
                if (relative as NSString).lastPathComponent.contains("tfevents") { found.append(root + "/" + relative) }
            }
        }
        return found.sorted()
    }
}
