import ArgumentParser
import Foundation

/// What `snapshot` writes: the rendered frame as text, ANSI or SVG, the data behind it as JSON, or
/// the scalars as a wide CSV.
enum SnapshotFormat: String, CaseIterable, ExpressibleByArgument {
    case txt, ansi, svg, json, csv

    /// The format `--format` names, else the one the output file's extension names, else text.
    static func resolve(_ format: SnapshotFormat?, output: String?) -> SnapshotFormat {
        format ?? output.flatMap { SnapshotFormat(rawValue: ($0 as NSString).pathExtension.lowercased()) } ?? .txt
    }
}
