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
/// - `data.train_indices` (I32) — the train split, as indices into the task's canonical ordering.
///
/// Metadata (all strings): `format` (`trainscope-checkpoint-1`), `config` (JSON), `seed`, `step`,
/// `optimizer_step`, `rng_state` (four hex words), `memorized_at`, `generalized_at`, `model`, `task`, `split`.
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
        file.tensors["data.train_indices"] = .init(int32: trainer.task.trainIndices.map(Int32.init))
        let rng = state.rng.state
        file.metadata = [
            "format": format,
            "config": JSONValue.object(state.config.jsonObject).jsonText,
            "seed": String(state.config[.seed]),
            "step": String(state.step),
            "optimizer_step": String(state.optimizer.step),
            "rng_state": [rng.0, rng.1, rng.2, rng.3].map { String($0, radix: 16) }.joined(separator: ","),
            "memorized_at": state.memorizedAt.map(String.init) ?? "",
            "generalized_at": state.generalizedAt.map(String.init) ?? "",
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
        let layout = TaskFactory.make(config).model.layout
        func flat(_ prefix: String, required: Bool) throws(CheckpointError) -> Tensor? {
            var tensors: [Tensor] = []
            for entry in layout.entries {
                guard let stored = file.tensors[prefix + entry.name] else {
                    if required { throw fail("missing tensor \"\(prefix + entry.name)\" (a checkpoint of another model?)") }
                    return nil
                }
                guard let tensor = stored.tensor, tensor.shape == entry.shape else {
                    throw fail("tensor \"\(prefix + entry.name)\" has shape \(stored.shape) (\(stored.dtype)), the model needs \(entry.shape) (a checkpoint of another model?)")
                }
                tensors.append(tensor.converted(to: .float32))
            }
            return layout.join(tensors)
        }
        guard let step = file.metadata["step"].flatMap(Int.init), step >= 0,
              let optimizerStep = file.metadata["optimizer_step"].flatMap(Int.init) else {
            throw fail("metadata lacks a valid step")
        }
        let words = (file.metadata["rng_state"] ?? "").split(separator: ",").compactMap { UInt64($0, radix: 16) }
        guard words.count == 4 else { throw fail("metadata lacks a valid rng_state") }
        return TrainerState(
            step: step, config: config, parameters: try flat("", required: true)!,
            optimizer: OptimizerState(step: optimizerStep, first: try flat("optimizer.first.", required: false),
                                      second: try flat("optimizer.second.", required: false)),
            grokfast: SlowGradientAmplifier(alpha: config[.grokfastAlpha], lambda: config[.grokfastLambda],
                                            average: try flat("grokfast.average.", required: false)),
            rng: SeededRNG(state: (words[0], words[1], words[2], words[3])),
            memorizedAt: file.metadata["memorized_at"].flatMap(Int.init),
            generalizedAt: file.metadata["generalized_at"].flatMap(Int.init))
    }

    /// Reads a checkpoint file into a trainer state.
    public static func load(path: String) throws(CheckpointError) -> TrainerState {
        try state(from: SafeTensorsFile(path: path), source: path)
    }
}
