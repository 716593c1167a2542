import Foundation
import JSONCore
import Testing
import TensorCore
import Telemetry
import Training
import TestSupport

@Suite struct CheckpointTests {
    /// Minibatches, momentum buffers and the grokfast average all live in the checkpoint.
    func stressConfig() throws -> TrainingConfig {
        try smallConfig("grokking", ["batch_size": "20", "grokfast_lambda": "0.5", "steps": "50"])
    }

    @Test func resumeContinuesBitIdentically() throws {
        let config = try stressConfig()
        let uninterrupted = scalarSeries(train(Trainer(config: config, runID: "u", clock: fixedClock), steps: 50))

        let first = Trainer(config: config, runID: "r", clock: fixedClock)
        let head = scalarSeries(train(first, steps: 20))
        let path = TestPaths.scratchDirectory().appendingPathComponent("step-20.safetensors").path
        try Checkpoint.file(for: first).write(to: path)
        let restored = try Checkpoint.load(path: path)
        #expect(restored == first.state)
        let tail = scalarSeries(train(Trainer(resuming: restored, runID: "r", clock: fixedClock), steps: 30))

        let resumed = head + tail
        #expect(resumed.map(\.0) == uninterrupted.map(\.0))
        for (x, y) in zip(resumed, uninterrupted) { #expect(x.1 == y.1, "step \(x.0) differs after resume") }
    }

    @Test func checkpointIsStandardSafetensorsWithDocumentedNames() throws {
        let trainer = Trainer(config: try stressConfig(), runID: "n", clock: fixedClock)
        _ = train(trainer, steps: 3)
        let bytes = Checkpoint.file(for: trainer).encoded()
        // 8-byte little-endian header length, JSON header padded to 8 bytes, then data.
        let headerLength = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        #expect(headerLength % 8 == 0)
        let header = try JSONParser.parse(bytes: Array(bytes[8..<(8 + headerLength)]))
        guard case .object(let object) = header else { Issue.record("header not an object"); return }
        for name in ["embed_a.weight", "embed_b.weight", "out.weight", "optimizer.first.out.weight",
                     "optimizer.second.out.weight", "grokfast.average.out.weight", "data.train_indices"] {
            #expect(object[name] != nil, "missing tensor \(name)")
        }
        guard case .object(let metadata)? = object["__metadata__"] else { Issue.record("no metadata"); return }
        #expect(metadata["format"] == .string("trainscope-checkpoint-1"))
        #expect(metadata["step"] == .string("3") && metadata["seed"] == .string("0"))
        #expect(metadata["config"]?.string?.contains("\"p\":11") == true)
    }

    /// Each bad file gives one clear error naming the file.
    @Test(arguments: [
        ("missing", "no such file"),
        ("empty", "shorter than the 8-byte header length"),
        ("text", "exceeds the file"),
        ("truncated", "outside the"),
        ("header not JSON", "header is not JSON"),
        ("other model", "a checkpoint of another model?"),
        ("not trainscope", "not a trainscope checkpoint"),
    ])
    func badCheckpointsAreOneClearError(_ kind: String, _ expected: String) throws {
        let dir = TestPaths.scratchDirectory()
        let path = dir.appendingPathComponent("\(kind.replacingOccurrences(of: " ", with: "-")).safetensors").path
        let trainer = Trainer(config: try smallConfig(), runID: "x", clock: fixedClock)
        let good = Checkpoint.file(for: trainer).encoded()
        switch kind {
        case "missing": break
        case "empty": try Data().write(to: URL(fileURLWithPath: path))
        case "text": try Data("this is not a checkpoint, just words\n".utf8).write(to: URL(fileURLWithPath: path))
        case "truncated": try Data(good.prefix(good.count - 100)).write(to: URL(fileURLWithPath: path))
        case "header not JSON":
            var bytes = good
            bytes[8] = UInt8(ascii: "#")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        case "other model":
            let other = Trainer(config: try smallConfig("grokking", ["hidden": "24"]), runID: "y", clock: fixedClock)
            var file = Checkpoint.file(for: other)
            file.metadata["config"] = JSONValue.object(trainer.state.config.jsonObject).jsonText
            try file.write(to: path)
        case "not trainscope":
            var file = Checkpoint.file(for: trainer)
            file.metadata["format"] = nil
            try file.write(to: path)
        default: Issue.record("unknown case")
        }
        do {
            _ = try Checkpoint.load(path: path)
            Issue.record("\(kind) loaded")
        } catch {
            #expect(error.message.hasPrefix(path), "\(error.message)")
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(!error.message.contains("\n"))
        }
    }
}

@Suite struct ConfigTests {
    @Test func unknownKeysGetASuggestion() {
        var config = Preset.all[0].config
        #expect(throws: ConfigError("unknown config key 'weight_dcay' (did you mean 'weight_decay'?)")) {
            try config.apply(ConfigSetting(assignment: "weight_dcay=1"))
        }
    }

    @Test(arguments: [
        ("lr", "-1", "lr must be in (0, 100], got -1"),
        ("lr", "abc", "lr must be a number, got 'abc'"),
        ("train_fraction", "1", "train_fraction must be in (0, 1), got 1"),
        ("train_fraction", "0", "train_fraction must be in (0, 1), got 0"),
        ("p", "1.5", "p must be an integer, got '1.5'"),
        ("optimizer", "adagrad", "optimizer must be one of sgd, momentum, nesterov, adam, adamw, signsgd, lion, frugal, got 'adagrad'"),
        ("lr", "nan", "lr must be a finite number, got nan"),
    ])
    func outOfRangeValuesAreRefused(_ key: String, _ value: String, _ message: String) {
        var config = Preset.all[0].config
        #expect(throws: ConfigError(message)) { try config.apply(ConfigSetting(assignment: "\(key)=\(value)")) }
    }

    @Test func divisionNeedsAPrimeModulus() throws {
        var config = Preset.all[0].config
        try config.apply(ConfigSetting(assignment: "op=div"))
        try config.apply(ConfigSetting(assignment: "p=96"))
        #expect(throws: ConfigError("op div needs a prime p (b⁻¹ mod p must exist), got p=96")) { try config.validate() }
    }

    @Test func configFilesAreCheckedKeyByKey() throws {
        var config = Preset.all[0].config
        guard case .object(let good) = try JSONParser.parse(#"{"lr": 0.01, "optimizer": "lion", "hidden": 64}"#) else { return }
        try config.apply(json: good, source: "c.json")
        #expect(config[.lr] == 0.01 && config[.optimizer] == .lion && config[.hidden] == 64)
        guard case .object(let bad) = try JSONParser.parse(#"{"hidden": "wide"}"#) else { return }
        #expect(throws: ConfigError("c.json: hidden must be an integer, got string")) { try config.apply(json: bad, source: "c.json") }
    }

    /// A checkpoint is verified whole against the config it claims.
    @Test(arguments: [
        ("one moment tensor missing", #"missing tensor "optimizer.second.out.weight" (the others of its group are there"#),
        ("all second moments missing", "lacks the optimizer.second.* tensors that adamw has after 3 steps"),
        ("seed edited", "its data.train_indices are not the split its config makes"),
        ("split missing", "lacks the data.train_indices tensor"),
        ("NaN weights", "weights are NaN or infinite"),
    ])
    func incompleteOrInconsistentCheckpointsAreRefused(_ kind: String, _ expected: String) throws {
        let trainer = Trainer(config: try smallConfig(), runID: "v", clock: fixedClock)
        _ = train(trainer, steps: 3)
        var file = Checkpoint.file(for: trainer)
        switch kind {
        case "one moment tensor missing": file.tensors["optimizer.second.out.weight"] = nil
        case "all second moments missing": for name in file.tensors.keys where name.hasPrefix("optimizer.second.") { file.tensors[name] = nil }
        case "seed edited":
            var config = trainer.state.config
            try config.set(.seed, 7)
            file.metadata["config"] = JSONValue.object(config.jsonObject).jsonText
        case "split missing": file.tensors["data.train_indices"] = nil
        case "NaN weights":
            var values = trainer.state.parameters.floats
            values[0] = .nan
            var state = trainer.state
            state.parameters = Tensor(shape: state.parameters.shape, values)
            file = Checkpoint.file(for: trainer, state: state)
        default: Issue.record("unknown case")
        }
        #expect(throws: CheckpointError.self) { try Checkpoint.state(from: file, source: "c.safetensors") }
        do throws(CheckpointError) { _ = try Checkpoint.state(from: file, source: "c.safetensors") } catch {
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test func resumingUnderAConfigWithAnotherSplitOrModelIsRefused() throws {
        let trainer = Trainer(config: try smallConfig(), runID: "v", clock: fixedClock)
        _ = train(trainer, steps: 2)
        let saved = try Checkpoint.state(from: Checkpoint.file(for: trainer), source: "c")
        var otherSplit = saved.config
        try otherSplit.set(.trainFraction, 0.7)
        #expect(throws: CheckpointError.self) { try Checkpoint.resume(saved, config: otherSplit, runID: "r", clock: fixedClock) }
        var otherModel = saved.config
        try otherModel.set(.hidden, 24)
        #expect(throws: CheckpointError.self) { try Checkpoint.resume(saved, config: otherModel, runID: "r", clock: fixedClock) }
        var moreSteps = saved.config
        try moreSteps.set(.steps, 500)
        #expect(throws: Never.self) { try Checkpoint.resume(saved, config: moreSteps, runID: "r", clock: fixedClock) }
    }
}
