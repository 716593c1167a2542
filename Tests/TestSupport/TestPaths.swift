import Foundation

/// Paths into the repository for tests: samples, fixtures, a scratch directory.
public enum TestPaths {
    /// The repository root (found from this file's location, so tests run from any directory).
    public static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// A path under Samples/.
    public static func sample(_ relative: String) -> String {
        repositoryRoot.appendingPathComponent("Samples").appendingPathComponent(relative).path
    }

    /// A fresh, empty scratch directory under the system temporary directory.
    public static func scratchDirectory(_ name: String = #function) -> URL {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("trainscope-tests-\(getpid())-\(safe)-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Golden files: compared byte for byte, written instead when TRAINSCOPE_RECORD_SNAPSHOTS=1 (never in CI).
public enum Golden {
    public static let isRecording = ProcessInfo.processInfo.environment["TRAINSCOPE_RECORD_SNAPSHOTS"] == "1"

    /// nil when `text` equals the golden at `relativePath` (or was just recorded); else why not.
    public static func mismatch(_ text: String, _ relativePath: String) -> String? {
        let file = TestPaths.repositoryRoot.appendingPathComponent(relativePath)
        if isRecording {
            do { try text.write(to: file, atomically: true, encoding: .utf8) } catch { return "cannot record \(relativePath): \(error)" }
            return nil
        }
        guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
            return "no golden \(relativePath); record it with TRAINSCOPE_RECORD_SNAPSHOTS=1 swift test"
        }
        return text == expected ? nil : "\(relativePath) differs; inspect the new output and re-record if the change is intended"
    }
}
