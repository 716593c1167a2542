import JSONCore
import Snapshot
import Telemetry
import Testing
import Dashboard
import TerminalUI

@Suite struct DistributionTests {
    /// Uniform mass over [0, 4] in four buckets: each band by hand from TensorBoard's
    /// `compress_histogram` (bucket crossing the basis point, linear inside it).
    @Test func bandsInterpolateInsideTheCrossingBucketAsTensorBoardDoes() {
        let bands = DistributionBands.values(edges: [0, 1, 2, 3, 4], counts: [1, 1, 1, 1])
        let want = [0, 0.2672, 0.6348, 1.234, 2, 2.766, 3.3652, 3.7328, 4]
        #expect(bands.count == 9)
        for (got, expected) in zip(bands, want) { #expect(abs(got - expected) < 1e-12, "\(bands)") }
        // No mass before the crossing bucket: TensorBoard interpolates from the minimum, not from
        // the bucket's left edge (median -1 + 11/2 = 4.5, not 5).
        let skewed = DistributionBands.values(edges: [-1, 0, 10], counts: [0, 5])
        #expect(skewed[0] == -1 && skewed[8] == 10 && abs(skewed[4] - 4.5) < 1e-12, "\(skewed)")
        #expect(DistributionBands.values(edges: [2, 3], counts: [0]) == Array(repeating: 3, count: 9), "no mass: the maximum, as TensorBoard")
        #expect(DistributionBands.values(edges: [1], counts: [1]).count == 9, "a malformed histogram still has nine bands")
    }

    @Test func historyStaysBoundedThinsEvenlyAndKeepsTheNewest() {
        var history = HistogramHistory(capacity: 8)
        for step in 1...100 { history.append(HistogramEvent(step: step, name: "w", edges: [0, 1], counts: [Double(step)])) }
        #expect(history.entries.count <= 8 && history.received == 100 && history.isThinned)
        #expect(history.entries.last?.step == 100)
        let steps = history.entries.map(\.step)
        #expect(steps == steps.sorted() && steps.first == 1, "kept entries span the run from its first: \(steps)")
        // The same step again replaces its histogram.
        history.append(HistogramEvent(step: 100, name: "w", edges: [0, 1], counts: [7]))
        #expect(history.entries.last?.counts == [7] && history.entries.filter { $0.step == 100 }.count == 1)
    }

    private func stateWithHistograms() -> DashboardState {
        var state = runState()
        for step in stride(from: 0, through: 200, by: 50) {
            for (i, name) in ["weights/b", "weights/a"].enumerated() {
                let spread = Double(i + 1) / Double(step + 1)
                _ = update(&state, .telemetry(.histogram(HistogramEvent(step: step, name: name, edges: [-spread, 0, spread], counts: [3, 5]))))
            }
        }
        return state
    }

    @Test func theDistributionsPanelAppearsAndJKChooseTheTag() {
        var state = stateWithHistograms()
        #expect(state.availablePanels.contains(.distributions))
        #expect(state.shownHistogram?.name == "weights/a")
        state.focus = .distributions
        _ = keys(&state, .character("j"))
        #expect(state.shownHistogram?.name == "weights/b")
        _ = keys(&state, .character("j"))
        #expect(state.shownHistogram?.name == "weights/a", "wraps around")
        _ = keys(&state, .up)
        #expect(state.shownHistogram?.name == "weights/b")
        state.layout = .single
        let screen = TextExport.plain(DashboardView(theme: Theme.builtIn["default"]!).render(state))
        #expect(screen.contains("weights/b · 2 of 2 (j/k) · 5 steps"), "\(screen)")
        #expect(screen.contains("latest @ 200") && screen.contains("density · value"), "\(screen)")
    }

    @Test func theJSONExportCarriesHistogramsAndSkippedCounts() throws {
        var state = stateWithHistograms()
        _ = update(&state, .skipped(run: "r", kind: "image", count: 2))
        _ = update(&state, .skipped(run: "r", kind: "image", count: 10))
        _ = update(&state, .telemetry(.unknown(UnknownEvent(type: "audio_clip", fields: JSONObject([("run", .string("r"))])))))
        #expect(state.log.filter { $0.text.contains("image") }.map(\.text) == ["run r: skipped 12 image summaries"], "one line, its count updated")
        #expect(state.log.contains { $0.text == "run r: skipped 1 line of unknown type \"audio_clip\"" })
        let json = JSONExport.document(state, SnapshotOptions())
        let run = try #require(try JSONParser.parse(json).object?["runs"]?.array?.first?.object)
        #expect(run["skipped"] == .object(JSONObject([("image", .number(12)), ("type:audio_clip", .number(1))])))
        let histograms = try #require(run["histograms"]?.array)
        #expect(histograms.map { $0.object?["name"]?.string } == ["weights/a", "weights/b"])
        let first = try #require(histograms[0].object?["steps"]?.array?.first?.object)
        #expect(first["step"] == .number(0) && first["edges"] == .array([.number(-2), .number(0), .number(2)])
                && first["counts"] == .array([.number(3), .number(5)]))
    }

    @Test func textSummariesBecomeOneLineInTheEventsPanel() {
        var state = runState()
        _ = update(&state, .text(run: "r", step: 5, tag: "notes", text: "first line\nsecond line"))
        #expect(state.log.last?.text == "r step 5 notes: first line …")
    }
}
