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
            let found = Self.eventFiles(under: root)
            let runFolders = Set(found.map { ($0 as NSString).deletingLastPathComponent })
            for path in found where files[path] == nil {
                // An hparams session's folder (add_hparams) belongs to the run of the folder above it.
                let owner = Self.hparamsSessionOwner(of: path, runFolders: runFolders).map { $0 + "/" + (path as NSString).lastPathComponent }
                let run = TensorBoardRunName.of(file: owner ?? path, root: runRoot, prefix: prefix)
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

    /// The run folder an event file's hparams session belongs to: the folder above its own, when
    /// that one holds event files too and the file starts an hparams session (`add_hparams` writes
    /// `LOGDIR/<time>/`: its values are the config of the run in LOGDIR, not a run of their own).
    static func hparamsSessionOwner(of file: String, runFolders: Set<String>) -> String? {
        let parent = ((file as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        guard runFolders.contains(parent), TensorBoardFileReader.startsHParamsSession(file) else { return nil }
        return parent
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
