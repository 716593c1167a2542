import Foundation

/// The run a single-file source (`metrics.csv`, `trainer_state.json`, `x.jsonl`) is shown as.
enum FileRunName {
    /// The file's parent directory for a generic file name (skipping a `checkpoint-N` directory),
    /// else the file's own name without its extension.
    static func of(_ path: String, generic: Set<String>) -> String {
        let name = (path as NSString).lastPathComponent
        let stem = (name as NSString).deletingPathExtension
        if !generic.isEmpty && !generic.contains(stem) { return stem }
        var directories = (((path as NSString).deletingLastPathComponent) as NSString).pathComponents.filter { $0 != "/" && $0 != "." }
        if let last = directories.last, last.hasPrefix("checkpoint-") { directories.removeLast() }
        return directories.last ?? stem
    }
}
