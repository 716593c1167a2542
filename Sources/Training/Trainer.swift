import JSONCore
import TensorCore
import Autograd
import NN
import Curvature
import Telemetry

/// Everything that determines how training continues: a checkpoint saves exactly this, and
/// restoring it continues bit-identically (same build, one BLAS thread).
public struct TrainerState: Sendable, Equatable {
    /// Completed steps.
    public var step: Int
    /// The configuration in force, knob changes included.
    public var config: TrainingConfig
    /// Flat parameters `[P]`.
    public var parameters: Tensor
    public var optimizer: OptimizerState
    public var grokfast: SlowGradientAmplifier
    /// Draws minibatches.
    public var rng: SeededRNG
    /// The phases reached so far (memorization, generalization, divergence) and the rules' baseline.
    public var phases: PhaseDetector
    /// The train split it is trained on, as a checkpoint records it.
    public var trainIndices: [Int]
    /// A pruning mask `[P]` of ones and zeros (lottery tickets): masked weights are held at zero,
    /// their gradients and optimizer moments too. Nil trains every weight.
    public var mask: Tensor? = nil
    /// The simulated workers' last uploads and recent steps (`workers` > 1); nil for a single worker.
    public var lazyAggregation: LazyAggregationState? = nil
    /// What the gradient statistics remember between steps (reporting only: training never reads it).
    public var statistics = GradientStatisticsState(seed: 0)
}

/// The memory of a run's gradient statistics: kept in the state and its checkpoint, so that a
/// resumed run reports the same values as one that never stopped.
public struct GradientStatisticsState: Sendable, Equatable {
    /// Recent two-batch measurements of the gradient noise scale.
    public var noiseScale = NoiseScaleEstimator()
    /// Draws the measurements' small batches; apart from training's, so measuring never changes it.
    public var rng: SeededRNG
    /// The slow (EMA) part of the gradient at grokfast's α, for `grad/slow_norm` while grokfast is off.
    public var slowGradient = SlowGradientAmplifier(alpha: 0.98, lambda: 0)

    public init(seed: Int) { rng = SeededRNG(seed: UInt64(seed) &+ 0x57A7_5) }
}

/// The loss and accuracy of the model on a dataset.
public struct Evaluation: Sendable, Equatable {
    public var loss: Double
    /// Nil for regression.
    public var accuracy: Double?
}

/// Trains one run of the built-in engine and describes each step as Telemetry events.
///
/// Not thread-safe: one thread owns a trainer (the runtime gives it its own thread so the UI never
/// waits on it). Time enters through `clock`, so tests can fix it.
public final class Trainer {
    /// The run's id in events; a rollback continues the run under a new id (see `rollback()`).
    public private(set) var runID: String
    public let task: TaskInstance
    public internal(set) var state: TrainerState
    /// The state before the last step that produced a finite loss.
    public private(set) var lastGood: TrainerState
    /// True once the loss became NaN or infinite; the trainer then refuses to step.
    public private(set) var hasDiverged = false
    let clock: @Sendable () -> Double
    /// Eigenvectors of the last spectrum estimate: the warm start of the next one.
    var trackedEigenvectors: [Tensor] = []
    /// Random probes of the curvature estimators; separate from `state.rng`, so tracking never
    /// changes the training trajectory.
    var spectrumRNG: SeededRNG
    /// The fixed subset of the training set that `spectrum_batch` measures the spectrum on.
    var spectrumSubset: Dataset?
    /// The quantization levels of the last quantization-aware step (for `quant/flips`); reporting only.
    var quantizationLevels: [Int32] = []
    /// The workers' shards for the (workers, heterogeneity) they were dealt for.
    var shards: (workers: Int, heterogeneity: Double, data: [Dataset])?
    /// The traced and planned gradient and evaluation passes, by batch size.
    var compiledGraphs = CompiledGraphCache()
    /// False runs every pass on the eager graph (the reference the compiled plans are tested against).
    public var usesCompiledGraphs = true
    /// Threads that share a compiled pass's independent rows (`CompiledGraph.threads`); the results
    /// are the same bits for any number.
    public var compiledGraphThreads = CompiledGraph.defaultThreads

    /// A fresh run: data and initial parameters from `config`'s seed.
    public convenience init(config: TrainingConfig, runID: String, clock: @escaping @Sendable () -> Double) {
        let task = TaskFactory.make(config)
        var initRNG = SeededRNG(seed: UInt64(config[.seed]))
        self.init(config: config, task: task, parameters: task.model.initialParameters(&initRNG, dtype: .float32),
                  runID: runID, clock: clock)
    }

    /// A fresh run on a given task from given flat parameters `[P]` (Float32).
    public init(config: TrainingConfig, task: TaskInstance, parameters: Tensor, runID: String,
                clock: @escaping @Sendable () -> Double) {
        precondition(parameters.count == task.model.layout.count, "parameters do not fit the model")
        self.runID = runID
        self.clock = clock
        self.task = task
        spectrumRNG = SeededRNG(seed: UInt64(config[.seed]) &+ 0x5BEC_7A)
        state = TrainerState(
            step: 0, config: config, parameters: parameters, optimizer: OptimizerState(),
            grokfast: SlowGradientAmplifier(alpha: config[.grokfastAlpha], lambda: config[.grokfastLambda]),
            rng: SeededRNG(seed: UInt64(config[.seed]) &+ 0xBA7C_4E5),
            phases: PhaseDetector(), trainIndices: task.trainIndices, statistics: GradientStatisticsState(seed: config[.seed]))
        lastGood = state
    }

    /// Continues a run from a saved state (its config rebuilds the same data).
    public convenience init(resuming saved: TrainerState, runID: String, clock: @escaping @Sendable () -> Double) {
        self.init(config: saved.config, runID: runID, clock: clock)
        state = saved
        lastGood = saved
    }

    /// True when the configured number of steps is done or training diverged.
    public var isFinished: Bool { hasDiverged || state.step >= state.config[.steps] }

    // MARK: - Events

    /// The `run` event announcing this run, its full config and its knobs.
    public func runEvent() -> TelemetryEvent {
        let config = state.config
        let knobs = TrainingConfig.keys.filter(\.isKnob).map { $0.knobSpec(value: config.values[$0.name]!) }
        var extra = JSONObject()
        extra["parameters"] = .number(Double(task.model.layout.count))
        extra["train_examples"] = .number(Double(task.train.count))
        extra["test_examples"] = .number(Double(task.test.count))
        if let chance = task.chanceAccuracy { extra["chance_accuracy"] = .number(chance) }
        return .run(RunEvent(run: runID, task: task.description, model: task.model.description, config: config.jsonObject,
                             knobs: knobs, time: clock(), extra: extra))
    }

    // MARK: - Stepping

    /// Takes one training step and returns the events it produced (scalars on logging steps,
    /// histograms, phases). Returns no events once finished.
    public func step() -> [TelemetryEvent] {
        guard !hasDiverged else { return [] }
        let config = state.config
        let stepNumber = state.step + 1
        // Quantization-aware training runs forward and backward at the quantized weights; the
        // gradient then updates the full-precision ones (the straight-through estimator).
        let quantized = config.quantizer?.apply(state.parameters, layout: task.model.layout)
        let weights = quantized?.parameters ?? state.parameters
        let computed = config[.workers] > 1 ? workerGradients(at: weights) : batchGradient(drawBatch(), at: weights)
        let lossValue = computed.loss
        var events: [TelemetryEvent] = []

        guard lossValue.isFinite else {
            hasDiverged = true
            events.append(.scalars(ScalarsEvent(run: runID, step: stepNumber, time: clock(), values: ["train/loss": lossValue])))
            events.append(.phase(PhaseEvent(
                run: runID, step: stepNumber, time: clock(), name: "diverged",
                evidence: JSONObject([("train/loss", .number(lossValue)), ("last_good_step", .number(Double(lastGood.step)))]),
                message: "training loss became \(JSONValue.number(lossValue).jsonText); stopped, last good state kept at step \(lastGood.step)")))
            return events
        }
        lastGood = state

        var gradient = computed.gradient
        let gradNorm = gradient.squaredNorm().squareRoot()
        let learningRate = config[.lr] * schedule.factor(at: stepNumber)
        let isLast = stepNumber >= config[.steps]
        let isEval = stepNumber % config[.evalEvery] == 0 || stepNumber == 1 || isLast

        // Everything step N reports describes the weights its gradient was taken at, before its
        // update (PROTOCOL.md, "What a step's values describe"): so it is measured here, first.
        var values: [String: Double] = ["train/loss": lossValue, "grad/norm": gradNorm, "lr": learningRate]
        if let trainAccuracy = computed.accuracy { values["train/acc"] = trainAccuracy }
        values["weights/norm"] = state.parameters.squaredNorm().squareRoot()
        for (layer, norm) in layerNorms(state.parameters) { values["weights/norm/\(layer)"] = norm }
        values.merge(gradientStatistics(computed, at: weights, step: stepNumber)) { $1 }
        if let quantized { values.merge(quantizationValues(quantized, config: config)) { $1 } }
        if let mask = state.mask { values["sparsity"] = 1 - mask.sum().scalarValue / Double(mask.count) }
        var exitFront: ParetoEvent?
        if isEval {
            let test = evaluate(task.test, parameters: quantized?.parameters)
            values["test/loss"] = test.loss
            if let acc = test.accuracy { values["test/acc"] = acc }
            if let exits = exitMeasurements(step: stepNumber) {
                values.merge(exits.values) { $1 }
                exitFront = exits.front
            }
        }
        let every = config[.spectrumEvery]
        if every > 0 && stepNumber % every == 0 {
            let spectrum = estimateSpectrum(step: stepNumber)
            values["hessian/sharpness"] = spectrum.top.first
            if let trace = spectrum.trace { values["hessian/trace"] = trace }
            events.append(.spectrum(spectrum))
        }
        let probeEvery = config[.probeEvery]
        let probes = probeEvery > 0 && (stepNumber % probeEvery == 0 || isLast) ? probeRound(step: stepNumber) : nil
        let histogramEvery = config[.histogramEvery]
        let weightHistograms = histogramEvery > 0 && (stepNumber % histogramEvery == 0 || stepNumber == 1) ? histograms(step: stepNumber) : []

        if computed.workerGradients != nil { values.merge(aggregateLazily(computed, into: &gradient, learningRate: learningRate)) { $1 } }
        if let mask = state.mask { gradient = gradient * mask }
        let before = state.parameters
        // Locals: two inout accesses into one class property at once would violate exclusivity.
        var parameters = state.parameters, optimizer = state.optimizer, grokfast = state.grokfast
        if config[.optimizer] == .frugal { refreshFrugalSubspace(&optimizer) }
        // Grokfast's filter, clipping and the rule in one pass over the flat vectors.
        filteredOptimizerStep(parameters: &parameters, gradient: gradient, grokfast: &grokfast, maxNorm: config[.gradClip],
                              state: &optimizer, settings: optimizerSettings(learningRate: learningRate))
        state.grokfast = grokfast
        values.merge(slowFastSplit(gradient)) { $1 }
        // Masked gradients and moments already keep masked weights still; the product makes them exactly zero whatever the rule.
        if let mask = state.mask { parameters = parameters * mask }
        state.parameters = parameters
        state.optimizer = optimizer
        state.step = stepNumber
        // The one value about the update itself: its size relative to the weights it started from.
        let update = (state.parameters - before).squaredNorm()
        values["update/ratio"] = update.squareRoot() / max(before.squaredNorm().squareRoot(), 1e-30)
        values["optimizer/state_bytes"] = Double(state.optimizer.stateBytes)
        state.lazyAggregation?.noteUpdate(squaredNorm: update)
        let fourierEvery = config[.fourierEvery]
        let fourier = fourierEvery > 0 && (stepNumber % fourierEvery == 0 || isLast) ? fourierMeasures(step: stepNumber) : nil
        if let fourier { values.merge(fourier.values) { $1 } }

        let phases = detectPhases(step: stepNumber, values: values)
        let hasSpectrum = values["hessian/sharpness"] != nil
        if isEval || hasSpectrum || fourier != nil || !phases.isEmpty || stepNumber % config[.logEvery] == 0 {
            events.append(.scalars(ScalarsEvent(run: runID, step: stepNumber, time: clock(), values: Self.recordable(values))))
        }
        events += phases
        if let probes { events.append(.pareto(probes)) }
        if let exitFront { events.append(.pareto(exitFront)) }
        events += weightHistograms
        if let fourier { events.append(.histogram(fourier.spectrum)) }
        return events
    }

    /// Metric values as events carry them: a loss that underflows to zero comes out of −Σ log 1
    /// as −0, and is recorded and shown as 0.
    static func recordable(_ values: [String: Double]) -> [String: Double] { values.mapValues { $0 + 0 } }

    /// The weights the model computes with: the parameters, quantized when `bits` is below 32.
    public var deployedParameters: Tensor {
        state.config.quantizer?.apply(state.parameters, layout: task.model.layout).parameters ?? state.parameters
    }

    /// Loss and accuracy on `dataset` with the deployed (or given) parameters, without gradients.
    public func evaluate(_ dataset: Dataset, parameters: Tensor? = nil) -> Evaluation {
        if let compiled = compiledEvaluation(dataset, parameters: parameters ?? deployedParameters) { return compiled }
        let p = ParameterVariables(layout: task.model.layout, flat: parameters ?? deployedParameters, requiresGrad: false)
        let output = task.model.forward(dataset.input, p)
        return Evaluation(loss: dataset.loss(of: output).value.scalarValue,
                          accuracy: accuracy(output.value, dataset.target))
    }

    /// Replaces the configuration (a knob change); takes effect at the next step.
    public func apply(config: TrainingConfig) {
        state.config = config
        state.grokfast.alpha = config[.grokfastAlpha]
        state.grokfast.lambda = config[.grokfastLambda]
    }

    /// Sets a knob for the next step and describes the change as a `knob` event; refuses unknown
    /// names, keys that are not knobs, and values out of range (the config stays as it was).
    public func setKnob(_ name: String, to value: KnobValue, by: String) throws(ConfigError) -> TelemetryEvent {
        guard let key = TrainingConfig.key(name), key.isKnob else {
            throw ConfigError("'\(name)' is not a knob of this engine (knobs: \(TrainingConfig.keys.filter(\.isKnob).map(\.name).joined(separator: ", ")))")
        }
        let json: JSONValue
        switch value {
        case .number(let x): json = .number(x)
        case .choice(let s): json = .string(s)
        }
        var config = state.config
        let old = config.values[name]!
        try config.set(name, key.value(from: json))
        try config.validate()
        let previous = state
        var note: String?
        if name == "optimizer", config.values[name] != old {
            let from = previous.config[.optimizer], to = config[.optimizer]
            if Self.sharesMoments(from, to) {
                note = "optimizer state carried over (\(from.rawValue) and \(to.rawValue) keep the same moments)"
            } else {
                state.optimizer = OptimizerState()
                note = "optimizer state reset (\(from.rawValue)'s moments mean something else to \(to.rawValue))"
            }
        }
        apply(config: config)
        knobCheckpoints.append(previous)
        if knobCheckpoints.count > Self.knobCheckpointCapacity { knobCheckpoints.removeFirst() }
        func knobValue(_ v: ConfigValue) -> KnobValue {
            switch v {
            case .text(let s): .choice(s)
            case .int(let i): .number(Double(i))
            case .real(let x): .number(x)
            }
        }
        return .knob(KnobEvent(run: runID, step: state.step, time: clock(), name: name, old: knobValue(old),
                               new: knobValue(config.values[name]!), by: by, note: note))
    }

    /// Knob changes that can be undone, newest last.
    public static let knobCheckpointCapacity = 16
    /// The states just before each knob change, newest last (the oldest dropped past the capacity).
    public private(set) var knobCheckpoints: [TrainerState] = []
    private var rollbackCount = 0

    /// Undoes the last knob change: parameters, optimizer state, RNG, step and config return to
    /// just before it, so what follows is bit-identical to a run that never had the change. With
    /// no change to undo, a diverged run returns to its last good state (the step before the loss
    /// became non-finite). The run goes on under a new id (`ID~N`) announced by the returned `run` event,
    /// whose `parent` is the abandoned id, so the abandoned segment stays visible. Nil when there
    /// is nothing to undo.
    public func rollback() -> TelemetryEvent? {
        let saved: TrainerState
        if let last = knobCheckpoints.popLast() {
            saved = last
        } else if hasDiverged {
            saved = lastGood
        } else {
            return nil
        }
        let abandoned = runID
        let abandonedStep = state.step
        restore(saved)
        trackedEigenvectors = []
        rollbackCount += 1
        runID = "\(runID.split(separator: "~").first!)~\(rollbackCount)"
        guard case .run(var run) = runEvent() else { preconditionFailure("runEvent is a run event") }
        run.parent = abandoned
        run.rolledBackTo = saved.step
        run.abandonedAt = abandonedStep
        return .run(run)
    }

    /// A copy of this run at its current state under a new id (same data, parameters, optimizer
    /// state and RNG): a fork preview branch. Stepping it does not touch this trainer.
    public func fork(runID id: String) -> Trainer {
        let branch = Trainer(config: state.config, task: task, parameters: state.parameters, runID: id, clock: clock)
        branch.restore(state)
        branch.trackedEigenvectors = trackedEigenvectors
        branch.spectrumRNG = spectrumRNG
        return branch
    }

    /// Continues from a saved state; clears divergence.
    public func restore(_ saved: TrainerState) {
        state = saved
        lastGood = saved
        hasDiverged = false
    }

    // MARK: - Pieces

    /// The full train set, or a minibatch drawn without replacement from the trainer's RNG.
    func drawBatch() -> Dataset {
        let n = task.train.count, size = state.config[.batchSize]
        guard size > 0 && size < n else { return task.train }
        var indices = Array(0..<n)
        for i in 0..<size {
            let j = i + Int(state.rng.next() % UInt64(n - i))
            indices.swapAt(i, j)
        }
        return task.train.subset(Array(indices[..<size]))
    }

    private func detectPhases(step: Int, values: [String: Double]) -> [TelemetryEvent] {
        state.phases.observe(run: runID, step: step, time: clock(), value: { values[$0] }).map(TelemetryEvent.phase)
    }
}
