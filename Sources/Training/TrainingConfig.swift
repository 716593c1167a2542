import JSONCore
import Telemetry
import NN

/// A complete, validated training configuration: one value for every key of `TrainingConfig.keys`.
public struct TrainingConfig: Sendable, Equatable {
    /// Values by key name.
    public private(set) var values: [String: ConfigValue]

    /// Every key the engine accepts.
    public static let keys: [ConfigKey] = [
        ConfigKey(.task, "the data and model"),
        ConfigKey(.seed, 0...Int(Int32.max), "seeds data, initialization and batch sampling"),
        ConfigKey(.steps, 1...100_000_000, "training steps"),
        ConfigKey(.p, 2...1000, "modulus of the modular task"),
        ConfigKey(.op, "operation of the modular task: a∘b mod p"),
        ConfigKey(.trainFraction, 0...1, lowerOpen: true, upperOpen: true, "share of pairs used for training"),
        ConfigKey(.model, "model of the modular task"),
        ConfigKey(.hidden, 1...65_536, "hidden width (the model dimension of the transformer)"),
        ConfigKey(.heads, 1...64, "attention heads (transformer)"),
        ConfigKey(.activation, "hidden nonlinearity"),
        ConfigKey(.embeddingStd, 0...100, lowerOpen: true, "std of the embedding initialization (modular)"),
        ConfigKey(.inputDim, 1...4096, "input dimension (teacher_student)"),
        ConfigKey(.teacherHidden, 1...4096, "teacher width (teacher_student)"),
        ConfigKey(.samples, 2...1_000_000, "training examples (teacher_student, spirals)"),
        ConfigKey(.noise, 0...100, "label noise std (teacher_student) or point jitter (spirals)"),
        ConfigKey(.turns, 0.1...20, "spiral turns (spirals)"),
        ConfigKey(.optimizer, "update rule", knob: true),
        ConfigKey(.lr, 0...100, lowerOpen: true, "learning rate", knob: true, scale: .log),
        ConfigKey(.weightDecay, 0...100, "weight decay (decoupled for adamw and lion, L2 otherwise)", knob: true),
        ConfigKey(.momentum, 0...1, upperOpen: true, "momentum coefficient (momentum, nesterov)", knob: true),
        ConfigKey(.beta1, 0...1, upperOpen: true, "first-moment decay (adam, adamw, lion)", knob: true),
        ConfigKey(.beta2, 0...1, upperOpen: true, "second-moment decay (adam, adamw; lion's momentum)", knob: true),
        ConfigKey(.eps, 0...1, lowerOpen: true, "Adam's ε"),
        ConfigKey(.batchSize, 0...10_000_000, "examples per step; 0 = full batch", knob: true),
        ConfigKey(.gradClip, 0...1e9, "clip the gradient's global norm to this; 0 = off", knob: true),
        ConfigKey(.schedule, "learning-rate schedule"),
        ConfigKey(.warmupSteps, 0...100_000_000, "linear warmup steps of the schedule"),
        ConfigKey(.grokfastAlpha, 0...1, upperOpen: true, "grokfast EMA momentum α", knob: true),
        ConfigKey(.grokfastLambda, 0...100, "grokfast amplification λ; 0 = off", knob: true),
        ConfigKey(.spectrumEvery, 0...1_000_000, "steps between Hessian spectrum estimates; 0 = off", knob: true),
        ConfigKey(.spectrumTopK, 1...100, "top Hessian eigenvalues tracked", knob: true),
        ConfigKey(.spectrumTolerance, 0...1, lowerOpen: true, "relative residual at which Ritz pairs count as converged"),
        ConfigKey(.spectrumBatch, 0...100_000_000, "training examples the spectrum is measured on (a fixed random subset); 0 = all"),
        ConfigKey(.traceProbes, 0...10_000, "Hutchinson probes for the Hessian trace; 0 = no trace", knob: true),
        ConfigKey(.densityEvery, 0...1_000_000, "steps between spectral densities (a multiple of spectrum_every); 0 = off", knob: true),
        ConfigKey(.sweepCost,
                  "cost axis of a sweep's front: parameters, training FLOPs per step (≈ 6 · examples · parameters), measured seconds per step, optimizer state bytes, or gradient uploads (workers)"),
        ConfigKey(.sweepQuality, "quality axis of a sweep's front: final test accuracy (test loss for regression) or final test loss"),
        ConfigKey(.probeEvery, 0...1_000_000, "steps between compression probe rounds (pruning and quantization → a Pareto front); 0 = off", knob: true),
        ConfigKey(.densityProbes, 1...1000, "stochastic Lanczos quadrature probes"),
        ConfigKey(.densityIterations, 2...1000, "Lanczos steps per density probe"),
        ConfigKey(.evalEvery, 1...1_000_000, "steps between test-set evaluations"),
        ConfigKey(.logEvery, 1...1_000_000, "steps between scalars events (evaluation steps always log)"),
        ConfigKey(.histogramEvery, 0...1_000_000, "steps between weight histograms; 0 = never"),
        ConfigKey(.bits, "bits per weight of quantization-aware training (straight-through); 32 = full precision, 1.58 = ternary", knob: true),
        ConfigKey(.quantGranularity, "quantization scale per weight tensor or per row (output channel, embedding token)", knob: true),
        ConfigKey(.exits, 1...16, "blocks of the early-exit MLP, each with a classifier (spirals); 1 = the plain MLP"),
        ConfigKey(.exitThreshold, 0...1, "confidence (top softmax probability) at which an example leaves an early-exit network", knob: true),
        ConfigKey(.lotteryRounds, 1...20, "pruning rounds of the lottery preset after its dense run"),
        ConfigKey(.pruneRate, 0...1, lowerOpen: true, upperOpen: true, "share of the remaining weights each lottery round prunes", knob: true),
        ConfigKey(.pruneScope, "lottery pruning ranks weights over all tensors together (global) or within each tensor (layer)", knob: true),
        ConfigKey(.maskAt, "weights a lottery mask ranks: at the end of the round, or at its memorization or generalization step", knob: true),
        ConfigKey(.rewindStep, 0...100_000_000, "step whose state lottery tickets rewind to (taken when the dense run passes it); 0 = the initialization", knob: true),
        ConfigKey(.labelNoise, 0...1, "share of training labels replaced by a random other class (classification tasks)"),
        ConfigKey(.noiseScaleEvery, 0...1_000_000, "steps between gradient noise scale measurements (4 extra small-batch gradients each); 0 = off", knob: true),
        ConfigKey(.fourierEvery, 0...1_000_000, "steps between Fourier measures of a modular MLP (key frequencies, restricted and excluded loss); 0 = off", knob: true),
        ConfigKey(.workers, 1...64, "simulated data-parallel workers, each computing the gradient of its own shard (needs batch_size 0); 1 = none"),
        ConfigKey(.heterogeneity, 0...1, "share of each worker's shard dealt in label order rather than at random; 0 = iid shards", knob: true),
        ConfigKey(.lagThreshold, 0...1_000_000, "LAG's ξ: a worker skips its upload while its gradient moved less than ξ/(lr²·10)·Σ of the last 10 ‖Δθ‖²; 0 = always upload", knob: true),
        ConfigKey(.frugalRho, 0...1, "FRUGAL: share of each tensor's columns updated with Adam; the rest take signSGD steps", knob: true),
        ConfigKey(.frugalPeriod, 1...100_000_000, "FRUGAL: steps between random re-choices of the Adam columns (their moments restart)", knob: true),
    ]

    /// The key named `name`.
    public static func key(_ name: String) -> ConfigKey? { keys.first { $0.name == name } }

    /// A config from complete values (every key present, each already checked).
    init(_ values: [String: ConfigValue]) { self.values = values }

    /// Sets one key from a typed value, range-checked.
    public mutating func set(_ name: String, _ value: ConfigValue) throws(ConfigError) {
        values[name] = try Self.lookup(name).check(value)
    }

    /// Applies one setting (range-checked again: a setting may come from another table's version).
    public mutating func apply(_ setting: ConfigSetting) throws(ConfigError) {
        try set(setting.name, setting.value)
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
        if self[.task] == .modular && self[.op] == .divide && !isPrime(self[.p]) {
            throw ConfigError("op div needs a prime p (b⁻¹ mod p must exist), got p=\(self[.p])")
        }
        let densityEvery = self[.densityEvery], spectrumEvery = self[.spectrumEvery]
        if densityEvery > 0 && (spectrumEvery == 0 || densityEvery % spectrumEvery != 0) {
            throw ConfigError("density_every=\(densityEvery) must be a multiple of spectrum_every=\(spectrumEvery) (> 0)")
        }
        if self[.exits] > 1 && self[.task] != .spirals {
            throw ConfigError("exits=\(self[.exits]) needs task=spirals (early exits classify by confidence)")
        }
        if self[.workers] > 1 && self[.batchSize] != 0 {
            throw ConfigError("workers=\(self[.workers]) needs batch_size=0 (each worker computes its whole shard's gradient)")
        }
        if self[.model] == .transformer && self[.hidden] % self[.heads] != 0 {
            throw ConfigError("hidden=\(self[.hidden]) must be divisible by heads=\(self[.heads])")
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
        if let nearest = nearestName(to: name, among: keys.map(\.name), within: 3) {
            return "unknown config key '\(name.abbreviated())' (did you mean '\(nearest)'?)"
        }
        return "unknown config key '\(name.abbreviated())' (see `trainscope presets --keys`)"
    }
}
