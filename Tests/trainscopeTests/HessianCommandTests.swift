import Foundation
import Testing
import TestSupport

@Suite struct HessianCommandTests {
    /// A 264-parameter checkpoint, trained 30 steps.
    func checkpoint(_ dir: URL, hidden: Int = 8) throws -> String {
        let out = try CommandRunner.run(["run", "--headless", "--set", "p=11", "--set", "hidden=\(hidden)", "--steps", "30",
                                         "--checkpoint-dir", dir.path])
        #expect(out.status == 0, "\(out.stderr)")
        return dir.appendingPathComponent("step-0000030.safetensors").path
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func lanczosAgreesWithTheExactSpectrumAndTheTraceEstimateWithTheExactTrace() throws {
        let path = try checkpoint(TestPaths.scratchDirectory())
        let estimated = try CommandRunner.run(["hessian", path, "--top-k", "4", "--trace", "--density", "--json"])
        let exact = try CommandRunner.run(["hessian", path, "--top-k", "4", "--trace", "--exact", "--json"])
        #expect(estimated.status == 0 && exact.status == 0, "\(estimated.stderr)\(exact.stderr)")
        let e = try json(estimated.stdout), x = try json(exact.stdout)
        let topE = try #require(e["top"] as? [Double]), topX = try #require(x["top"] as? [Double])
        #expect(topE.count == 4)
        for (a, b) in zip(topE, topX) { #expect(abs(a - b) <= 1e-6 * abs(b), "\(topE) vs \(topX)") }
        let traceE = try #require(e["trace"] as? [String: Any]), traceX = try #require(x["trace"] as? [String: Any])
        let value = try #require(traceE["value"] as? Double), stderr = try #require(traceE["stderr"] as? Double)
        let truth = try #require(traceX["value"] as? Double)
        #expect(abs(value - truth) <= 3 * stderr, "Hutch++ \(value) ± \(stderr) vs exact \(truth)")
        let density = try #require(e["density"] as? [String: Any])
        #expect((density["grid"] as? [Double])?.count == 200 && density["width"] is Double)
        #expect((x["eigenvalues"] as? [Double])?.count == 264)
        #expect(e["parameters"] as? Int == 264 && e["step"] as? Int == 30)
    }

    @Test func textReportNamesEachEstimate() throws {
        let out = try CommandRunner.run(["hessian", try checkpoint(TestPaths.scratchDirectory()), "--trace", "--top-k", "2"])
        #expect(out.status == 0)
        #expect(out.stdout.contains("264 parameters"))
        #expect(out.stdout.contains("top-2 eigenvalues (Lanczos"))
        #expect(out.stdout.contains("trace (Hutch++, 60 HVPs)"))
        #expect(out.stdout.contains("Hessian-vector products"))
    }

    @Test(arguments: ["missing", "truncated", "not safetensors", "another model"])
    func badCheckpointsAreOneLineAndNonZero(_ kind: String) throws {
        let dir = TestPaths.scratchDirectory()
        var path = dir.appendingPathComponent("bad.safetensors").path
        var expected = ""
        switch kind {
        case "missing":
            expected = "no such file"
        case "truncated":
            let good = try Data(contentsOf: URL(fileURLWithPath: try checkpoint(dir)))
            try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: path))
            expected = "not a valid safetensors file"
        case "not safetensors":
            try Data("{\"v\":1,\"type\":\"pause\"}\n".utf8).write(to: URL(fileURLWithPath: path))
            expected = "not a valid safetensors file"
        default:
            // A checkpoint whose tensors do not fit the model its config describes.
            path = try checkpoint(dir, hidden: 12)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let needle = Data(#"\"hidden\":12"#.utf8)  // inside the JSON-escaped config metadata
            let range = try #require(bytes.firstRange(of: needle))
            bytes[range.upperBound - 1] = UInt8(ascii: "6")  // hidden 12 → 16: same file, other model
            try bytes.write(to: URL(fileURLWithPath: path))
            expected = "a checkpoint of another model?"
        }
        let out = try CommandRunner.run(["hessian", path])
        #expect(out.status != 0)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.hasPrefix("trainscope: error: \(path)"), "\(out.stderr)")
        #expect(out.stderr.contains(expected), "\(out.stderr)")
        #expect(out.stderr.filter { $0 == "\n" }.count == 1)
    }

    @Test func blockRestrictsToOneLayer() throws {
        let path = try checkpoint(TestPaths.scratchDirectory())
        let out = try CommandRunner.run(["hessian", path, "--block", "out", "--exact", "--top-k", "1", "--json"])
        #expect(out.status == 0, "\(out.stderr)")
        let report = try json(out.stdout)
        #expect(report["block"] as? String == "out" && report["dimension"] as? Int == 88)
        let full = try json(try CommandRunner.run(["hessian", path, "--exact", "--top-k", "1", "--json"]).stdout)
        let blockTop = try #require((report["top"] as? [Double])?.first), fullTop = try #require((full["top"] as? [Double])?.first)
        #expect(blockTop <= fullTop + 1e-9, "interlacing: block λmax \(blockTop) > full λmax \(fullTop)")
        let bad = try CommandRunner.run(["hessian", path, "--block", "nope"])
        #expect(bad.status == 2 && bad.stderr.contains("no layer 'nope'") && bad.stderr.contains("layers: embed_a, embed_b, out"))
    }

    @Test func exactModeRefusesLargeModelsWithAReason() throws {
        let out = try CommandRunner.run(["hessian", try checkpoint(TestPaths.scratchDirectory(), hidden: 200), "--exact"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("it is limited to 4096 parameters"))
    }
}
