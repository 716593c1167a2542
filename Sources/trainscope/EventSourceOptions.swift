import ArgumentParser
import Foundation
import Ingest
import TensorCore
import Telemetry
import Training

/// Where `snapshot` and `check` read a run from: a recording, standard input, or a built-in preset
/// trained headless first.
struct EventSourceOptions: ParsableArguments {
    @Argument(help: "A recording (.jsonl) or '-' for NDJSON on standard input; omit with --preset.")
    var source: String?

    @Option(help: "Train this built-in preset headless first and use its events (instead of SOURCE).")
    var preset: String?

    @Option(help: "Training steps for --preset.")
    var steps: Int?

    @Option(name: .customLong("set"), help: ArgumentHelp("Set one config key for --preset; repeatable.", valueName: "key=value"))
    var settings: [String] = []

    func validate() throws {
        switch (source, preset) {
        case (nil, nil): throw usageError("give a SOURCE (a .jsonl recording or '-') or --preset NAME")
        case (_?, _?): throw usageError("give either a SOURCE or --preset, not both")
        default: break
        }
        if preset == nil && (steps != nil || !settings.isEmpty) { throw usageError("--steps and --set go with --preset") }
    }

    /// The events, a name for the status bar, and the source's bad lines; exits 2 on a source that
    /// cannot be read.
    func load() throws -> (events: [TelemetryEvent], name: String, errors: [String]) {
        if let preset {
            let config: TrainingConfig
            do { config = try resolveTrainingConfig(preset: preset, base: nil, file: nil, settings: settings, steps: steps) } catch {
                printError("trainscope: error: \(error)")
                throw ExitCode(2)
            }
            AllocatorTuning.keepLargeBuffersInHeap()
            let trainer = Trainer(config: config, runID: "\(preset)-s\(config.int("seed"))", clock: { Date().timeIntervalSince1970 })
            var events = [trainer.runEvent()]
            while !trainer.isFinished { events += trainer.step() }
            return (events, "preset \(preset)", [])
        }
        let source = self.source!
        let address: SourceAddress
        do { address = try SourceAddress.parse(source) } catch {
            printError("trainscope: error: \(error)")
            throw ExitCode(2)
        }
        switch address {
        case .ndjsonFile, .standardInput:
            let recording: Recording
            do { recording = try Recording(path: source) } catch {
                printError("trainscope: error: \(error)")
                throw ExitCode(2)
            }
            let name = source == "-" ? "stdin" : (source as NSString).lastPathComponent
            return (recording.events, name, recording.errors.map { "\(name): \($0)" })
        default:
            throw notBuiltYet("reading \(address) for snapshot and check", issue: 9)
        }
    }
}
