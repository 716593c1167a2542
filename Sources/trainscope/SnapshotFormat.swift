import ArgumentParser
import Foundation

/// What `snapshot` writes: the rendered frame as text, ANSI or SVG, the data behind it as JSON, or
/// the scalars as a wide CSV.
enum SnapshotFormat: String, CaseIterable, ExpressibleByArgument {
    case txt, ansi, svg, json, csv

    /// The format `--format` names, else the one the output file's extension names, else `fallback`;
    /// an extension that names no format is an error rather than a text file under a misleading name.
    static func resolve(_ format: SnapshotFormat?, output: String?, default fallback: SnapshotFormat = .txt) throws(ValidationError) -> SnapshotFormat {
        if let format { return format }
        let ext = output.map { ($0 as NSString).pathExtension.lowercased() } ?? ""
        if ext.isEmpty { return fallback }
        guard let named = SnapshotFormat(rawValue: ext) else {
            throw ValidationError("-o \(output!): .\(ext) is not a snapshot format (txt, ansi, svg, json, csv); give --format")
        }
        return named
    }
}
