/// A named starting configuration (`trainscope run --preset NAME`).
public struct Preset: Sendable {
    public let name: String
    public let summary: String
    /// Values that differ from `Preset.baseValues`.
    public let overrides: [ConfigSetting]
    /// What it trains beyond one run: nil for a single run.
    public let study: StudyKind?

    /// The families of runs a preset can train (see `Study`).
    public enum StudyKind: Sendable {
        /// One key set to each value in turn (`SweepPlan`), repeated for each value of an outer key when given.
        case sweep([ConfigSetting], outer: [ConfigSetting] = [])
        /// Quantization-aware training at each bit width, post-training quantization and
        /// Hessian-guided mixed precision (`QuantizationPlan`).
        case quantization
        /// Iterative magnitude pruning with rewinding and random re-initialization controls (`LotteryPlan`).
        case lottery
        /// A width sweep fitted with a power law that predicts a held-out width (`ScalingPlan`).
        case scaling(widths: [Int], heldOut: Int)
    }

    init(name: String, summary: String, overrides: [ConfigSetting], study: StudyKind? = nil) {
        self.name = name; self.summary = summary; self.overrides = overrides; self.study = study
    }

    /// The key a sweep varies and its values, if the preset is a sweep.
    public var sweep: (key: String, values: [ConfigValue])? {
        guard case .sweep(let members, _) = study, let key = members.first?.name else { return nil }
        return (key, members.map(\.value))
    }

    /// The key a sweep repeats over and its values, if it has one.
    public var outerSweep: (key: String, values: [ConfigValue])? {
        guard case .sweep(_, let outer) = study, let key = outer.first?.name else { return nil }
        return (key, outer.map(\.value))
    }

    /// What `run --preset` trains with `config` (this preset's, possibly edited): its study, or
    /// one trainer, under `runID`. With `seeds` (N consecutive seeds from the config's), a single
    /// run becomes a sweep of `seed` and a sweep repeats for each seed; other studies refuse them.
    public func driver(config: TrainingConfig, runID: String, seeds: Int = 1,
                       clock: @escaping @Sendable () -> Double) throws(ConfigError) -> TrainingDriver {
        let seedList = seeds > 1 ? Array(config[.seed]..<(config[.seed] + seeds)) : []
        switch study {
        case nil where !seedList.isEmpty:
            return Study(id: runID, base: config, plan: try SweepPlan(base: config, key: "seed", values: seedList.map { .int($0) }),
                         clock: clock)
        case nil: return Trainer(config: config, runID: runID, clock: clock)
        case .sweep:
            return Study(id: runID, base: config,
                         plan: try SweepPlan(base: config, key: sweep!.key, values: sweep!.values, outer: outerSweep, seeds: seedList),
                         clock: clock)
        case _ where !seedList.isEmpty:
            throw ConfigError("--seeds repeats single runs and sweeps; the \(name) study trains one seed")
        case .scaling(let widths, let heldOut):
            return Study(id: runID, base: config, plan: try ScalingPlan(base: config, widths: widths, heldOut: heldOut), clock: clock)
        case .quantization: return Study(id: runID, base: config, plan: try QuantizationPlan(base: config), clock: clock)
        case .lottery: return Study(id: runID, base: config, plan: try LotteryPlan(base: config), clock: clock)
        }
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
               study: .sweep([8, 16, 32, 64, 128, 256].map { ConfigSetting(.hidden, $0) })),
        Preset(name: "quantization",
               summary: "quantization-aware training of the grokking MLP at 32, 8, 4, 3, 2, 1.58 and 1 bits, against post-training quantization and Hessian-guided mixed precision",
               overrides: fastGrokking, study: .quantization),
        Preset(name: "lottery",
               summary: "lottery tickets: iterative magnitude pruning of the grokking MLP (40% per round, per tensor) rewound to step 100, against random re-initialization with the same masks",
               overrides: fastGrokking + [.init(.lotteryRounds, 3), .init(.pruneRate, 0.4), .init(.pruneScope, .layer), .init(.rewindStep, 100)],
               study: .lottery),
        Preset(name: "early-exit",
               summary: "four-turn spirals with a 4-block MLP and a classifier after every block, trained jointly: accuracy against computation over confidence thresholds",
               overrides: [.init(.task, .spirals), .init(.exits, 4), .init(.hidden, 32), .init(.activation, .relu), .init(.optimizer, .adam),
                           .init(.lr, 0.01), .init(.weightDecay, 0), .init(.batchSize, 128), .init(.steps, 10000), .init(.samples, 1000),
                           .init(.turns, 4), .init(.noise, 0.02), .init(.evalEvery, 200), .init(.logEvery, 20), .init(.histogramEvery, 0)]),
        Preset(name: "double-descent",
               summary: "width sweep of a tanh MLP on 400 noisy teacher-student examples: test loss peaks where parameters ≈ examples, and weight decay flattens the peak",
               overrides: [.init(.task, .teacherStudent), .init(.inputDim, 8), .init(.teacherHidden, 2), .init(.samples, 400), .init(.noise, 1),
                           .init(.activation, .tanh), .init(.optimizer, .adamw), .init(.lr, 0.01), .init(.weightDecay, 0),
                           .init(.steps, 4000), .init(.evalEvery, 100), .init(.logEvery, 100), .init(.histogramEvery, 0)],
               study: .sweep([1, 2, 4, 8, 12, 16, 20, 24, 32, 64].map { ConfigSetting(.hidden, $0) },
                             outer: [0, 1].map { ConfigSetting(.weightDecay, Double($0)) })),
        Preset(name: "lag",
               summary: "lazily aggregated gradients: 8 simulated workers on label-sorted shards skip uploads that changed too little (LAG, ξ 0.1 and 0.5) against plain distributed gradient descent (ξ 0)",
               overrides: teacherStudentGD + [.init(.workers, 8), .init(.heterogeneity, 1), .init(.histogramEvery, 0), .init(.sweepCost, .uploads)],
               study: .sweep([0, 0.1, 0.5].map { ConfigSetting(.lagThreshold, $0) })),
        Preset(name: "frugal",
               summary: "FRUGAL on the grokking MLP: Adam on a share ρ of each tensor's columns, signSGD on the rest; final test loss against optimizer-state bytes for ρ 0…1",
               overrides: fastGrokking + [.init(.optimizer, .frugal), .init(.sweepCost, .stateBytes), .init(.sweepQuality, .loss)],
               study: .sweep([0, 0.125, 0.25, 0.5, 1].map { ConfigSetting(.frugalRho, $0) })),
        Preset(name: "scaling",
               summary: "a scaling law: students of width 2…12 on a wide teacher, test loss fitted with a·N^-α + c (bootstrap bands), predicting width 24 before training it",
               overrides: [.init(.task, .teacherStudent), .init(.inputDim, 4), .init(.teacherHidden, 64), .init(.samples, 2000), .init(.noise, 0),
                           .init(.activation, .tanh), .init(.optimizer, .adam), .init(.lr, 0.01), .init(.weightDecay, 0), .init(.schedule, .cosine),
                           .init(.steps, 3000), .init(.evalEvery, 100), .init(.logEvery, 20), .init(.histogramEvery, 0)],
               study: .scaling(widths: [2, 3, 4, 6, 8, 12], heldOut: 24)),
        Preset(name: "teacher-student",
               summary: "regression onto a random tanh teacher network, full-batch gradient descent",
               overrides: teacherStudentGD),
    ]

    /// Full-batch gradient descent on teacher-student regression (the teacher-student and LAG presets).
    static let teacherStudentGD: [ConfigSetting] = [
        .init(.task, .teacherStudent), .init(.hidden, 64), .init(.activation, .tanh), .init(.optimizer, .sgd), .init(.lr, 0.05),
        .init(.weightDecay, 0), .init(.steps, 2000), .init(.samples, 512), .init(.noise, 0.05), .init(.evalEvery, 50), .init(.logEvery, 10),
    ]

    /// What the default run measures besides its curves, so that `make demo` shows every view: the
    /// top two Hessian eigenvalues and a 4-probe trace every 100 steps on a fixed 512-example subset
    /// (warm-started Lanczos to 1% residual: about 15 products), and a compression probe round every
    /// 250 steps, and the Fourier progress measures every 100 steps. Together about a tenth of the
    /// run's time (`Benchmarks/default_run_overhead.sh`).
    static let grokkingViews: [ConfigSetting] = [
        .init(.spectrumEvery, 100), .init(.spectrumTopK, 2), .init(.spectrumTolerance, 0.01), .init(.spectrumBatch, 512),
        .init(.traceProbes, 4), .init(.probeEvery, 250), .init(.fourierEvery, 100),
    ]

    /// The grokking task made quick for studies that train it many times: generalizes in about
    /// 350 steps (lr 0.01, 40% of the pairs for training), 1000 steps per member.
    static let fastGrokking: [ConfigSetting] = [
        .init(.lr, 0.01), .init(.trainFraction, 0.4), .init(.steps, 1000), .init(.histogramEvery, 0), .init(.logEvery, 10),
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
        .init(.densityEvery, 0), .init(.densityProbes, 10), .init(.densityIterations, 80), .init(.probeEvery, 0), .init(.sweepCost, .parameters), .init(.sweepQuality, .accuracy),
        .init(.bits, .full), .init(.quantGranularity, .tensor), .init(.labelNoise, 0),
        .init(.exits, 1), .init(.exitThreshold, 0.9), .init(.lotteryRounds, 4), .init(.pruneRate, 0.5), .init(.pruneScope, .global), .init(.maskAt, .end), .init(.rewindStep, 0),
        .init(.noiseScaleEvery, 10), .init(.fourierEvery, 0), .init(.workers, 1), .init(.heterogeneity, 0), .init(.lagThreshold, 0),
        .init(.frugalRho, 0.25), .init(.frugalPeriod, 200),
    ]

    /// This preset's full configuration.
    public var config: TrainingConfig {
        var values: [String: ConfigValue] = [:]
        for setting in Self.baseValues + overrides { values[setting.name] = setting.value }
        return TrainingConfig(values)
    }
}
