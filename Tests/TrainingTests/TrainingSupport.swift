import Testing
import TestSupport
import Telemetry
import Training

/// A small, fast configuration of a preset with overrides (debug builds run it in well under a second).
func smallConfig(_ preset: String = "grokking", _ overrides: [String: String] = [:]) throws -> TrainingConfig {
    var config = Preset.named(preset)!.config
    // The default run's own views (spectrum, probe rounds) are off unless a test turns them on.
    let defaults: [String: String] = preset == "grokking" || preset == "transformer"
        ? ["p": "11", "hidden": "16", "steps": "50", "train_fraction": "0.5", "spectrum_every": "0", "probe_every": "0"]
        : ["steps": "50", "samples": "64", "hidden": "8"]
    for (k, v) in defaults.merging(overrides, uniquingKeysWith: { $1 }) { try config.apply(ConfigSetting(assignment: "\(k)=\(v)")) }
    try config.validate()
    return config
}

/// A fixed clock: tests compare values, never wall time.
let fixedClock: @Sendable () -> Double = { 1_763_800_000 }

/// Every event of `steps` steps.
func train(_ trainer: Trainer, steps: Int) -> [TelemetryEvent] {
    var events: [TelemetryEvent] = []
    for _ in 0..<steps { events += trainer.step() }
    return events
}

/// The scalars events' (step, values) pairs, the part of a run that must be reproducible.
func scalarSeries(_ events: [TelemetryEvent]) -> [(Int, [String: Double])] {
    events.compactMap { if case .scalars(let s) = $0 { (s.step, s.values) } else { nil } }
}

/// Trains `config` to its end in one go, and again with a checkpoint written and loaded after
/// `split` steps; the scalars must be identical.
func expectBitIdenticalResume(_ config: TrainingConfig, split: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let steps = config[.steps]
    let uninterrupted = scalarSeries(train(Trainer(config: config, runID: "u", clock: fixedClock), steps: steps))
    let first = Trainer(config: config, runID: "r", clock: fixedClock)
    let head = scalarSeries(train(first, steps: split))
    let path = TestPaths.scratchDirectory().appendingPathComponent("resume-\(split).safetensors").path
    try Checkpoint.file(for: first).write(to: path)
    let restored = try Checkpoint.load(path: path)
    #expect(restored == first.state, sourceLocation: sourceLocation)
    let tail = scalarSeries(train(Trainer(resuming: restored, runID: "r", clock: fixedClock), steps: steps - split))
    #expect((head + tail).map(\.0) == uninterrupted.map(\.0), sourceLocation: sourceLocation)
    for (x, y) in zip(head + tail, uninterrupted) { #expect(x.1 == y.1, "step \(x.0) differs after resume", sourceLocation: sourceLocation) }
}
