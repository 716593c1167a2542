import Foundation

/// A folder of logs of any kinds, as people pass them: TensorBoard event files, Hugging Face
/// output directories, Lightning `version_*/metrics.csv`, MLflow file-store runs and NDJSON
/// recordings, all read at once, each kind by its own source. What was recognized is said once;
/// while followed, the folder is rescanned, so runs created later appear, and a folder that does
/// not exist yet is waited for.
struct LogFolderSource: IngestSource {
    let root: String
    /// Put in front of every run name when several folders are read at once.
    let prefix: String?

    /// What a scan found, each entry a path below (or at) the root.
    struct Contents: Equatable {
        /// Folders that hold TensorBoard event files (each a run).
        var tensorBoardRuns: Set<String> = []
        /// Trainer output directories (a `trainer_state.json` at the top or in a `checkpoint-N/`).
        var huggingFace: Set<String> = []
        /// `metrics.csv` files (Lightning's `version_N/`, or any CSVLogger folder).
        var lightning: Set<String> = []
        /// MLflow run directories (`meta.yaml` beside `metrics/`).
        var mlflow: Set<String> = []
        var ndjson: Set<String> = []

        var isEmpty: Bool { tensorBoardRuns.isEmpty && huggingFace.isEmpty && lightning.isEmpty && mlflow.isEmpty && ndjson.isEmpty }

        /// `3 TensorBoard runs, 1 Lightning run`.
        var summary: String {
            func count(_ n: Int, _ what: String, _ plural: String? = nil) -> String? {
                n == 0 ? nil : "\(n) \(n == 1 ? what : plural ?? what + "s")"
            }
            return [count(tensorBoardRuns.count, "TensorBoard run"), count(huggingFace.count, "Hugging Face run"),
                    count(lightning.count, "Lightning run"), count(mlflow.count, "MLflow run"),
                    count(ndjson.count, "NDJSON recording")].compactMap { $0 }.joined(separator: ", ")
        }
    }

    /// Folders below this depth, and entries past this count, are not looked at: a scan of `/` or
    /// of a dataset folder must end.
    static let maxDepth = 8
    static let maxEntries = 200_000

    /// Everything recognizable at or below `root`. `sessions` remembers which folders are
    /// `add_hparams` sessions (decided from their files' first records, once per folder).
    static func scan(_ root: String, sessions: inout [String: Bool]) -> Contents {
        var found = Contents()
        guard let walker = FileManager.default.enumerator(atPath: root) else { return found }
        let fm = FileManager.default
        var seen = 0
        while let relative = walker.nextObject() as? String {
            seen += 1
            if seen > maxEntries { break }
            let name = (relative as NSString).lastPathComponent
            let parent = (relative as NSString).deletingLastPathComponent
            let folder = parent.isEmpty ? root : root + "/" + parent
            if walker.fileAttributes?[.type] as? FileAttributeType == .typeDirectory {
                // Hidden folders (.git, MLflow's .trash) and the insides of an MLflow run are not logs of their own.
                let insideMLflowRun = ["metrics", "params", "tags", "artifacts"].contains(name) && fm.fileExists(atPath: folder + "/meta.yaml")
                if name.hasPrefix(".") || insideMLflowRun || walker.level >= maxDepth { walker.skipDescendants() }
                continue
            }
            let lowered = name.lowercased()
            if name.contains("tfevents") {
                found.tensorBoardRuns.insert(folder)
            } else if name == "trainer_state.json" {
                let isCheckpoint = (folder as NSString).lastPathComponent.hasPrefix("checkpoint-")
                found.huggingFace.insert(isCheckpoint ? (folder as NSString).deletingLastPathComponent : folder)
            } else if name == "metrics.csv" {
                found.lightning.insert(root + "/" + relative)
            } else if name == "meta.yaml", SourceAddress.probe(folder + "/metrics").isDirectory {
                found.mlflow.insert(folder)
            } else if lowered.hasSuffix(".jsonl") || lowered.hasSuffix(".ndjson") {
                found.ndjson.insert(root + "/" + relative)
            }
        }
        // add_hparams sessions are the config of the run above them, not runs of their own.
        for folder in found.tensorBoardRuns {
            if sessions[folder] == nil {
                let files = TensorBoardSource.eventFiles(under: folder).filter { ($0 as NSString).deletingLastPathComponent == folder }
                sessions[folder] = !files.isEmpty
                    && files.allSatisfy { TensorBoardSource.hparamsSessionOwner(of: $0, runFolders: found.tensorBoardRuns) != nil }
            }
            if sessions[folder]! { found.tensorBoardRuns.remove(folder) }
        }
        return found
    }

    /// A run's name: its folder relative to the root (the root's own name for the root itself).
    func runName(_ folder: String) -> String {
        var relative = folder.hasPrefix(root + "/") ? String(folder.dropFirst(root.count + 1)) : ""
        if relative.isEmpty { relative = (root as NSString).lastPathComponent }
        return prefix.map { "\($0)/\(relative)" } ?? relative
    }

    func read(into sink: IngestSink) {
        var started = Contents()
        var sessions: [String: Bool] = [:]
        var mlflowNames: Set<String> = []
        var said = false
        var waiting = false
        var polls = 0
        while true {
            // A rescan every 2 s or so: new runs appear without walking a large tree 4 times a second.
            if polls % 8 == 0 {
                if !SourceAddress.probe(root).exists {
                    if sink.mode == .once {
                        sink.post(.problem(SourceProblem(source: root, reason: "no such file or directory")))
                        return
                    }
                    if !waiting { sink.post(.notice("\(root): does not exist yet; waiting for it")) }
                    waiting = true
                } else {
                    if waiting { sink.post(.notice("\(root): appeared")) }
                    waiting = false
                    let found = Self.scan(root, sessions: &sessions)
                    var sources: [IngestSource] = []
                    if started.tensorBoardRuns.isEmpty && !found.tensorBoardRuns.isEmpty {
                        sources.append(TensorBoardSource(root: root, prefix: prefix))
                    }
                    for directory in found.huggingFace.subtracting(started.huggingFace).sorted() {
                        sources.append(TrainerStateFileSource(path: directory, run: runName(directory)))
                    }
                    for file in found.lightning.subtracting(started.lightning).sorted() {
                        sources.append(CSVFileSource(path: file, run: runName((file as NSString).deletingLastPathComponent)))
                    }
                    for directory in found.mlflow.subtracting(started.mlflow).sorted() {
                        // Two runs of one name (a rerun) stay apart by their ids.
                        var name = MLflowRunSource.runName(of: directory)
                        if !mlflowNames.insert(name).inserted { name += " (\((directory as NSString).lastPathComponent.prefix(8)))" }
                        sources.append(MLflowRunSource(directory: directory, run: prefix.map { "\($0)/\(name)" } ?? name))
                    }
                    for file in found.ndjson.subtracting(started.ndjson).sorted() { sources.append(NDJSONFileSource(path: file)) }
                    let new = Contents(tensorBoardRuns: found.tensorBoardRuns.subtracting(started.tensorBoardRuns),
                                       huggingFace: found.huggingFace.subtracting(started.huggingFace),
                                       lightning: found.lightning.subtracting(started.lightning),
                                       mlflow: found.mlflow.subtracting(started.mlflow), ndjson: found.ndjson.subtracting(started.ndjson))
                    if !new.isEmpty {
                        sink.post(said ? .notice("\(root): new: \(new.summary)") : .found("\(root): \(new.summary)"))
                        said = true
                    } else if !said && sink.mode == .once {
                        sink.post(.problem(SourceProblem(source: root, reason: "no logs found (TensorBoard event files, trainer_state.json, metrics.csv, MLflow runs, .jsonl)")))
                    } else if !said && polls == 0 {
                        sink.post(.notice("\(root): no logs yet; waiting for them"))
                    }
                    started = Contents(tensorBoardRuns: started.tensorBoardRuns.union(found.tensorBoardRuns),
                                       huggingFace: started.huggingFace.union(found.huggingFace), lightning: started.lightning.union(found.lightning),
                                       mlflow: started.mlflow.union(found.mlflow), ndjson: started.ndjson.union(found.ndjson))
                    for source in sources {
                        if sink.mode == .once { source.read(into: sink) } else { sink.spawn { source.read(into: sink) } }
                    }
                }
            }
            polls += 1
            if sink.mode == .once || !sink.pause() { return }
        }
    }
}
