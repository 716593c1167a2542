import ArgumentParser
import Foundation
import Ingest
import JSONCore
import Rules
import Snapshot
import Telemetry
import TensorCore
import TerminalUI
import Training

/// `trainscope run`: trains a built-in preset.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Train a built-in preset (see `trainscope presets`) with the dashboard, or --headless.",
        discussion: """
        Configuration is layered: the preset, then --config FILE.json, then each --set key=value, then \
        --steps. Keys are snake_case and the same everywhere (`trainscope presets --keys` lists them). \
        Every value is checked before training starts.
        """
    )

    @Option(help: "Preset name.")
    var preset: String = Preset.all[0].name

    @Option(help: "A JSON object of config keys applied over the preset.")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Set one config key; repeatable.", valueName: "key=value"))
    var settings: [String] = []

    @Option(help: "Training steps (same as --set steps=N).")
    var steps: Int?

    @Flag(help: "Train without a terminal UI, printing a progress line at most once a second.")
    var headless = false

    @Option(help: ArgumentHelp("Append every event to this NDJSON file.", valueName: "file.jsonl"))
    var record: String?

    @Option(help: "Write a checkpoint every N steps (needs --checkpoint-dir).")
    var checkpointEvery: Int?

    @Option(help: "Directory for checkpoints (step-NNNNNNN.safetensors); a final one is written at the end.")
    var checkpointDir: String?

    @Option(help: ArgumentHelp("Continue from a checkpoint (its config; --set and --steps still apply).", valueName: "file.safetensors"))
    var resume: String?

    @Option(help: "Colour theme: default, mono, or Themes/NAME.theme (light, okabe-ito).")
    var theme: String?

    @Option(help: ArgumentHelp("With --headless: accept control messages (PROTOCOL.md) as NDJSON lines on a Unix socket (created 0600) or a loopback TCP port; each line gets a JSON reply.", valueName: "unix:PATH|tcp://127.0.0.1:PORT"))
    var control: String?

    @Option(help: ArgumentHelp("What the dashboard's fork key varies (default lr:0.5,1,2:200).", valueName: "knob:f1,f2,…:steps"))
    var fork: String?

    @Option(help: ArgumentHelp("Closed-loop rules, one per line: NAME: when CONDITION then ACTION[, ACTION…] (see README).", valueName: "file"))
    var rules: String?

    @Option(help: "OpenBLAS threads (1 is fastest on the built-in models' small matrices, and reproducible).")
    var blasThreads: Int = 1

    func run() throws {
        let resumed: TrainerState?
        let config: TrainingConfig
        do {
            resumed = try resume.map { path throws(CheckpointError) in try Checkpoint.load(path: path) }
            config = try resolveConfig(base: resumed?.config)
        } catch let error as ConfigError {
            printError("trainscope: error: \(error.message)")
            throw ExitCode(2)
        } catch let error as CheckpointError {
            printError("trainscope: error: \(error.message)")
            throw ExitCode(2)
        }
        if let every = checkpointEvery, every < 1 || checkpointDir == nil {
            printError("trainscope: error: --checkpoint-every needs a positive N and --checkpoint-dir")
            throw ExitCode(2)
        }
        guard blasThreads >= 1 else {
            printError("trainscope: error: --blas-threads must be ≥ 1")
            throw ExitCode(2)
        }
        let dashboardTheme: Theme?
        do { dashboardTheme = headless ? nil : try loadTheme(theme) } catch {
            printError("trainscope: error: \(error)")
            throw ExitCode(2)
        }
        var forkDefaults: (knob: String, factors: [Double], steps: Int)?
        if let fork {
            let parts = fork.split(separator: ":", omittingEmptySubsequences: false)
            let factors = parts.count == 3 ? parts[1].split(separator: ",").compactMap { Double($0) } : []
            guard parts.count == 3, TrainingConfig.key(String(parts[0]))?.isKnob == true, !factors.isEmpty,
                  factors.count == parts[1].split(separator: ",").count, factors.count <= 9, factors.allSatisfy({ $0 > 0 && $0.isFinite }),
                  let steps = Int(parts[2]), steps >= 1 else {
                printError("trainscope: error: --fork takes KNOB:F1,F2,…:STEPS with a numeric knob, 1–9 positive factors and steps ≥ 1, e.g. lr:0.5,1,2:200; got '\(fork)'")
                throw ExitCode(2)
            }
            forkDefaults = (String(parts[0]), factors, steps)
        }
        var ruleRunner: RuleRunner?
        if let rules {
            guard let data = FileManager.default.contents(atPath: rules) else {
                printError("trainscope: error: \(rules): cannot read the file")
                throw ExitCode(2)
            }
            let file: RuleFile
            do { file = try RuleFile.parse(String(decoding: data, as: UTF8.self), source: rules) } catch {
                printError("trainscope: error: \(error)")
                throw ExitCode(2)
            }
            let knobNames = Set(TrainingConfig.keys.filter(\.isKnob).map(\.name))
            if let unknown = file.knobs.first(where: { !knobNames.contains($0) }) {
                printError("trainscope: error: \(rules): '\(unknown)' is not a knob (knobs: \(knobNames.sorted().joined(separator: ", ")))")
                throw ExitCode(2)
            }
            let runner = RuleRunner(file, checkpointDirectory: checkpointDir)
            if runner.canPause && headless && control == nil {
                printError("trainscope: error: \(rules): a pause action needs a way to resume: add --control, or run with the dashboard")
                throw ExitCode(2)
            }
            ruleRunner = runner
        }
        if control != nil && !headless {
            printError("trainscope: error: --control goes with --headless (the live dashboard is steered from the keyboard)")
            throw ExitCode(2)
        }
        if !headless && isatty(STDOUT_FILENO) == 0 {
            printError("trainscope: error: the live dashboard needs a terminal; add --headless")
            throw ExitCode(2)
        }
        BLAS.setThreads(blasThreads)
        AllocatorTuning.keepLargeBuffersInHeap()
        let recorder: EventRecorder?
        do { recorder = try record.map { path throws(RecordingIOError) in try EventRecorder(path: path) } } catch {
            printError("trainscope: error: \(error)")
            throw ExitCode(2)
        }
        if let dir = checkpointDir {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        let runID = "\(preset)-s\(config.int("seed"))"
        let clock: @Sendable () -> Double = { Date().timeIntervalSince1970 }
        let driver: TrainingDriver
        let total = config.int("steps")
        if let sweep = Preset.named(preset)?.sweep, resume == nil {
            guard checkpointEvery == nil && checkpointDir == nil else {
                printError("trainscope: error: checkpoints are written for single runs, not for the \(preset) sweep")
                throw ExitCode(2)
            }
            do { driver = try Sweep(id: runID, base: config, key: sweep.key, values: sweep.values, clock: clock) } catch {
                printError("trainscope: error: \(error.message)")
                throw ExitCode(2)
            }
        } else if var state = resumed {
            state.config = config
            driver = Trainer(resuming: state, runID: runID, clock: clock)
        } else {
            driver = Trainer(config: config, runID: runID, clock: clock)
        }
        if let dashboardTheme {
            if let failure = LiveDashboard(theme: dashboardTheme, recorder: recorder, sourceName: "preset \(preset)")
                .run(TrainerSource(driver: driver, rules: ruleRunner, forkDefaults: forkDefaults)) {
                printError("trainscope: error: \(failure)")
                throw ExitCode(1)
            }
            return
        }
        let session = HeadlessSession(driver: driver, total: total, startStep: resumed?.step ?? 0, recorder: recorder,
                                      checkpointEvery: checkpointEvery, checkpointDirectory: checkpointDir)
        var queue: HeadlessSession.ControlQueue?
        var server: ControlServer?
        if let control {
            let address: SourceAddress
            do { address = try SourceAddress.parse(control, fileExists: { _ in (false, false) }) } catch {
                printError("trainscope: error: --control: \(error)")
                throw ExitCode(2)
            }
            let controlQueue = HeadlessSession.ControlQueue()
            do {
                server = try ControlServer(address: address, token: SessionToken.resolve()) { message in controlQueue.submit(message.command) }
            } catch {
                printError("trainscope: error: --control: \(error.message)")
                throw ExitCode(2)
            }
            queue = controlQueue
            print("control: listening on \(server!.description) — export TRAINSCOPE_TOKEN=\(server!.token)")
        }
        defer { server?.shutDown() }
        let ok = session.run(control: queue, rules: ruleRunner, forkDefaults: forkDefaults)
        if !ok { throw ExitCode(1) }
    }

    func resolveConfig(base: TrainingConfig?) throws -> TrainingConfig {
        try resolveTrainingConfig(preset: preset, base: base, file: config, settings: settings, steps: steps)
    }
}

/// `trainscope presets`: lists the presets, or with --keys every config key.
struct PresetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "presets", abstract: "List the built-in presets (or, with --keys, the config keys).")

    @Flag(help: "List every config key with its type, range, default and whether it is a live knob.")
    var keys = false

    func run() {
        if keys {
            let defaults = Preset.all[0].config
            for key in TrainingConfig.keys {
                let range: String
                switch key.kind {
                case .int(let r): range = "integer \(r.lowerBound)…\(r.upperBound)"
                case .real(let r, let lo, let hi): range = "number \(lo ? "(" : "[")\(JSONValue.number(r.lowerBound).jsonText), \(JSONValue.number(r.upperBound).jsonText)\(hi ? ")" : "]")"
                case .choice(let options): range = options.joined(separator: "|")
                }
                let name = key.name.padding(toLength: 16, withPad: " ", startingAt: 0)
                print("\(name) \(key.summary); \(range); default \(defaults.values[key.name]!)\(key.isKnob ? "; knob" : "")")
            }
            return
        }
        let width = Preset.all.map(\.name.count).max() ?? 0
        for (i, preset) in Preset.all.enumerated() {
            print("\(preset.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(preset.summary)\(i == 0 ? " [default]" : "")")
        }
    }
}

/// The training configuration from its layers: a checkpoint's config or the preset, then a JSON
/// config file, then each `key=value` setting, then the step count; validated.
func resolveTrainingConfig(preset: String, base: TrainingConfig?, file: String?, settings: [String], steps: Int?) throws -> TrainingConfig {
    var config: TrainingConfig
    if let base {
        config = base
    } else {
        guard let named = Preset.named(preset) else {
            throw ConfigError("unknown preset '\(preset)' (available: \(Preset.all.map(\.name).joined(separator: ", ")))")
        }
        config = named.config
    }
    if let path = file {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError("\(path): cannot read the file") }
        let json: JSONValue
        do { json = try JSONParser.parse(bytes: [UInt8](data)) } catch {
            throw ConfigError("\(path): not valid JSON at column \(error.column): \(error.reason)")
        }
        guard case .object(let object) = json else { throw ConfigError("\(path): the config must be a JSON object") }
        try config.apply(json: object, source: path)
    }
    for setting in settings {
        guard let eq = setting.firstIndex(of: "="), eq != setting.startIndex else {
            throw ConfigError("--set needs key=value, got '\(setting)'")
        }
        let key = String(setting[..<eq]), value = String(setting[setting.index(after: eq)...])
        do { try config.set(key, text: value) } catch { throw ConfigError("--set \(setting): \(error.message)") }
    }
    if let steps { try config.set("steps", .int(steps)) }
    try config.validate()
    return config
}
