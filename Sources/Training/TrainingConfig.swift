import JSONCore
import Telemetry
import NN

/// A config value: integers, reals and choices.
public enum ConfigValue: Sendable, Equatable, CustomStringConvertible {
    case int(Int)
    case real(Double)
    case text(String)

    public var description: String {
        switch self {
        case .int(let i): String(i)
        case .real(let x): x.isFinite ? JSONValue.number(x).jsonText : String(x)
        case .text(let s): s
        }
    }

    /// As JSON (for the `run` event and checkpoint metadata).
    public var jsonValue: JSONValue {
        switch self {
        case .int(let i): .number(Double(i))
        case .real(let x): .number(x)
        case .text(let s): .string(s)
        }
    }
}

/// Why a config or a `--set` was refused: one line, naming the key and where it came from.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One config key: its snake_case name (identical in `--set`, config files, knob specs and control
/// messages), its type and accepted range, and a one-line summary.
public struct ConfigKey: Sendable {
    public enum Kind: Sendable {
        /// An integer in the closed range.
        case int(ClosedRange<Int>)
        /// A real in a range; `lowerOpen` excludes the lower bound, `upperOpen` the upper.
        case real(ClosedRange<Double>, lowerOpen: Bool = false, upperOpen: Bool = false)
        case choice([String])
    }

    public let name: String
    public let kind: Kind
    public let summary: String
    /// True when the key can change while the run goes (announced as a knob).
    public let isKnob: Bool
    /// Knob nudge scale.
    public let scale: KnobScale

    init(_ name: String, _ kind: Kind, _ summary: String, knob: Bool = false, scale: KnobScale = .linear) {
        self.name = name; self.kind = kind; self.summary = summary; self.isKnob = knob; self.scale = scale
    }

    /// The knob spec announced for this key with `value`: its bounds (open ones included), scale
    /// and nudge step, all from this table, so the dashboard offers exactly what the engine accepts.
    public func knobSpec(value: ConfigValue) -> KnobSpec {
        let current: KnobValue
        switch value {
        case .text(let s): current = .choice(s)
        case .int(let i): current = .number(Double(i))
        case .real(let x): current = .number(x)
        }
        switch kind {
        case .choice(let options):
            return KnobSpec(name: name, value: current, choices: options)
        case .int(let range):
            return KnobSpec(name: name, value: current, min: Double(range.lowerBound), max: Double(range.upperBound), scale: scale, step: 1)
        case .real(let range, let lowerOpen, let upperOpen):
            return KnobSpec(name: name, value: current, min: range.lowerBound, max: range.upperBound, minOpen: lowerOpen, maxOpen: upperOpen,
                            scale: scale, step: scale == .log ? 2 : (range.upperBound <= 1 ? 0.01 : 0.1))
        }
    }

    /// Parses and range-checks a value given as text (`--set key=value`).
    public func parse(_ text: String) throws(ConfigError) -> ConfigValue {
        switch kind {
        case .int:
            guard let i = Int(text) else { throw ConfigError("\(name) must be an integer, got '\(text)'") }
            return try check(.int(i))
        case .real:
            guard let x = Double(text) else { throw ConfigError("\(name) must be a number, got '\(text)'") }
            return try check(.real(x))
        case .choice:
            return try check(.text(text))
        }
    }

    /// Converts and range-checks a JSON value (config files, control messages).
    public func value(from json: JSONValue) throws(ConfigError) -> ConfigValue {
        switch (kind, json) {
        case (.int, .number(let x)):
            guard x.isFinite, x == x.rounded(), abs(x) < 1e15 else { throw ConfigError("\(name) must be an integer, got \(json.jsonText)") }
            return try check(.int(Int(x)))
        case (.real, .number(let x)): return try check(.real(x))
        case (.real, .string(let s)) where Double(s) != nil: return try check(.real(Double(s)!))
        case (.choice, .string(let s)): return try check(.text(s))
        case (.int, _): throw ConfigError("\(name) must be an integer, got \(json.typeName)")
        case (.real, _): throw ConfigError("\(name) must be a number, got \(json.typeName)")
        case (.choice, _): throw ConfigError("\(name) must be a string, got \(json.typeName)")
        }
    }

    /// Range-checks a typed value.
    public func check(_ value: ConfigValue) throws(ConfigError) -> ConfigValue {
        switch (kind, value) {
        case (.int(let range), .int(let i)):
            guard range.contains(i) else { throw ConfigError("\(name) must be in \(range.lowerBound)…\(range.upperBound), got \(i)") }
            return value
        case (.real(let range, let lowerOpen, let upperOpen), .real), (.real(let range, let lowerOpen, let upperOpen), .int):
            let x: Double
            switch value {
            case .real(let r): x = r
            case .int(let i): x = Double(i)
            case .text: preconditionFailure("unreachable: text matched a numeric pattern")
            }
            guard x.isFinite else { throw ConfigError("\(name) must be a finite number, got \(value)") }
            let aboveLower = lowerOpen ? x > range.lowerBound : x >= range.lowerBound
            let belowUpper = upperOpen ? x < range.upperBound : x <= range.upperBound
            guard aboveLower && belowUpper else {
                let lower = lowerOpen ? "(" : "[", upper = upperOpen ? ")" : "]"
                throw ConfigError("\(name) must be in \(lower)\(JSONValue.number(range.lowerBound).jsonText), \(JSONValue.number(range.upperBound).jsonText)\(upper), got \(value)")
            }
            return .real(x)
        case (.choice(let options), .text(let s)):
            guard options.contains(s) else { throw ConfigError("\(name) must be one of \(options.joined(separator: ", ")), got '\(s)'") }
            return value
        default:
            throw ConfigError("\(name) has the wrong type: \(value)")
        }
    }
}

/// A complete, validated training configuration: one value for every key of `TrainingConfig.keys`.
public struct TrainingConfig: Sendable, Equatable {
    /// Values by key name.
    public private(set) var values: [String: ConfigValue]

    /// Every key the engine accepts.
    public static let keys: [ConfigKey] = [
        ConfigKey("task", .choice(["modular", "teacher_student", "spirals"]), "the data and model"),
        ConfigKey("seed", .int(0...Int(Int32.max)), "seeds data, initialization and batch sampling"),
        ConfigKey("steps", .int(1...100_000_000), "training steps"),
        ConfigKey("p", .int(2...1000), "modulus of the modular task"),
        ConfigKey("op", .choice(ModularOperation.allCases.map(\.rawValue)), "operation of the modular task: a∘b mod p"),
        ConfigKey("train_fraction", .real(0...1, lowerOpen: true, upperOpen: true), "share of pairs used for training"),
        ConfigKey("model", .choice(["mlp", "transformer"]), "model of the modular task"),
        ConfigKey("hidden", .int(1...65_536), "hidden width (the model dimension of the transformer)"),
        ConfigKey("heads", .int(1...64), "attention heads (transformer)"),
        ConfigKey("activation", .choice(Activation.allCases.map(\.rawValue)), "hidden nonlinearity"),
        ConfigKey("embedding_std", .real(0...100, lowerOpen: true), "std of the embedding initialization (modular)"),
        ConfigKey("input_dim", .int(1...4096), "input dimension (teacher_student)"),
        ConfigKey("teacher_hidden", .int(1...4096), "teacher width (teacher_student)"),
        ConfigKey("samples", .int(2...1_000_000), "training examples (teacher_student, spirals)"),
        ConfigKey("noise", .real(0...100), "label noise std (teacher_student) or point jitter (spirals)"),
        ConfigKey("turns", .real(0.1...20), "spiral turns (spirals)"),
        ConfigKey("optimizer", .choice(OptimizerKind.allCases.map(\.rawValue)), "update rule", knob: true),
        ConfigKey("lr", .real(0...100, lowerOpen: true), "learning rate", knob: true, scale: .log),
        ConfigKey("weight_decay", .real(0...100), "weight decay (decoupled for adamw and lion, L2 otherwise)", knob: true),
        ConfigKey("momentum", .real(0...1, upperOpen: true), "momentum coefficient (momentum, nesterov)", knob: true),
        ConfigKey("beta1", .real(0...1, upperOpen: true), "first-moment decay (adam, adamw, lion)", knob: true),
        ConfigKey("beta2", .real(0...1, upperOpen: true), "second-moment decay (adam, adamw; lion's momentum)", knob: true),
        ConfigKey("eps", .real(0...1, lowerOpen: true), "Adam's ε"),
        ConfigKey("batch_size", .int(0...10_000_000), "examples per step; 0 = full batch", knob: true),
        ConfigKey("grad_clip", .real(0...1e9), "clip the gradient's global norm to this; 0 = off", knob: true),
        ConfigKey("schedule", .choice(LearningRateSchedule.names), "learning-rate schedule"),
        ConfigKey("warmup_steps", .int(0...100_000_000), "linear warmup steps of the schedule"),
        ConfigKey("grokfast_alpha", .real(0...1, upperOpen: true), "grokfast EMA momentum α", knob: true),
        ConfigKey("grokfast_lambda", .real(0...100), "grokfast amplification λ; 0 = off", knob: true),
        ConfigKey("spectrum_every", .int(0...1_000_000), "steps between Hessian spectrum estimates; 0 = off", knob: true),
        ConfigKey("spectrum_top_k", .int(1...100), "top Hessian eigenvalues tracked", knob: true),
        ConfigKey("spectrum_tolerance", .real(0...1, lowerOpen: true), "relative residual at which Ritz pairs count as converged"),
        ConfigKey("trace_probes", .int(0...10_000), "Hutchinson probes for the Hessian trace; 0 = no trace", knob: true),
        ConfigKey("density_every", .int(0...1_000_000), "steps between spectral densities (a multiple of spectrum_every); 0 = off", knob: true),
        ConfigKey("sweep_cost", .choice(["parameters", "flops", "seconds"]),
                  "cost axis of a sweep's front: parameters, training FLOPs per step (≈ 6 · examples · parameters), or measured seconds per step"),
        ConfigKey("probe_every", .int(0...1_000_000), "steps between compression probe rounds (pruning and quantization → a Pareto front); 0 = off", knob: true),
        ConfigKey("density_probes", .int(1...1000), "stochastic Lanczos quadrature probes"),
        ConfigKey("density_iterations", .int(2...1000), "Lanczos steps per density probe"),
        ConfigKey("eval_every", .int(1...1_000_000), "steps between test-set evaluations"),
        ConfigKey("log_every", .int(1...1_000_000), "steps between scalars events (evaluation steps always log)"),
        ConfigKey("histogram_every", .int(0...1_000_000), "steps between weight histograms; 0 = never"),
    ]

    /// The key named `name`.
    public static func key(_ name: String) -> ConfigKey? { keys.first { $0.name == name } }

    /// A config from complete values (every key present, each already checked).
    init(_ values: [String: ConfigValue]) { self.values = values }

    /// The integer value of `name`.
    public func int(_ name: String) -> Int {
        guard case .int(let i)? = values[name] else { preconditionFailure("config key \(name) is not an integer") }
        return i
    }

    /// The real value of `name`.
    public func double(_ name: String) -> Double {
        switch values[name] {
        case .real(let x)?: return x
        case .int(let i)?: return Double(i)
        default: preconditionFailure("config key \(name) is not a number")
        }
    }

    /// The text value of `name`.
    public func string(_ name: String) -> String {
        guard case .text(let s)? = values[name] else { preconditionFailure("config key \(name) is not text") }
        return s
    }

    /// Sets one key from text, range-checked (`--set key=value`).
    public mutating func set(_ name: String, text: String) throws(ConfigError) {
        values[name] = try Self.lookup(name).parse(text)
    }

    /// Sets one key from a typed value, range-checked.
    public mutating func set(_ name: String, _ value: ConfigValue) throws(ConfigError) {
        values[name] = try Self.lookup(name).check(value)
    }

    /// Applies a JSON config object (`--config FILE`); `source` names it in errors.
    public mutating func apply(json: JSONObject, source: String) throws(ConfigError) {
        for (name, value) in json {
            guard let key = Self.key(name) else { throw ConfigError("\(source): \(Self.unknownKeyMessage(name))") }
            do throws(ConfigError) { values[name] = try key.value(from: value) } catch {
                throw ConfigError("\(source): \(error.message)")
            }
        }
    }

    /// Checks the rules that involve several keys; call after all keys are set.
    public func validate() throws(ConfigError) {
        if string("task") == "modular" && string("op") == "div" && !isPrime(int("p")) {
            throw ConfigError("op div needs a prime p (b⁻¹ mod p must exist), got p=\(int("p"))")
        }
        if int("density_every") > 0 && (int("spectrum_every") == 0 || int("density_every") % int("spectrum_every") != 0) {
            throw ConfigError("density_every=\(int("density_every")) must be a multiple of spectrum_every=\(int("spectrum_every")) (> 0)")
        }
        if string("model") == "transformer" && int("hidden") % int("heads") != 0 {
            throw ConfigError("hidden=\(int("hidden")) must be divisible by heads=\(int("heads"))")
        }
    }

    /// The config as a JSON object, keys in table order (for `run` events and checkpoints).
    public var jsonObject: JSONObject {
        JSONObject(Self.keys.compactMap { key in values[key.name].map { (key.name, $0.jsonValue) } })
    }

    static func lookup(_ name: String) throws(ConfigError) -> ConfigKey {
        guard let key = key(name) else { throw ConfigError(unknownKeyMessage(name)) }
        return key
    }

    static func unknownKeyMessage(_ name: String) -> String {
        let nearest = keys.map(\.name).min { editDistance($0, name) < editDistance($1, name) }
        if let nearest, editDistance(nearest, name) <= 3 {
            return "unknown config key '\(name)' (did you mean '\(nearest)'?)"
        }
        return "unknown config key '\(name)' (see `trainscope presets --keys`)"
    }
}
