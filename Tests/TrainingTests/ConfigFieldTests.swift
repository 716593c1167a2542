import NN
import Testing
import Training

/// Typed config access: every field reads the table's value with the table's type, presets set
/// every key, and settings parse exactly as the table says.
@Suite struct ConfigFieldTests {
    @Test func everyPresetSetsEveryKeyOfTheTableWithAValueItAccepts() throws {
        for preset in Preset.all {
            let config = preset.config
            #expect(Set(config.values.keys) == Set(TrainingConfig.keys.map(\.name)), "\(preset.name)")
            for key in TrainingConfig.keys {
                #expect(throws: Never.self, "\(preset.name).\(key.name)") { try key.check(config.values[key.name]!) }
            }
            try config.validate()
        }
    }

    @Test func typedFieldsReadWhatTheTableHolds() {
        let config = Preset.named("eos")!.config
        #expect(config[.task] == .teacherStudent && config[.optimizer] == .sgd && config[.activation] == .tanh)
        #expect(config[.model] == .mlp && config[.op] == .add && config[.schedule] == .constant && config[.sweepCost] == .parameters && config[.sweepQuality] == .accuracy)
        #expect(config[.bits] == .full && config[.quantGranularity] == .tensor && config.quantizer == nil)
        #expect(config[.lr] == 0.5 && config[.spectrumEvery] == 10 && config[.spectrumTopK] == 2 && config[.densityEvery] == 500)
        let ints: [(ConfigField<Int>, Int)] = [
            (.seed, 0), (.steps, 3000), (.p, 97), (.hidden, 64), (.heads, 4), (.inputDim, 16), (.teacherHidden, 8),
            (.samples, 512), (.batchSize, 0), (.warmupSteps, 0), (.traceProbes, 0), (.probeEvery, 0), (.densityProbes, 10),
            (.densityIterations, 80), (.spectrumBatch, 0), (.evalEvery, 50), (.logEvery, 10), (.histogramEvery, 100),
            (.noiseScaleEvery, 10), (.fourierEvery, 0), (.workers, 1), (.frugalPeriod, 200),
        ]
        for (field, value) in ints { #expect(config[field] == value, "\(field.name)") }
        let reals: [(ConfigField<Double>, Double)] = [
            (.trainFraction, 0.3), (.embeddingStd, 1), (.noise, 0.5), (.turns, 2), (.weightDecay, 0), (.momentum, 0.9),
            (.beta1, 0.9), (.beta2, 0.98), (.eps, 1e-8), (.gradClip, 0), (.grokfastAlpha, 0.98), (.grokfastLambda, 0),
            (.spectrumTolerance, 1e-3), (.labelNoise, 0), (.heterogeneity, 0), (.lagThreshold, 0), (.frugalRho, 0.25),
        ]
        for (field, value) in reals { #expect(config[field] == value, "\(field.name)") }
        // Every table key is read by exactly one field above (the choices are checked first).
        let read = Set(ints.map(\.0.name) + reals.map(\.0.name) + ["task", "optimizer", "activation", "model", "op", "schedule",
                                                                     "sweep_cost", "lr", "spectrum_every", "spectrum_top_k", "density_every",
                                                                     "bits", "quant_granularity", "prune_scope", "mask_at", "lottery_rounds",
                                                                     "rewind_step", "prune_rate", "exits", "exit_threshold", "sweep_quality"])
        #expect(read == Set(TrainingConfig.keys.map(\.name)))
    }

    @Test func choiceKeysOfferExactlyTheirEnumsCases() {
        let choices = Dictionary(uniqueKeysWithValues: TrainingConfig.keys.compactMap { key -> (String, [String])? in
            if case .choice(let options) = key.kind { (key.name, options) } else { nil }
        })
        #expect(choices["optimizer"] == OptimizerKind.allCases.map(\.rawValue))
        #expect(choices["task"] == ["modular", "teacher_student", "spirals"])
        #expect(choices["schedule"] == ["constant", "warmup", "cosine", "linear"])
        #expect(choices["sweep_cost"] == ["parameters", "flops", "seconds", "state_bytes", "uploads"])
        #expect(choices["sweep_quality"] == ["accuracy", "loss"])
        #expect(choices["bits"] == ["32", "8", "6", "4", "3", "2", "1.58", "1"])
    }

    /// A choice named by a number reads from JSON as a number too (`{"bits": 4}`, `{"bits": 1.58}`).
    @Test func numericChoicesReadFromJSONNumbers() throws {
        let key = TrainingConfig.key("bits")!
        #expect(try key.value(from: .number(4)) == .text("4"))
        #expect(try key.value(from: .number(1.58)) == .text("1.58"))
        #expect(throws: ConfigError("bits must be one of 32, 8, 6, 4, 3, 2, 1.58, 1, got '5'")) { try key.value(from: .number(5)) }
    }

    @Test func typedSetIsRangeCheckedLikeText() throws {
        var config = Preset.all[0].config
        try config.set(.steps, 12)
        #expect(config[.steps] == 12)
        #expect(throws: ConfigError("steps must be in 1…100000000, got 0")) { try config.set(.steps, 0) }
        #expect(throws: ConfigError("momentum must be in [0, 1), got 1")) { try config.set(.momentum, 1) }
        #expect(try ConfigSetting(assignment: "optimizer=lion") == ConfigSetting(.optimizer, .lion))
        #expect(throws: ConfigError("expected key=value")) { try ConfigSetting(assignment: "=3") }
    }

    /// A 200 KB key (found by fuzzing: 20 s in did-you-mean) is refused at once, quoted short.
    @Test func aHugeUnknownKeyIsRefusedQuicklyAndQuotedShort() {
        let key = String(repeating: "x", count: 200_000)
        do throws(ConfigError) {
            _ = try ConfigSetting(assignment: key + "=1")
            Issue.record("accepted")
        } catch {
            #expect(error.message.hasPrefix("unknown config key 'xxxx") && error.message.count < 200)
        }
    }
}
