/// A named starting configuration (`trainscope run --preset NAME`).
public struct Preset: Sendable {
    public let name: String
    public let summary: String
    /// Values that differ from `Preset.baseValues`.
    public let overrides: [ConfigSetting]
    /// The members a sweep trains one after another (see `Sweep`), each one key set on top of the
    /// preset; empty when the preset trains one run.
    public let sweepMembers: [ConfigSetting]

    init(name: String, summary: String, overrides: [ConfigSetting], sweep: [ConfigSetting] = []) {
        self.name = name; self.summary = summary; self.overrides = overrides; self.sweepMembers = sweep
    }

    /// The key a sweep varies and its values, if the preset is a sweep.
    public var sweep: (key: String, values: [ConfigValue])? {
        guard let key = sweepMembers.first?.name else { return nil }
        return (key, sweepMembers.map(\.value))
    }

    /// Every built-in preset; the first is the default run of `make demo`.
    public static let all: [Preset] = [
        Preset(name: "grokking",
               summary: "modular addition mod 97: memorizes early, generalizes much later (weight decay drives it); Hessian and compression fronts live",
               overrides: grokkingViews),
        Preset(name: "transformer",
               summary: "modular addition mod 97 with a one-layer, 4-head transformer (d=64), AdamW",
               overrides: [.init(.model, .transformer), .init(.hidden, 64), .init(.activation, .relu),
                           .init(.lr, 0.001), .init(.trainFraction, 0.3), .init(.steps, 3000)]),
        Preset(name: "eos",
               summary: "edge of stability: full-batch gradient descent on noisy teacher-student regression; sharpness rises to 2/lr and hovers (halve lr early: it climbs to the new 2/lr)",
               overrides: [.init(.task, .teacherStudent), .init(.hidden, 64), .init(.activation, .tanh),
                           .init(.optimizer, .sgd), .init(.lr, 0.5), .init(.weightDecay, 0), .init(.steps, 3000),
                           .init(.samples, 512), .init(.noise, 0.5), .init(.evalEvery, 50), .init(.logEvery, 10),
                           .init(.spectrumEvery, 10), .init(.spectrumTopK, 2), .init(.traceProbes, 0),
                           .init(.densityEvery, 500)]),
        Preset(name: "spirals",
               summary: "two-spiral classification with a small ReLU MLP, minibatch Adam",
               overrides: [.init(.task, .spirals), .init(.hidden, 64), .init(.activation, .relu), .init(.optimizer, .adam),
                           .init(.lr, 0.01), .init(.weightDecay, 0), .init(.batchSize, 128), .init(.steps, 3000),
                           .init(.samples, 1000), .init(.noise, 0.02), .init(.evalEvery, 50), .init(.logEvery, 10)]),
        Preset(name: "pareto",
               summary: "a width sweep on modular addition (hidden 8…256, 1500 steps each): parameters against test accuracy, with compression probes of each member",
               overrides: [.init(.trainFraction, 0.5), .init(.steps, 1500), .init(.probeEvery, 500), .init(.histogramEvery, 0),
                           .init(.logEvery, 10), .init(.evalEvery, 25)],
               sweep: [8, 16, 32, 64, 128, 256].map { ConfigSetting(.hidden, $0) }),
        Preset(name: "teacher-student",
               summary: "regression onto a random tanh teacher network, full-batch gradient descent",
               overrides: [.init(.task, .teacherStudent), .init(.hidden, 64), .init(.activation, .tanh),
                           .init(.optimizer, .sgd), .init(.lr, 0.05), .init(.weightDecay, 0), .init(.steps, 2000),
                           .init(.samples, 512), .init(.noise, 0.05), .init(.evalEvery, 50), .init(.logEvery, 10)]),
    ]

    /// What the default run measures besides its curves, so that `make demo` shows every view: the
    /// top two Hessian eigenvalues and a 4-probe trace every 100 steps on a fixed 512-example subset
    /// (warm-started Lanczos to 1% residual: about 15 products), and a compression probe round every
    /// 250 steps. Together about a tenth of the run's time (`Benchmarks/default_run_overhead.sh`).
    static let grokkingViews: [ConfigSetting] = [
        .init(.spectrumEvery, 100), .init(.spectrumTopK, 2), .init(.spectrumTolerance, 0.01), .init(.spectrumBatch, 512),
        .init(.traceProbes, 4), .init(.probeEvery, 250),
    ]

    /// The preset called `name`.
    public static func named(_ name: String) -> Preset? { all.first { $0.name == name } }

    /// Defaults for every key (the grokking run; other presets override what differs).
    static let baseValues: [ConfigSetting] = [
        .init(.task, .modular), .init(.seed, 0), .init(.steps, 3000),
        .init(.p, 97), .init(.op, .add), .init(.trainFraction, 0.3), .init(.hidden, 128),
        .init(.activation, .square), .init(.embeddingStd, 1), .init(.model, .mlp), .init(.heads, 4),
        .init(.inputDim, 16), .init(.teacherHidden, 8), .init(.samples, 512), .init(.noise, 0.05), .init(.turns, 2),
        .init(.optimizer, .adamw), .init(.lr, 0.003), .init(.weightDecay, 1), .init(.momentum, 0.9),
        .init(.beta1, 0.9), .init(.beta2, 0.98), .init(.eps, 1e-8), .init(.batchSize, 0), .init(.gradClip, 0),
        .init(.schedule, .constant), .init(.warmupSteps, 0), .init(.grokfastAlpha, 0.98), .init(.grokfastLambda, 0),
        .init(.evalEvery, 10), .init(.logEvery, 5), .init(.histogramEvery, 100),
        .init(.spectrumEvery, 0), .init(.spectrumTopK, 3), .init(.spectrumTolerance, 1e-3), .init(.spectrumBatch, 0), .init(.traceProbes, 8),
        .init(.densityEvery, 0), .init(.densityProbes, 10), .init(.densityIterations, 80), .init(.probeEvery, 0), .init(.sweepCost, .parameters),
        .init(.bits, .full), .init(.quantGranularity, .tensor), .init(.labelNoise, 0),
    ]

    /// This preset's full configuration.
    public var config: TrainingConfig {
        var values: [String: ConfigValue] = [:]
        for setting in Self.baseValues + overrides { values[setting.name] = setting.value }
        return TrainingConfig(values)
    }
}
