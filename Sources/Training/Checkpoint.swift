import JSONCore
import Telemetry
import TensorCore
import NN

/// Saving and loading a trainer's state as a safetensors checkpoint.
///
/// Tensor names (PyTorch-compatible where they are parameters):
/// - `<parameter>` — each model parameter by its layout name (`embed_a.weight`, `out.weight`, `fc1.bias`, …);
/// - `optimizer.first.<parameter>`, `optimizer.second.<parameter>` — momentum / Adam moments, when present;
/// - `grokfast.average.<parameter>` — the grokfast EMA, when present;
/// - `mask.<parameter>` — the pruning mask (ones and zeros), when the run trains a pruned network;
/// - FRUGAL instead keeps `optimizer.subspace` (I32, its state-full flat indices) and its moments
///   over them as `optimizer.first`, `optimizer.second` `[K]`;
/// - `statistics.slow_gradient.<parameter>` — the gradient's EMA behind `grad/slow_norm` while grokfast is off;
/// - `lag.uploaded` `[workers, P]` — simulated workers' last uploaded gradients (LAG runs);
/// - `data.train_indices` (I32) — the train split, as indices into the task's canonical ordering.
///
/// Metadata (all strings): `format` (`trainscope-checkpoint-1`), `config` (JSON), `seed`, `step`,
/// `optimizer_step`, `rng_state` (four hex words), `memorized_at`, `generalized_at`, `diverged_at`,
/// `first_loss`, `lowest_loss`, `rising` (the divergence rule's run of high losses, `COUNT@STEP`), `circuit_at`, `cleanup_at`,
/// `lowest_excluded` (the circuit rule's baseline, `LOSS@STEP`), `model`, `task`, `split`;
/// `statistics_rng_state` and `noise_scale` (the recent measurements, `TRACE:NORM,…`);
/// FRUGAL adds `optimizer_subspace_start`; LAG adds `lag_uploads`, `lag_skipped`, `lag_heterogeneity` and
/// `lag_recent` (the last updates' squared norms, comma-separated).
public enum Checkpoint {
    /// The `format` metadata value of files this build writes.
    public static let format = "trainscope-checkpoint-1"

    /// The trainer's state as a safetensors file.
    public static func file(for trainer: Trainer, state: TrainerState? = nil) -> SafeTensorsFile {
        let state = state ?? trainer.state
        let layout = trainer.task.model.layout
        var file = SafeTensorsFile()
        func add(_ prefix: String, _ flat: Tensor?) {
            guard let flat else { return }
            for (entry, tensor) in zip(layout.entries, layout.split(flat)) { file.tensors[prefix + entry.name] = .init(tensor) }
        }
        add("", state.parameters)
        if let subspace = state.optimizer.subspace {
            file.tensors["optimizer.subspace"] = .init(int32: subspace)
            for (name, moment) in [("optimizer.first", state.optimizer.first), ("optimizer.second", state.optimizer.second)] {
                if let moment { file.tensors[name] = .init(moment) }
            }
        } else {
            add("optimizer.first.", state.optimizer.first)
            add("optimizer.second.", state.optimizer.second)
        }
        let uploads = state.lazyAggregation?.uploaded.compactMap { $0 } ?? []
        if let lag = state.lazyAggregation, uploads.count == lag.uploaded.count, !uploads.isEmpty {
            file.tensors["lag.uploaded"] = .init(Tensor(shape: [uploads.count, layout.count], uploads.flatMap(\.floats)))
        }
        add("grokfast.average.", state.grokfast.average)
        add("mask.", state.mask)
        add("statistics.slow_gradient.", state.statistics.slowGradient.average)
        file.tensors["data.train_indices"] = .init(int32: trainer.task.trainIndices.map(Int32.init))
        let rng = state.rng.state
        file.metadata = [
            "format": format,
            "config": JSONValue.object(state.config.jsonObject).jsonText,
            "seed": String(state.config[.seed]),
            "step": String(state.step),
            "optimizer_step": String(state.optimizer.step),
            "rng_state": [rng.0, rng.1, rng.2, rng.3].map { String($0, radix: 16) }.joined(separator: ","),
            "memorized_at": state.phases.memorizedAt.map(String.init) ?? "",
            "generalized_at": state.phases.generalizedAt.map(String.init) ?? "",
            "diverged_at": state.phases.divergedAt.map(String.init) ?? "",
            "first_loss": state.phases.firstLoss.map { String($0) } ?? "",
            "lowest_loss": String(state.phases.lowestLoss),
            "rising": state.phases.risingSince.map { "\(state.phases.risingCount)@\($0)" } ?? "",
            "circuit_at": state.phases.circuitFormedAt.map(String.init) ?? "",
            "cleanup_at": state.phases.cleanupAt.map(String.init) ?? "",
            "lowest_excluded": state.phases.lowestExcludedStep.map { "\(state.phases.lowestExcludedLoss)@\($0)" } ?? "",
            "model": trainer.task.model.description,
            "task": trainer.task.description,
            "split": trainer.task.splitDescription,
        ]
        let statisticsRNG = state.statistics.rng.state
        file.metadata["statistics_rng_state"] = [statisticsRNG.0, statisticsRNG.1, statisticsRNG.2, statisticsRNG.3].map { String($0, radix: 16) }.joined(separator: ",")
        file.metadata["noise_scale"] = state.statistics.noiseScale.measurements.map { "\($0.trace):\($0.squaredNorm)" }.joined(separator: ",")
        if state.optimizer.subspace != nil { file.metadata["optimizer_subspace_start"] = String(state.optimizer.subspaceStart) }
        if let lag = state.lazyAggregation {
            file.metadata["lag_uploads"] = String(lag.uploads)
            file.metadata["lag_skipped"] = String(lag.skipped)
            file.metadata["lag_heterogeneity"] = String(lag.heterogeneity)
            file.metadata["lag_recent"] = lag.recentUpdates.map { String($0) }.joined(separator: ",")
        }
        return file
    }

    /// Reads a checkpoint back into a trainer state; `source` names the file in errors.
    public static func state(from file: SafeTensorsFile, source: String) throws(CheckpointError) -> TrainerState {
        func fail(_ why: String) -> CheckpointError { CheckpointError("\(source): \(why)") }
        guard file.metadata["format"] == format else {
            throw fail("not a trainscope checkpoint (metadata format is \(file.metadata["format"].map { "'\($0)'" } ?? "missing"))")
        }
        guard let configText = file.metadata["config"] else { throw fail("metadata lacks the run config") }
        let configJSON: JSONValue
        do throws(JSONSyntaxError) { configJSON = try JSONParser.parse(configText) } catch {
            throw fail("config metadata is not JSON: \(error.reason)")
        }
        guard case .object(let object) = configJSON else { throw fail("config metadata is not a JSON object") }
        var config = Preset.all[0].config
        do throws(ConfigError) {
            try config.apply(json: object, source: "config")
            try config.validate()
        } catch {
            throw fail("config metadata is invalid: \(error.message)")
        }
        let task = TaskFactory.make(config)
        let layout = task.model.layout
        /// A group of tensors (parameters, a moment, the grokfast average): all there, or none.
        func flat(_ prefix: String, required: Bool) throws(CheckpointError) -> Tensor? {
            let present = layout.entries.filter { file.tensors[prefix + $0.name] != nil }
            if present.isEmpty && !required { return nil }
            var tensors: [Tensor] = []
            for entry in layout.entries {
                guard let stored = file.tensors[prefix + entry.name] else {
                    throw fail("missing tensor \"\(prefix + entry.name)\"" + (present.isEmpty ? " (a checkpoint of another model?)" : " (the others of its group are there: a truncated or edited file?)"))
                }
                guard let tensor = stored.tensor, tensor.shape == entry.shape else {
                    throw fail("tensor \"\(prefix + entry.name)\" has shape \(stored.shape) (\(stored.dtype)), the model needs \(entry.shape) of floats (a checkpoint of another model?)")
                }
                tensors.append(tensor.converted(to: .float32))
            }
            return layout.join(tensors)
        }
        guard let step = file.metadata["step"].flatMap(Int.init), step >= 0,
              let optimizerStep = file.metadata["optimizer_step"].flatMap(Int.init), optimizerStep >= 0 else {
            throw fail("metadata lacks a valid step")
        }
        let words = (file.metadata["rng_state"] ?? "").split(separator: ",").compactMap { UInt64($0, radix: 16) }
        guard words.count == 4 else { throw fail("metadata lacks a valid rng_state") }
        // `rising` is "COUNT@STEP" while the loss is in a run of high observations (PhaseDetector).
        let risingParts = (file.metadata["rising"] ?? "").split(separator: "@").compactMap { Int($0) }
        let rising = risingParts.count == 2 ? (count: risingParts[0], since: Optional(risingParts[1])) : (count: 0, since: nil)
        let excluded = (file.metadata["lowest_excluded"] ?? "").split(separator: "@")
        let parameters = try flat("", required: true)!
        let nonFinite = parameters.doubles.filter { !$0.isFinite }.count
        guard nonFinite == 0 else { throw fail("\(nonFinite) weights are NaN or infinite (saved after the run diverged?)") }
        let kind = config[.optimizer]
        let optimizer = kind == .frugal && file.tensors["optimizer.subspace"] != nil
            ? try frugalState(file, step: optimizerStep, parameters: layout.count, fail: fail)
            : OptimizerState(step: optimizerStep, first: try flat("optimizer.first.", required: false),
                             second: try flat("optimizer.second.", required: false))
        // After a step, the optimizer in the config has made its moments (a switch that does not
        // keep them resets the step to 0): missing ones would silently restart them from zero.
        for (group, tensor, needed) in [("first", optimizer.first, kind.momentsPerCoordinate >= 1),
                                        ("second", optimizer.second, kind.momentsPerCoordinate == 2)]
            where needed && optimizerStep > 0 && tensor == nil {
            throw fail("lacks the optimizer.\(group)\(kind == .frugal ? "" : ".*") tensors that \(kind.rawValue) has after \(optimizerStep) steps (a truncated or edited file?)")
        }
        guard let indices = file.tensors["data.train_indices"], let split = indices.int32s else {
            throw fail("lacks the data.train_indices tensor (I32) that records its train split")
        }
        guard split.map(Int.init) == task.trainIndices else {
            throw fail("its data.train_indices are not the split its config makes (seed, train_fraction or samples edited?)")
        }
        return TrainerState(
            step: step, config: config, parameters: parameters, optimizer: optimizer,
            grokfast: SlowGradientAmplifier(alpha: config[.grokfastAlpha], lambda: config[.grokfastLambda],
                                            average: try flat("grokfast.average.", required: false)),
            rng: SeededRNG(state: (words[0], words[1], words[2], words[3])),
            phases: PhaseDetector(memorizedAt: file.metadata["memorized_at"].flatMap(Int.init),
                                  generalizedAt: file.metadata["generalized_at"].flatMap(Int.init),
                                  divergedAt: file.metadata["diverged_at"].flatMap(Int.init),
                                  firstLoss: file.metadata["first_loss"].flatMap(Double.init),
                                  lowestLoss: file.metadata["lowest_loss"].flatMap(Double.init) ?? .infinity,
                                  risingCount: rising.count, risingSince: rising.since,
                                  circuitFormedAt: file.metadata["circuit_at"].flatMap(Int.init), cleanupAt: file.metadata["cleanup_at"].flatMap(Int.init),
                                  lowestExcluded: excluded.count == 2 ? (Double(excluded[0]) ?? .infinity, Int(excluded[1])) : (.infinity, nil)),
            trainIndices: task.trainIndices, mask: try flat("mask.", required: false),
            lazyAggregation: try lazyAggregationState(file, parameters: layout.count, fail: fail),
            statistics: try statisticsState(file, seed: config[.seed], slowGradient: try flat("statistics.slow_gradient.", required: false),
                                            alpha: config[.grokfastAlpha], fail: fail))
    }

    /// The gradient statistics' memory; a checkpoint from before they existed starts it afresh.
    private static func statisticsState(_ file: SafeTensorsFile, seed: Int, slowGradient: Tensor?, alpha: Double,
                                        fail: (String) -> CheckpointError) throws(CheckpointError) -> GradientStatisticsState {
        var statistics = GradientStatisticsState(seed: seed)
        if let text = file.metadata["statistics_rng_state"] {
            let words = text.split(separator: ",").compactMap { UInt64($0, radix: 16) }
            guard words.count == 4 else { throw fail("metadata statistics_rng_state is not four hex words") }
            statistics.rng = SeededRNG(state: (words[0], words[1], words[2], words[3]))
        }
        for pair in (file.metadata["noise_scale"] ?? "").split(separator: ",") {
            let parts = pair.split(separator: ":").compactMap { Double($0) }
            guard parts.count == 2 else { throw fail("metadata noise_scale is not a list of TRACE:NORM pairs") }
            statistics.noiseScale.add(.init(trace: parts[0], squaredNorm: parts[1]))
        }
        statistics.slowGradient = SlowGradientAmplifier(alpha: alpha, lambda: 0, average: slowGradient)
        return statistics
    }

    /// FRUGAL's subspace and its `[K]` moments.
    private static func frugalState(_ file: SafeTensorsFile, step: Int, parameters: Int,
                                    fail: (String) -> CheckpointError) throws(CheckpointError) -> OptimizerState {
        guard let subspace = file.tensors["optimizer.subspace"]?.int32s,
              zip(subspace, subspace.dropFirst()).allSatisfy({ $0 < $1 }), subspace.allSatisfy({ $0 >= 0 && Int($0) < parameters }) else {
            throw fail("optimizer.subspace is not an ascending I32 list of parameter indices")
        }
        guard let start = file.metadata["optimizer_subspace_start"].flatMap(Int.init), (0...step).contains(start) else {
            throw fail("metadata lacks a valid optimizer_subspace_start for its FRUGAL subspace")
        }
        var moments: [Tensor?] = []
        for name in ["optimizer.first", "optimizer.second"] {
            guard let entry = file.tensors[name] else { moments.append(nil); continue }
            guard let tensor = entry.tensor, tensor.shape == [subspace.count] else {
                throw fail("tensor \"\(name)\" has shape \(entry.shape), FRUGAL's subspace needs [\(subspace.count)] floats")
            }
            moments.append(tensor.converted(to: .float32))
        }
        return OptimizerState(step: step, first: moments[0], second: moments[1], subspace: subspace, subspaceStart: start)
    }

    /// LAG's last uploads and counters, when the run has simulated workers.
    private static func lazyAggregationState(_ file: SafeTensorsFile, parameters: Int,
                                             fail: (String) -> CheckpointError) throws(CheckpointError) -> LazyAggregationState? {
        guard let uploads = file.metadata["lag_uploads"].flatMap(Int.init) else { return nil }
        guard let skipped = file.metadata["lag_skipped"].flatMap(Int.init), let heterogeneity = file.metadata["lag_heterogeneity"].flatMap(Double.init) else {
            throw fail("metadata lacks LAG's lag_skipped or lag_heterogeneity")
        }
        let recent = (file.metadata["lag_recent"] ?? "").split(separator: ",").map { Double($0) }
        guard !recent.contains(nil) else { throw fail("metadata lag_recent is not a list of numbers") }
        var state = LazyAggregationState(workers: 0, heterogeneity: heterogeneity)
        state.uploads = uploads
        state.skipped = skipped
        state.recentUpdates = recent.map { $0! }
        if let entry = file.tensors["lag.uploaded"] {
            guard let tensor = entry.tensor, tensor.shape.count == 2, tensor.shape[1] == parameters else {
                throw fail("tensor \"lag.uploaded\" has shape \(entry.shape), needs [workers, \(parameters)] floats")
            }
            let values = tensor.floats
            state.uploaded = (0..<tensor.shape[0]).map { Tensor(shape: [parameters], Array(values[($0 * parameters)..<(($0 + 1) * parameters)])) }
        }
        return state
    }

    /// A trainer continuing `saved` under `config` (the checkpoint's own, or with `--set` edits):
    /// refused when the config makes another model or another train split than the one trained.
    public static func resume(_ saved: TrainerState, config: TrainingConfig, runID: String,
                              clock: @escaping @Sendable () -> Double) throws(CheckpointError) -> Trainer {
        var state = saved
        state.config = config
        let trainer = Trainer(resuming: state, runID: runID, clock: clock)
        guard trainer.task.model.layout.count == saved.parameters.count else {
            throw CheckpointError("the checkpoint holds \(saved.parameters.count) parameters; this config's model has \(trainer.task.model.layout.count) (hidden, p or model changed?)")
        }
        if saved.trainIndices != trainer.task.trainIndices {
            throw CheckpointError("this config makes another train split than the checkpoint trained on (seed, train_fraction or samples changed?)")
        }
        return trainer
    }

    /// Reads a checkpoint file into a trainer state.
    public static func load(path: String) throws(CheckpointError) -> TrainerState {
        try state(from: SafeTensorsFile(path: path), source: path)
    }
}
