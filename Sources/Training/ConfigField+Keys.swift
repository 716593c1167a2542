import NN

// Every key of `TrainingConfig.keys` as a typed field; the table gives each its bounds and summary.

extension ConfigField where Value == TrainingConfig.Task {
    public static var task: Self { .init("task") }
}

extension ConfigField where Value == TrainingConfig.Model {
    public static var model: Self { .init("model") }
}

extension ConfigField where Value == ModularOperation {
    public static var op: Self { .init("op") }
}

extension ConfigField where Value == Activation {
    public static var activation: Self { .init("activation") }
}

extension ConfigField where Value == OptimizerKind {
    public static var optimizer: Self { .init("optimizer") }
}

extension ConfigField where Value == TrainingConfig.Schedule {
    public static var schedule: Self { .init("schedule") }
}

extension ConfigField where Value == TrainingConfig.SweepCost {
    public static var sweepCost: Self { .init("sweep_cost") }
}

extension ConfigField where Value == TrainingConfig.SweepQuality {
    public static var sweepQuality: Self { .init("sweep_quality") }
}

extension ConfigField where Value == QuantizationBits {
    public static var bits: Self { .init("bits") }
}

extension ConfigField where Value == QuantizationGranularity {
    public static var quantGranularity: Self { .init("quant_granularity") }
}

extension ConfigField where Value == TrainingConfig.PruneScope {
    public static var pruneScope: Self { .init("prune_scope") }
}

extension ConfigField where Value == TrainingConfig.MaskPhase {
    public static var maskAt: Self { .init("mask_at") }
}

extension ConfigField where Value == Int {
    public static var lotteryRounds: Self { .init("lottery_rounds") }
    public static var exits: Self { .init("exits") }
    public static var rewindStep: Self { .init("rewind_step") }
    public static var seed: Self { .init("seed") }
    public static var steps: Self { .init("steps") }
    public static var p: Self { .init("p") }
    public static var hidden: Self { .init("hidden") }
    public static var heads: Self { .init("heads") }
    public static var inputDim: Self { .init("input_dim") }
    public static var teacherHidden: Self { .init("teacher_hidden") }
    public static var samples: Self { .init("samples") }
    public static var batchSize: Self { .init("batch_size") }
    public static var warmupSteps: Self { .init("warmup_steps") }
    public static var spectrumEvery: Self { .init("spectrum_every") }
    public static var spectrumTopK: Self { .init("spectrum_top_k") }
    public static var spectrumBatch: Self { .init("spectrum_batch") }
    public static var traceProbes: Self { .init("trace_probes") }
    public static var densityEvery: Self { .init("density_every") }
    public static var probeEvery: Self { .init("probe_every") }
    public static var densityProbes: Self { .init("density_probes") }
    public static var densityIterations: Self { .init("density_iterations") }
    public static var evalEvery: Self { .init("eval_every") }
    public static var logEvery: Self { .init("log_every") }
    public static var histogramEvery: Self { .init("histogram_every") }
    public static var noiseScaleEvery: Self { .init("noise_scale_every") }
    public static var fourierEvery: Self { .init("fourier_every") }
    public static var workers: Self { .init("workers") }
    public static var frugalPeriod: Self { .init("frugal_period") }
}

extension ConfigField where Value == Double {
    public static var trainFraction: Self { .init("train_fraction") }
    public static var embeddingStd: Self { .init("embedding_std") }
    public static var noise: Self { .init("noise") }
    public static var turns: Self { .init("turns") }
    public static var lr: Self { .init("lr") }
    public static var weightDecay: Self { .init("weight_decay") }
    public static var momentum: Self { .init("momentum") }
    public static var beta1: Self { .init("beta1") }
    public static var beta2: Self { .init("beta2") }
    public static var eps: Self { .init("eps") }
    public static var gradClip: Self { .init("grad_clip") }
    public static var grokfastAlpha: Self { .init("grokfast_alpha") }
    public static var grokfastLambda: Self { .init("grokfast_lambda") }
    public static var spectrumTolerance: Self { .init("spectrum_tolerance") }
    public static var pruneRate: Self { .init("prune_rate") }
    public static var exitThreshold: Self { .init("exit_threshold") }
    public static var labelNoise: Self { .init("label_noise") }
    public static var heterogeneity: Self { .init("heterogeneity") }
    public static var lagThreshold: Self { .init("lag_threshold") }
    public static var frugalRho: Self { .init("frugal_rho") }
}
