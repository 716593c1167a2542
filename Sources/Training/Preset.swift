/// A named starting configuration (`trainscope run --preset NAME`).
public struct Preset: Sendable {
    public let name: String
    public let summary: String
    /// Values that differ from `Preset.baseValues`.
    public let overrides: [String: ConfigValue]
    /// A config key and the values a sweep trains one after another (see `Sweep`), if any.
    public let sweep: (key: String, values: [ConfigValue])?

    init(name: String, summary: String, overrides: [String: ConfigValue], sweep: (key: String, values: [ConfigValue])? = nil) {
        self.name = name; self.summary = summary; self.overrides = overrides; self.sweep = sweep
    }

    /// Every built-in preset; the first is the default run of `make demo`.
    public static let all: [Preset] = [
        Preset(name: "grokking",
               summary: "modular addition mod 97: memorizes early, generalizes much later (weight decay drives it)",
               overrides: [:]),
        Preset(name: "transformer",
               summary: "modular addition mod 97 with a one-layer, 4-head transformer (d=64), AdamW",
               overrides: ["model": .text("transformer"), "hidden": .int(64), "activation": .text("relu"),
                           "lr": .real(0.001), "train_fraction": .real(0.3), "steps": .int(3000)]),
        Preset(name: "eos",
               summary: "edge of stability: full-batch gradient descent on teacher-student regression; sharpness rises to 2/lr and hovers",
               overrides: ["task": .text("teacher_student"), "hidden": .int(64), "activation": .text("tanh"),
                           "optimizer": .text("sgd"), "lr": .real(0.5), "weight_decay": .real(0), "steps": .int(3000),
                           "samples": .int(512), "noise": .real(0.05), "eval_every": .int(50), "log_every": .int(10),
                           "spectrum_every": .int(10), "spectrum_top_k": .int(2), "trace_probes": .int(0),
                           "density_every": .int(500)]),
        Preset(name: "spirals",
               summary: "two-spiral classification with a small ReLU MLP, minibatch Adam",
               overrides: ["task": .text("spirals"), "hidden": .int(64), "activation": .text("relu"), "optimizer": .text("adam"),
                           "lr": .real(0.01), "weight_decay": .real(0), "batch_size": .int(128), "steps": .int(3000),
                           "samples": .int(1000), "noise": .real(0.02), "eval_every": .int(50), "log_every": .int(10)]),
        Preset(name: "pareto",
               summary: "a width sweep on modular addition (hidden 8…256, 1500 steps each): parameters against test accuracy, with compression probes of each member",
               overrides: ["train_fraction": .real(0.5), "steps": .int(1500), "probe_every": .int(500), "histogram_every": .int(0),
                           "log_every": .int(10), "eval_every": .int(25)],
               sweep: ("hidden", [.int(8), .int(16), .int(32), .int(64), .int(128), .int(256)])),
        Preset(name: "teacher-student",
               summary: "regression onto a random tanh teacher network, full-batch gradient descent",
               overrides: ["task": .text("teacher_student"), "hidden": .int(64), "activation": .text("tanh"),
                           "optimizer": .text("sgd"), "lr": .real(0.05), "weight_decay": .real(0), "steps": .int(2000),
                           "samples": .int(512), "noise": .real(0.05), "eval_every": .int(50), "log_every": .int(10)]),
    ]

    /// The preset called `name`.
    public static func named(_ name: String) -> Preset? { all.first { $0.name == name } }

    /// Defaults for every key (the grokking run; other presets override what differs).
    static let baseValues: [String: ConfigValue] = [
        "task": .text("modular"), "seed": .int(0), "steps": .int(3000),
        "p": .int(97), "op": .text("add"), "train_fraction": .real(0.3), "hidden": .int(128),
        "activation": .text("square"), "embedding_std": .real(1), "model": .text("mlp"), "heads": .int(4),
        "input_dim": .int(16), "teacher_hidden": .int(8), "samples": .int(512), "noise": .real(0.05), "turns": .real(2),
        "optimizer": .text("adamw"), "lr": .real(0.003), "weight_decay": .real(1), "momentum": .real(0.9),
        "beta1": .real(0.9), "beta2": .real(0.98), "eps": .real(1e-8), "batch_size": .int(0), "grad_clip": .real(0),
        "schedule": .text("constant"), "warmup_steps": .int(0), "grokfast_alpha": .real(0.98), "grokfast_lambda": .real(0),
        "eval_every": .int(10), "log_every": .int(5), "histogram_every": .int(100),
        "spectrum_every": .int(0), "spectrum_top_k": .int(3), "spectrum_tolerance": .real(1e-3), "trace_probes": .int(8),
        "density_every": .int(0), "density_probes": .int(10), "density_iterations": .int(80), "probe_every": .int(0), "sweep_cost": .text("parameters"),
    ]

    /// This preset's full configuration.
    public var config: TrainingConfig {
        var values = Self.baseValues
        for (k, v) in overrides { values[k] = v }
        return TrainingConfig(values)
    }
}
