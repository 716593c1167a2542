import Foundation

/// A Hugging Face `trainer_state.json`, which the Trainer rewrites whole at each save: read again
/// when it changes, showing only the log entries not shown before. Given an output directory, the
/// newest state is read: the top-level file or the one in the newest `checkpoint-N/`, following
/// new checkpoints as the Trainer writes them (each holds the whole log history so far).
struct TrainerStateFileSource: IngestSource {
    /// A `trainer_state.json`, or a Trainer output directory.
    let path: String
    /// The run's name; by default the output directory's.
    var run: String?

    init(path: String, run: String? = nil) { self.path = path; self.run = run }

    /// The newest state file of an output directory: by modification time, the top-level file
    /// winning a tie (the Trainer's final `save_state`).
    static func newestState(in directory: String) -> String? {
        let fm = FileManager.default
        var candidates = [directory + "/trainer_state.json"]
        if let names = try? fm.contentsOfDirectory(atPath: directory) {
            candidates += names.filter { $0.hasPrefix("checkpoint-") && Int($0.dropFirst(11)) != nil }
                .map { directory + "/" + $0 + "/trainer_state.json" }
        }
        let dated = candidates.compactMap { path -> (String, Date)? in
            guard let date = (try? fm.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return nil }
            return (path, date)
        }
        return dated.max { ($0.1, $0.0 == candidates[0] ? 1 : 0) < ($1.1, $1.0 == candidates[0] ? 1 : 0) }?.0
    }

    func read(into sink: IngestSink) {
        let isDirectory = SourceAddress.probe(path).isDirectory
        let run = self.run ?? FileRunName.of(isDirectory ? path + "/trainer_state.json" : path, generic: ["trainer_state"])
        var shown = 0
        var announced = false
        var previous: [UInt8]?
        var failedOnce = false
        var current: String?
        while true {
            let path = isDirectory ? Self.newestState(in: self.path) ?? self.path + "/trainer_state.json" : self.path
            if current != nil && current != path { sink.post(.notice("\(run): reading \(path)")) }
            current = path
            if let bytes = FileManager.default.contents(atPath: path).map(Array.init), bytes != previous || failedOnce {
                do throws(SourceProblem) {
                    let (items, entries) = try TrainerStateReader.read(bytes, source: path, run: run, skipEntries: shown, announce: !announced)
                    if !items.isEmpty { sink.post(batch: items) }
                    announced = true
                    shown = max(shown, entries)
                    failedOnce = false
                } catch {
                    // The Trainer rewrites the file in place: a half-written copy fails once and
                    // parses at the next poll, so a follower reports only a failure that persists.
                    if sink.mode == .once || failedOnce { sink.post(.problem(error)) }
                    failedOnce = sink.mode == .follow && !failedOnce
                }
                previous = bytes
            } else if sink.mode == .once {
                sink.post(.problem(SourceProblem(source: path, reason: "cannot read the file")))
            }
            if sink.mode == .once || !sink.pause() { return }
        }
    }
}
