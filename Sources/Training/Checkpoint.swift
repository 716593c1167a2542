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
/// - `data.train_indices` (I32) — the train split, as indices into the task's canonical ordering.
///
/// Metadata (all strings): `format` (`trainscope-checkpoint-1`), `config` (JSON), `seed`, `step`,
/// `optimizer_step`, `rng_state` (four hex words), `memorized_at`, `generalized_at`, `diverged_at`,
/// `first_loss`, `lowest_loss`, `rising` (the divergence rule's run of high losses, `COUNT@STEP`), `model`, `task`, `split`.
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
        add("optimizer.first.", state.optimizer.first)
        add("optimizer.second.", state.optimizer.second)
        add("grokfast.average.", state.grokfast.average)
        add("mask.", state.mask)
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
            "model": trainer.task.model.description,
            "task": trainer.task.description,
            "split": trainer.task.splitDescription,
        ]
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
        let parameters = try flat("", required: true)!
        let nonFinite = parameters.doubles.filter { !$0.isFinite }.count
        guard nonFinite == 0 else { throw fail("\(nonFinite) weights are NaN or infinite (saved after the run diverged?)") }
        let optimizer = OptimizerState(step: optimizerStep, first: try flat("optimizer.first.", required: false),
                                       second: try flat("optimizer.second.", required: false))
        // After a step, the optimizer in the config has made its moments (a switch that does not
        // keep them resets the step to 0): missing ones would silently restart them from zero.
        let kind = config[.optimizer]
        for (group, tensor, needed) in [("first", optimizer.first, kind != .sgd && kind != .signsgd),
                                        ("second", optimizer.second, kind == .adam || kind == .adamw)]
            where needed && optimizerStep > 0 && tensor == nil {
            throw fail("lacks the optimizer.\(group).* tensors that \(kind.rawValue) has after \(optimizerStep) steps (a truncated or edited file?)")
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
                                  risingCount: rising.count, risingSince: rising.since),
            trainIndices: task.trainIndices, mask: try flat("mask.", required: false))
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
