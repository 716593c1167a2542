import ArgumentParser
import Dashboard
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

    @Option(help: "Preset name (see `trainscope presets`).", transform: Preset.parse)
    var preset = Preset.all[0]

    @Option(help: "A JSON object of config keys applied over the preset.")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Set one config key; repeatable.", valueName: "key=value"),
            transform: ConfigSetting.parse)
    var settings: [ConfigSetting] = []

    @Option(help: ArgumentHelp("The run's id in events and recordings (default PRESET-sSEED); a sweep's members get -KEYVALUE after it.", valueName: "ID"))
    var name: String?

    @Option(help: "Training steps (same as --set steps=N).")
    var steps: Int?

    @Option(help: ArgumentHelp("Train N seeds (the config's seed and the next N−1) in turn: a single run becomes N runs, a sweep repeats for each; the dashboard groups them into mean and band.", valueName: "N"))
    var seeds: Int = 1

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

    @OptionGroup var selection: RunSelection

    @Option(help: "Colour theme: default, mono, light, okabe-ito, paper or your own NAME (from ~/.config/trainscope/themes/NAME.theme), or a path to a .theme file.")
    var theme: String?

    @Option(help: ArgumentHelp("With --headless: accept control messages (PROTOCOL.md) as NDJSON lines on a Unix socket (created 0600) or a loopback TCP port; each line gets a JSON reply.", valueName: "unix:PATH|tcp://127.0.0.1:PORT"))
    var control: String?

    @Option(help: ArgumentHelp("What the dashboard's fork key varies (default lr:0.5,1,2:200).", valueName: "knob:f1,f2,…:steps"),
            transform: ForkPlan.parse)
    var fork: ForkPlan?

    @Option(help: ArgumentHelp("Closed-loop rules, one per line: NAME: when CONDITION then ACTION[, ACTION…] (see README).", valueName: "file"))
    var rules: String?

    @Option(help: "OpenBLAS threads (1 is fastest on the built-in models' small matrices, and reproducible).")
    var blasThreads: Int = 1

    func validate() throws {
        if let every = checkpointEvery, every < 1 || checkpointDir == nil {
            throw usageError("--checkpoint-every needs a positive N and --checkpoint-dir")
        }
        if blasThreads < 1 { throw usageError("--blas-threads must be ≥ 1") }
        if seeds < 1 || seeds > 1000 { throw usageError("--seeds must be between 1 and 1000") }
        if seeds > 1 && (resume != nil || checkpointDir != nil) { throw usageError("--seeds trains new runs: it cannot --resume or write checkpoints") }
        if let name, name.isEmpty || name.contains(where: { $0.isNewline || $0.isASCII && $0.asciiValue! < 0x20 }) {
            throw usageError("--name must be a non-empty line of text")
        }
        if control != nil && !headless {
            throw usageError("--control goes with --headless (the live dashboard is steered from the keyboard)")
        }
    }

    func run() throws {
        let resumed: TrainerState?
        let config: TrainingConfig
        do {
            resumed = try resume.map { path throws(CheckpointError) in try Checkpoint.load(path: path) }
            config = try resolveConfig(base: resumed?.config)
        } catch let error as ConfigError {
            throw usageError(error.message)
        } catch let error as CheckpointError {
            throw usageError(error.message)
        }
        if !headless && isatty(STDOUT_FILENO) == 0 { throw usageError("the live dashboard needs a terminal; add --headless") }
        let dashboardTheme: Theme?
        do { dashboardTheme = headless ? nil : try loadTheme(theme) } catch { throw usageError("\(error)") }
        let ruleRunner = try loadRules()
        let driver = try makeDriver(config, resumed: resumed)
        BLAS.setThreads(blasThreads)
        AllocatorTuning.keepLargeBuffersInHeap()
        let recorder: EventRecorder?
        do { recorder = try record.map { path throws(RecordingIOError) in try EventRecorder(path: path) } } catch {
            throw usageError("\(error)")
        }
        if let dir = checkpointDir {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        let runner = EngineRunner(driver: driver, fork: fork, hook: ruleRunner,
                                  checkpointEvery: checkpointEvery, checkpointDirectory: checkpointDir)
        if let dashboardTheme {
            let source = TrainerSource(runner, name: "preset \(preset.name)")
            if let failure = try runLiveDashboard(source, theme: dashboardTheme, recorder: recorder, sourceName: "preset \(preset.name)",
                                                  runQuery: try selection.query(), grouping: seeds > 1 ? RunGrouping(except: "seed") : nil) {
                printError("trainscope: error: \(failure)")
                throw ExitCode(1)
            }
            return
        }
        let server = try control.map { try controlServer($0, runner: runner) }
        defer { server?.shutDown() }
        let session = HeadlessSession(driver: driver, total: config[.steps], startStep: resumed?.step ?? 0, recorder: recorder, seeds: seeds)
        if !session.run(runner) { throw ExitCode(1) }
    }

    /// The closed-loop rules of `--rules`, checked against the knobs and the other options.
    private func loadRules() throws -> RuleRunner? {
        guard let rules else { return nil }
        guard let data = FileManager.default.contents(atPath: rules) else { throw usageError("\(rules): cannot read the file") }
        let file: RuleFile
        do { file = try RuleFile.parse(String(decoding: data, as: UTF8.self), source: rules) } catch { throw usageError("\(error)") }
        let knobNames = Set(TrainingConfig.keys.filter(\.isKnob).map(\.name))
        if let unknown = file.knobs.first(where: { !knobNames.contains($0) }) {
            throw usageError("\(rules): '\(unknown)' is not a knob (knobs: \(knobNames.sorted().joined(separator: ", ")))")
        }
        let runner = RuleRunner(file, checkpointDirectory: checkpointDir)
        if runner.canPause && headless && control == nil {
            throw usageError("\(rules): a pause action needs a way to resume: add --control, or run with the dashboard")
        }
        return runner
    }

    /// The preset's sweep, a resumed trainer, or a new one.
    private func makeDriver(_ config: TrainingConfig, resumed: TrainerState?) throws -> TrainingDriver {
        let runID = name ?? "\(preset.name)-s\(config[.seed])"
        let clock: @Sendable () -> Double = { Date().timeIntervalSince1970 }
        if preset.study != nil, resume == nil, checkpointEvery != nil || checkpointDir != nil {
            throw usageError("checkpoints are written for single runs, not for the \(preset.name) study")
        }
        if let resumed {
            do { return try Checkpoint.resume(resumed, config: config, runID: runID, clock: clock) } catch {
                throw usageError("\(resume ?? "--resume"): \(error.message)")
            }
        }
        return try presetDriver(preset, config: config, name: name, seeds: seeds)
    }

    /// The headless control channel on `address`, performing each line on the runner.
    private func controlServer(_ address: String, runner: EngineRunner) throws -> ControlServer {
        let parsed: SourceAddress
        do { parsed = try SourceAddress.parse(address, fileExists: { _ in (false, false) }) } catch {
            throw usageError("--control: \(error)")
        }
        let server: ControlServer
        do {
            server = try ControlServer(address: parsed, token: SessionToken.resolve()) { message in
                runner.perform(message.command, by: "control")
            }
        } catch {
            throw usageError("--control: \(error.message)")
        }
        print("control: listening on \(server.description) — export TRAINSCOPE_TOKEN=\(server.token)")
        return server
    }

    func resolveConfig(base: TrainingConfig?) throws -> TrainingConfig {
        try resolveTrainingConfig(base: base ?? preset.config, file: config, settings: settings, steps: steps)
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
            let nameWidth = TrainingConfig.keys.map(\.name.count).max() ?? 0
            for key in TrainingConfig.keys {
                let range: String
                switch key.kind {
                case .int(let r): range = "integer \(r.lowerBound)…\(r.upperBound)"
                case .real(let r, let lo, let hi): range = "number \(lo ? "(" : "[")\(JSONValue.number(r.lowerBound).jsonText), \(JSONValue.number(r.upperBound).jsonText)\(hi ? ")" : "]")"
                case .choice(let options): range = options.joined(separator: "|")
                }
                let name = key.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
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

/// The training configuration from its layers: a checkpoint's config or the preset's, then a JSON
/// config file, then each `--set` setting, then the step count; validated.
func resolveTrainingConfig(base: TrainingConfig, file: String?, settings: [ConfigSetting], steps: Int?) throws(ConfigError) -> TrainingConfig {
    var config = base
    if let path = file {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError("\(path): cannot read the file") }
        let json: JSONValue
        do { json = try JSONParser.parse(bytes: [UInt8](data)) } catch {
            throw ConfigError("\(path): not valid JSON at column \(error.column): \(error.reason)")
        }
        guard case .object(let object) = json else { throw ConfigError("\(path): the config must be a JSON object") }
        try config.apply(json: object, source: path)
    }
    for setting in settings { try config.apply(setting) }
    if let steps { try config.set(.steps, steps) }
    try config.validate()
    try config.checkFits(physicalMemory: TrainingConfig.physicalMemory)
    return config
}
