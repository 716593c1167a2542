import ArgumentParser
import Dashboard
import FileOutput
import Foundation
import Ingest
import TensorCore
import Telemetry
import Training

/// Where `snapshot` and `check` read runs from: recordings, standard input, sockets, TensorBoard
/// logs, CSV files, trainer states (read to their end, several overlaid), or a built-in preset
/// trained headless first.
struct EventSourceOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Sources, as for `watch`: a .jsonl recording, '-' (stdin), unix:PATH or tcp://127.0.0.1:PORT (read until every producer has hung up), a TensorBoard log, a CSV file, a trainer_state.json. Omit with --preset.", valueName: "source"),
              transform: SourceAddress.parseArgument)
    var sources: [SourceAddress] = []

    @Option(help: "Train this built-in preset headless first and use its events (instead of SOURCE).", transform: Preset.parse)
    var preset: Preset?

    @Option(help: "Training steps for --preset.")
    var steps: Int?

    @Option(name: .customLong("set"), help: ArgumentHelp("Set one config key for --preset; repeatable.", valueName: "key=value"),
            transform: ConfigSetting.parse)
    var settings: [ConfigSetting] = []

    @Option(help: ArgumentHelp("With socket sources: stop listening after this many seconds even if producers are still connected.", valueName: "SECONDS"))
    var wait: Double?

    @Flag(help: "With socket sources: refuse control lines (scripts cannot steer the producers through trainscope).")
    var readOnly = false

    @Option(help: ArgumentHelp("Listen for TCP producers on this address instead of loopback.", valueName: "ADDR"))
    var listen: String?

    @Flag(help: "No progress on stderr while training a preset or reading sources.")
    var quiet = false

    func validate() throws {
        switch (sources.isEmpty, preset) {
        case (true, nil): throw usageError("give a SOURCE (a .jsonl recording, '-', a socket, a TensorBoard log, a CSV file) or --preset NAME")
        case (false, _?): throw usageError("give either sources or --preset, not both")
        default: break
        }
        if preset == nil && (steps != nil || !settings.isEmpty) { throw usageError("--steps and --set go with --preset") }
        if let wait, !(wait > 0 && wait.isFinite) { throw usageError("--wait must be a positive number of seconds") }
        try checkStandardInputOnce(sources)
    }

    /// The events, a name for the status bar, and the sources' problems; exits 2 on a source that
    /// cannot be opened at all. `each` sees every event as it arrives, `eachBlock` (when given)
    /// the blocks of scalars rows, by column, instead of their rows as events, and `eachNote` the
    /// sources' notes for the events panel (text summaries, skipped records); without
    /// `keepingEvents` the returned array is empty (a snapshot folds events as they come and keeps none).
    /// What the sources could not show is reported on stderr, one line per run and kind.
    func load(keepingEvents: Bool = true, eachBlock: ((ScalarsBlock) -> Void)? = nil, eachNote: (Message) -> Void = { _ in },
              _ each: (TelemetryEvent) -> Void = { _ in }) throws -> (events: [TelemetryEvent], name: String, errors: [String]) {
        if let preset {
            let config: TrainingConfig
            do { config = try resolveTrainingConfig(base: preset.config, file: nil, settings: settings, steps: steps) } catch {
                throw usageError("\(error)")
            }
            AllocatorTuning.keepLargeBuffersInHeap()
            // What `run --preset` trains: a sweep preset trains every member.
            let driver = try presetDriver(preset, config: config)
            let runner = EngineRunner(driver: driver)
            runner.start()
            var events: [TelemetryEvent] = []
            let progress = ProgressReporter(enabled: !quiet)
            let members = driver.memberCount
            var runs: [String] = []
            var step = 0
            while case let batch = runner.events.waitAndDrain(), !batch.isEmpty {
                for event in batch {
                    if case .scalars(let s) = event {
                        if let run = s.run, runs.last != run { runs.append(run) }
                        step = s.step
                    }
                }
                let label = members > 1 ? "\(preset.name): run \(Swift.max(runs.count, 1)) of \(members)" : preset.name
                progress.update(done: Swift.max(runs.count - 1, 0) * config[.steps] + step, total: members * config[.steps], unit: "steps", label: label)
                batch.forEach(each)
                if keepingEvents { events += batch }
            }
            runner.waitUntilFinished()
            progress.finish()
            return (keepingEvents ? events : [], "preset \(preset.name)", [])
        }
        // Checked here, not in `validate()`, so that a command's own argument errors come first.
        for source in sources {
            switch source {
            case .ndjsonFile(let path), .csvFile(let path), .trainerState(let path), .tensorBoard(let path), .logFolder(let path):
                guard SourceAddress.probe(path).exists else { throw usageError("\(path): no such file or directory") }
            case .standardInput, .unixSocket, .tcp: continue
            }
        }
        let addresses = sources
        let hub = IngestHub(mode: .once, token: readOnly ? nil : SessionToken.resolve())
        do { try hub.open(addresses, bindHost: listen) } catch { throw usageError("\(error)") }
        for address in hub.listenAddresses { printError(SessionToken.banner(address: address, token: hub.token)) }
        if let wait {
            DispatchQueue.global().asyncAfter(deadline: .now() + wait) { hub.stop() }
        }
        var events: [TelemetryEvent] = []
        var errors: [String] = []
        var skipped = SkipTally()
        let progress = ProgressReporter(enabled: !quiet)
        var read = 0
        while case let items = hub.waitAndDrain(), !items.isEmpty {
            for item in items {
                if case .scalars(let block) = item { read += block.steps.count } else { read += 1 }
                switch item {
                case .scalars(let block) where eachBlock != nil && !keepingEvents: eachBlock!(block)
                case .event, .scalars:
                    item.forEachEvent { event in
                        if case .unknown(let u) = event { skipped.add(run: u.fields["run"]?.string, kind: SkippedKind.unknownType(u.type), count: 1) }
                        if case .run(let r) = event { skipped.current = r.run }
                        each(event)
                        if keepingEvents { events.append(event) }
                    }
                case .problem(let problem): errors.append(problem.description)
                case .notice: continue
                case .skipped(let run, let kind, let count):
                    skipped.add(run: run, kind: kind, count: count)
                    eachNote(.skipped(run: run, kind: kind, count: count))
                case .text(let run, let step, let tag, let text): eachNote(.text(run: run, step: step, tag: tag, text: text))
                case .found(let text):
                    progress.finish()
                    printError("trainscope: \(text)")
                }
            }
            progress.update(done: read, total: nil, unit: "events", label: "reading")
        }
        hub.stop()
        progress.finish()
        for line in skipped.lines { printError("trainscope: \(line)") }
        return (events, displayName(of: addresses, listening: hub.listenAddresses), errors)
    }
}

/// Records the sources could not show, per run and kind, for one stderr line each at the end.
struct SkipTally {
    /// The run of lines that name none: the latest announced.
    var current = "default"
    private var counts: [String: [String: Int]] = [:]
    private var order: [String] = []

    mutating func add(run: String?, kind: String, count: Int) {
        let id = run ?? current
        if counts[id] == nil { order.append(id) }
        counts[id, default: [:]][kind, default: 0] += count
    }

    /// `run X: skipped 12 image summaries`, in the order runs first skipped something.
    var lines: [String] {
        order.flatMap { id in counts[id]!.keys.sorted().map { "run \(id): skipped \(SkippedKind.describe($0, count: counts[id]![$0]!))" } }
    }
}
