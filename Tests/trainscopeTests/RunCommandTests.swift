import Foundation
import Testing
import TestSupport

@Suite struct RunCommandTests {
    /// Each bad input: one clear error line, exit 2, and no training output at all.
    @Test(arguments: [
        (["--preset", "grokk"], "trainscope: error: The value 'grokk' is invalid for '--preset <preset>': no such preset (available: grokking, transformer, eos, spirals, pareto, quantization, lottery, early-exit, double-descent, lag, frugal, scaling, teacher-student) (see `trainscope help`)"),
        (["--set", "lrr=0.1"], "trainscope: error: The value 'lrr=0.1' is invalid for '--set <key=value>': unknown config key 'lrr' (did you mean 'lr'?) (see `trainscope help`)"),
        (["--set", "lr=-0.1"], "trainscope: error: The value 'lr=-0.1' is invalid for '--set <key=value>': lr must be in (0, 100], got -0.1 (see `trainscope help`)"),
        (["--set", "lr"], "trainscope: error: The value 'lr' is invalid for '--set <key=value>': expected key=value (see `trainscope help`)"),
        (["--set", "op=div", "--set", "p=91"], "trainscope: error: op div needs a prime p (b⁻¹ mod p must exist), got p=91"),
        (["--set", "train_fraction=1.5"], "trainscope: error: The value 'train_fraction=1.5' is invalid for '--set <key=value>': train_fraction must be in (0, 1), got 1.5 (see `trainscope help`)"),
        (["--steps", "0"], "trainscope: error: steps must be in 1…100000000, got 0"),
        (["--config", "/nonexistent.json"], "trainscope: error: /nonexistent.json: cannot read the file"),
        (["--resume", "/nonexistent.safetensors"], "trainscope: error: /nonexistent.safetensors: no such file"),
        (["--seeds", "0"], "trainscope: error: --seeds must be between 1 and 1000"),
        (["--seeds", "2", "--resume", "x.safetensors"], "trainscope: error: --seeds trains new runs: it cannot --resume or write checkpoints"),
        (["--preset", "quantization", "--seeds", "2"], "trainscope: error: --seeds repeats single runs and sweeps; the quantization study trains one seed"),
    ])
    func badInputIsOneLineAndExitsTwo(_ arguments: [String], _ message: String) throws {
        let out = try CommandRunner.run(["run", "--headless"] + arguments)
        #expect(out.status == 2)
        #expect(out.stderr == message + "\n")
        #expect(out.stdout.isEmpty)
    }

    @Test func malformedConfigFileNamesTheColumn() throws {
        let dir = TestPaths.scratchDirectory()
        let path = dir.appendingPathComponent("bad.json").path
        try Data(#"{"lr": 0.01,, "hidden": 8}"#.utf8).write(to: URL(fileURLWithPath: path))
        let out = try CommandRunner.run(["run", "--headless", "--config", path])
        #expect(out.status == 2)
        #expect(out.stderr == "trainscope: error: \(path): not valid JSON at column 13: expected a string key, found ','\n")
        try Data(#"{"lr": 0.01, "hiden": 8}"#.utf8).write(to: URL(fileURLWithPath: path))
        let typo = try CommandRunner.run(["run", "--headless", "--config", path])
        #expect(typo.stderr == "trainscope: error: \(path): unknown config key 'hiden' (did you mean 'hidden'?)\n")
    }

    @Test func headlessRunRecordsAValidStreamAndCheckpoints() throws {
        let dir = TestPaths.scratchDirectory()
        let record = dir.appendingPathComponent("run.jsonl").path
        let checkpoints = dir.appendingPathComponent("ck").path
        let out = try CommandRunner.run(["run", "--headless", "--set", "p=11", "--set", "hidden=16", "--steps", "30",
                                         "--record", record, "--checkpoint-every", "10", "--checkpoint-dir", checkpoints])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("step 30/30"))
        #expect(out.stdout.contains("done: 30 steps"))
        let files = try FileManager.default.contentsOfDirectory(atPath: checkpoints).sorted()
        #expect(files == ["step-0000010.safetensors", "step-0000020.safetensors", "step-0000030.safetensors"])
        let validate = try CommandRunner.run(["validate", record])
        #expect(validate.status == 0)
        #expect(validate.stdout.contains("1 run"))
        #expect(validate.stdout.contains(" scalars"))
        // Resume from step 20 and run to 30: the same metrics as the uninterrupted run.
        let resumedRecord = dir.appendingPathComponent("resumed.jsonl").path
        let resumed = try CommandRunner.run(["run", "--headless", "--resume", "\(checkpoints)/step-0000020.safetensors",
                                             "--record", resumedRecord])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("done: step 30, 10 steps after resuming at step 20, in "), "\(resumed.stdout)")
        func valuesAfter20(_ path: String) throws -> [String] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
                .filter { $0.contains("\"type\":\"scalars\"") }
                .map { line in line.replacingOccurrences(of: #""time":[0-9.]+,"#, with: "", options: .regularExpression) }
                .filter { line in Int(line.split(separator: "\"step\":")[1].prefix { $0.isNumber })! > 20 }
        }
        #expect(try valuesAfter20(resumedRecord) == valuesAfter20(record))
    }

    @Test func seedsAreRunsOfConsecutiveSeedsSummarizedAsMeanAndSpread() throws {
        let record = TestPaths.scratchDirectory().appendingPathComponent("seeds.jsonl").path
        let out = try CommandRunner.run(["run", "--headless", "--set", "p=11", "--set", "hidden=16", "--set", "seed=4", "--steps", "30",
                                         "--seeds", "3", "--record", record])
        #expect(out.status == 0, "\(out.stderr)")
        let events = try String(contentsOfFile: record, encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        // The study's own run, then one run per seed.
        let runs = events.filter { $0["type"] as? String == "run" }
        #expect(runs.map { $0["run"] as? String } == ["grokking", "grokking-s4", "grokking-s5", "grokking-s6"])
        #expect(runs.map { ($0["config"] as? [String: Any])?["seed"] as? Int } == [4, 4, 5, 6])
        // The summary's mean and spread are those of the recorded final test losses.
        let losses = runs.dropFirst().map { run in
            events.compactMap { e in e["type"] as? String == "scalars" && e["run"] as? String == run["run"] as? String
                ? (e["values"] as? [String: Any])?["test/loss"] as? Double : nil }.last!
        }
        let mean = losses.reduce(0, +) / 3
        let deviation = (losses.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2).squareRoot()
        let summary = try #require(out.stdout.split(separator: "\n").last)
        #expect(summary.hasPrefix("grokking over 3 seeds: " + String(format: "test loss %.4g ± %.2g · test acc ", mean, deviation)), "\(summary)")
        #expect(summary.hasSuffix("memorized 0 of 3 · generalized 0 of 3"), "\(summary)")
        #expect(Set(losses).count == 3, "the seeds train different runs")
    }

    @Test func presetsListsEveryPresetAndKey() throws {
        let out = try CommandRunner.run(["presets"])
        #expect(out.status == 0)
        #expect(out.stdout.hasPrefix("grokking "))
        #expect(out.stdout.contains("[default]"))
        let keys = try CommandRunner.run(["presets", "--keys"])
        for key in ["lr", "weight_decay", "momentum", "beta1", "beta2", "batch_size", "optimizer", "grad_clip", "seed",
                    "steps", "p", "op", "train_fraction", "hidden"] {
            #expect(keys.stdout.contains("\n\(key) ") || keys.stdout.hasPrefix("\(key) "), "key \(key) not listed")
        }
    }
}

@Suite struct PresetsCommandTests {
    @Test func keysAreListedWithTheirWholeNames() throws {
        let out = try CommandRunner.run(["presets", "--keys"])
        #expect(out.status == 0)
        let names = out.stdout.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }
        #expect(names.contains("spectrum_tolerance") && names.contains("density_iterations"))
        #expect(!names.contains("spectrum_toleran"))
    }
}

@Suite struct MemoryRefusalTests {
    @Test func aRunThatWouldExhaustMemoryIsRefusedBeforeTraining() throws {
        let out = try CommandRunner.run(["run", "--headless", "--set", "p=1000", "--set", "hidden=65536"])
        #expect(out.status == 2 && out.stdout.isEmpty)
        #expect(out.stderr.hasPrefix("trainscope: error: this configuration needs about ") && out.stderr.split(separator: "\n").count == 1, "\(out.stderr)")
    }
}

@Suite struct ResumeVerificationTests {
    @Test func resumingWithAnotherSeedIsRefusedInOneLine() throws {
        let dir = TestPaths.scratchDirectory().path
        let first = try CommandRunner.run(["run", "--headless", "--set", "p=11", "--set", "hidden=16", "--steps", "10",
                                           "--checkpoint-every", "10", "--checkpoint-dir", dir])
        #expect(first.status == 0, "\(first.stderr)")
        let checkpoint = dir + "/step-0000010.safetensors"
        let edited = try CommandRunner.run(["run", "--headless", "--resume", checkpoint, "--set", "seed=5"])
        #expect(edited.status == 2 && edited.stdout.isEmpty)
        #expect(edited.stderr == "trainscope: error: \(checkpoint): this config makes another train split than the checkpoint trained on (seed, train_fraction or samples changed?)\n")
    }
}
