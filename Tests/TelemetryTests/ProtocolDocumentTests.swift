import Foundation
import Testing
import Telemetry
import TestSupport

/// PROTOCOL.md is the contract external producers follow: its examples must be what this code reads and writes.
@Suite struct ProtocolDocumentTests {
    func exampleLines() throws -> [String] {
        let text = try String(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("PROTOCOL.md"), encoding: .utf8)
        var lines: [String] = []
        var inJSON = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```json") { inJSON = true; continue }
            if line.hasPrefix("```") { inJSON = false; continue }
            if inJSON { lines.append(String(line)) }
        }
        return lines
    }

    @Test func everyExampleDecodesAndReencodesIdentically() throws {
        let lines = try exampleLines()
        #expect(lines.count >= 16)
        for line in lines {
            let items = NDJSONDecoder.decodeAll(line)
            guard case .event(let event, _)? = items.first, items.count == 1 else {
                Issue.record("example does not decode: \(line) → \(items)")
                continue
            }
            #expect(event.jsonLine == line, "writer output differs from the documented example")
        }
    }

    @Test func everyKindAndErrorIsDocumented() throws {
        let text = try String(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("PROTOCOL.md"), encoding: .utf8)
        for kind in ["run", "scalars", "spectrum", "pareto", "histogram", "knob", "phase", "set", "pause", "resume",
                     "step", "fork", "rollback", "checkpoint", "stop"] {
            #expect(text.contains("`\(kind)`"), "kind \(kind) missing from PROTOCOL.md")
        }
        for kind in NDJSONErrorKind.allCases {
            #expect(text.contains("| `\(kind.rawValue)` |"), "error kind \(kind.rawValue) missing from PROTOCOL.md")
        }
    }
}
