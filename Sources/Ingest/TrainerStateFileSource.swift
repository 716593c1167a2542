import Foundation

/// A Hugging Face `trainer_state.json`, which the Trainer rewrites whole at each save: read again
/// when it changes, showing only the log entries not shown before.
struct TrainerStateFileSource: IngestSource {
    let path: String

    func read(into sink: IngestSink) {
        let run = FileRunName.of(path, generic: ["trainer_state"])
        var shown = 0
        var announced = false
        var previous: [UInt8]?
        var failedOnce = false
        while true {
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
