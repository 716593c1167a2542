extension TrainingConfig {
    /// The value of `field`; every key is present in a config (`Preset.baseValues` sets them all).
    public subscript<Value>(field: ConfigField<Value>) -> Value {
        guard let value = values[field.name].flatMap(Value.init(configValue:)) else {
            preconditionFailure("config key \(field.name) is missing or not a \(Value.self)")
        }
        return value
    }

    /// Sets `field` to `value`, range-checked.
    public mutating func set<Value>(_ field: ConfigField<Value>, _ value: Value) throws(ConfigError) {
        try set(field.name, value.configValue)
    }

    /// The data and model.
    public enum Task: String, ConfigChoice { case modular, teacherStudent = "teacher_student", spirals }
    /// The model of the modular task.
    public enum Model: String, ConfigChoice { case mlp, transformer }
    /// The learning-rate schedule, built by `LearningRateSchedule`.
    public enum Schedule: String, ConfigChoice { case constant, warmup, cosine, linear }
    /// Where lottery pruning ranks weights: over all compressible tensors together, or within each.
    public enum PruneScope: String, ConfigChoice { case global, layer }
    /// Which weights a lottery round's mask is computed from.
    public enum MaskPhase: String, ConfigChoice { case end, memorization, generalization }
    /// The cost axis of a sweep's front.
    public enum SweepCost: String, ConfigChoice {
        case parameters, flops, seconds, stateBytes = "state_bytes", uploads

        /// The front's cost objective.
        public var objectiveName: String {
            switch self {
            case .parameters: "parameters"
            case .flops: "flops/step"
            case .seconds: "seconds/step"
            case .stateBytes: "optimizer/state_bytes"
            case .uploads: "comm/uploads_total"
            }
        }
    }

    /// The quality axis of a sweep's front.
    public enum SweepQuality: String, ConfigChoice { case accuracy, loss }

    /// The fake quantizer of quantization-aware training; nil at full precision (`bits` = 32).
    public var quantizer: WeightQuantizer? {
        self[.bits] == .full ? nil : WeightQuantizer(bits: self[.bits], granularity: self[.quantGranularity])
    }
}
