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
