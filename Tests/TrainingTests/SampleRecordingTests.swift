import JSONCore
import Telemetry
import Testing
import TestSupport
import Training

/// The committed recordings in Samples/runs are what the presets train today: the first steps of
/// each preset, trained now, give the same events as its recording, apart from wall-clock fields,
/// with every number equal to float32 rounding (debug and release builds, and OpenBLAS kernels
/// chosen by alignment, round single-precision reductions differently in the last bits). A change
/// to the engine that changes them must regenerate the samples (`Samples/runs/make_presets.sh`
/// after `swift build -c release`).
@Suite struct SampleRecordingTests {
    /// Where `now` and `then` differ beyond a relative 1e-6 (or 1e-7 absolute, for values near 0), by JSON path; nil when they agree.
    private static func difference(_ now: JSONValue, _ then: JSONValue, at path: String = "") -> String? {
        switch (now, then) {
        case (.number(let a), .number(let b)):
            let close = a == b || (a.isNaN && b.isNaN) || abs(a - b) <= max(1e-7, 1e-6 * max(abs(a), abs(b)))
            return close ? nil : "\(path): \(a) now, \(b) recorded"
        case (.object(let a), .object(let b)):
            guard a.entries.map(\.key) == b.entries.map(\.key) else { return "\(path): fields \(a.entries.map(\.key)) now, \(b.entries.map(\.key)) recorded" }
            for (key, value) in a { if let d = difference(value, b[key]!, at: "\(path).\(key)") { return d } }
            return nil
        case (.array(let a), .array(let b)):
            guard a.count == b.count else { return "\(path): \(a.count) items now, \(b.count) recorded" }
            for (i, (x, y)) in zip(a, b).enumerated() { if let d = difference(x, y, at: "\(path)[\(i)]") { return d } }
            return nil
        default:
            return now == then ? nil : "\(path): \(now.jsonText) now, \(then.jsonText) recorded"
        }
    }

    /// An event as JSON without its wall-clock fields (`time`, a spectrum's `cost.seconds`).
    private static func withoutClock(_ event: TelemetryEvent) -> JSONValue {
        var object = event.jsonObject
        object["time"] = nil
        if case .object(var cost)? = object["cost"] {
            cost["seconds"] = nil
            object["cost"] = .object(cost)
        }
        return .object(object)
    }

    @Test(arguments: [("grokking", 12), ("eos", 21), ("pareto", 6), ("quantization", 12), ("lottery", 12), ("early-exit", 30), ("double-descent", 60),
                       ("lag", 30), ("frugal", 12), ("scaling", 30)])
    func eachSampleStartsAsItsPresetTrainsToday(_ name: String, _ steps: Int) throws {
        let preset = try #require(Preset.named(name))
        let config = preset.config
        let runID = "\(name)-s\(config[.seed])"
        let clock: @Sendable () -> Double = { 0 }
        let driver = try preset.driver(config: config, runID: runID, clock: clock)
        var trained = driver.openingEvents()
        for _ in 0..<steps { trained += driver.step() }
        let recording = try Recording(path: TestPaths.sample("runs/\(name).jsonl"))
        #expect(recording.errors.isEmpty)
        let recorded = recording.events.prefix(trained.count)
        #expect(recorded.count == trained.count)
        for (index, (now, then)) in zip(trained, recorded).enumerated() {
            if let difference = Self.difference(Self.withoutClock(now), Self.withoutClock(then)) {
                Issue.record("\(name) event \(index) (\(now.typeName)) differs from Samples/runs/\(name).jsonl at \(difference)")
                break
            }
        }
    }
}
