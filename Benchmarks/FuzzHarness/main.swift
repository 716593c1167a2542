// A deterministic mutational fuzzer for every parser trainscope runs on input it did not write:
// NDJSON events, TensorBoard event files, CSV, trainer_state.json, safetensors headers, rules
// files, check rules, themes and config files.
//
//   swift run -c release trainscope-fuzz TARGET SECONDS [SEED]   (Benchmarks/fuzz.sh runs them all)
//   swift run -c release trainscope-fuzz TARGET --replay FILE      (time one saved input)
//
// Each input is a seed from the repository mutated 1–4 times (bit flips, interesting bytes and
// numbers, deletions, duplications, splices, deep nesting). A crash is caught by a signal
// handler that writes the input to Benchmarks/fuzz-findings/ before dying; an input whose parse
// takes more than 2000× the CPU time of reading its bytes (a quadratic step, a stall) is saved
// too. Times are the thread's CPU time, so other processes on the machine do not count.

import Foundation
import Glibc
import Ingest
import JSONCore
import Rules
import Telemetry
import TerminalUI
import Training

// MARK: - The input in flight, for the crash handler

nonisolated(unsafe) let current = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 20)
nonisolated(unsafe) var currentCount = 0
nonisolated(unsafe) let crashPath = UnsafeMutablePointer<CChar>.allocate(capacity: 512)

func installCrashHandler(_ path: String) {
    _ = path.withCString { strncpy(crashPath, $0, 511) }
    for sig in [SIGSEGV, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE] {
        signal(sig) { received in
            let fd = open(crashPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            if fd >= 0 { _ = write(fd, current, currentCount); close(fd) }
            signal(received, SIG_DFL)
            raise(received)
        }
    }
}

// MARK: - Targets

struct Target {
    let seeds: [[UInt8]]
    let run: ([UInt8]) -> Void
}

func file(_ path: String) -> [UInt8] { FileManager.default.contents(atPath: path).map(Array.init) ?? [] }

func targets() -> [String: Target] {
    let eos = String(decoding: file("Samples/runs/eos.jsonl"), as: UTF8.self).split(separator: "\n").prefix(120)
    let ndjsonSeeds = stride(from: 0, to: eos.count, by: 10).map { Array(eos[$0..<min($0 + 10, eos.count)].joined(separator: "\n").utf8) + [0x0A] }
    let tfevents = ["logs/run_a", "logs/run_b", "corrupt/clean"].flatMap { dir -> [[UInt8]] in
        let root = "Tests/IngestTests/Fixtures/tensorboard/" + dir
        return ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { $0.contains("tfevents") }.map { file(root + "/" + $0) }
    }
    var small = Preset.named("grokking")!.config
    for setting in ["p=7", "hidden=4", "steps=3"] { try! small.apply(ConfigSetting(assignment: setting)) }
    let trainer = Trainer(config: small, runID: "f", clock: { 0 })
    _ = trainer.step()
    let checkpoint = Checkpoint.file(for: trainer).encoded()
    let themes = ((try? FileManager.default.contentsOfDirectory(atPath: "Themes")) ?? []).sorted().map { file("Themes/" + $0) }
    let writers = "Tests/IngestTests/Fixtures/writers/"
    let hparams = ["lightning_logs/version_0/hparams.yaml", "lightning_logs/version_1/hparams.yaml"].map { file(writers + $0) }
    let mlflowRun = writers + "mlruns/979289310284315923/63ebdbf2424d438b89a90f73ef8f2600/metrics/"
    let mlflow = ["train/loss", "final/epochs", "final/params_m"].map { file(mlflowRun + $0) }
    return [
        "ndjson": Target(seeds: ndjsonSeeds) { bytes in
            var decoder = NDJSONDecoder()
            decoder.feed(bytes) { _ in }
            decoder.finish { _ in }
            var stream = NDJSONStream(source: "f", fallbackRun: "f")
            bytes.withUnsafeBytes { stream.feed($0) { _ in } }
            stream.finish { _ in }
        },
        "tfevents": Target(seeds: tfevents) { bytes in
            var reader = TensorBoardFileReader(source: "f", run: "f")
            bytes.withUnsafeBytes { reader.feed($0) { _ in } }
            reader.finish { _ in }
        },
        "csv": Target(seeds: [Array("epoch,step,train_loss,val_acc\n0,1,0.5,\n0,2,0.25,0.75\n\"a,b\",3,\"1\"\"\",x\n".utf8),
                              Array("step\tloss\r\n1\t2\r\n".utf8), Array("loss\n1\n2\n3\n".utf8)]) { bytes in
            var reader = CSVMetricsReader(source: "f", run: "f")
            reader.feed(bytes) { _ in }
            reader.finish { _ in }
        },
        "trainer_state": Target(seeds: [Array(#"{"best_metric":0.9,"global_step":20,"log_history":[{"epoch":1,"loss":0.5,"step":10},{"eval_loss":0.4,"eval_accuracy":0.8,"step":20}],"max_steps":20}"#.utf8)]) { bytes in
            _ = try? TrainerStateReader.read(bytes, source: "f", run: "f")
        },
        "safetensors": Target(seeds: [checkpoint]) { bytes in
            if let parsed = try? SafeTensorsFile(bytes: bytes, source: "f") { _ = try? Checkpoint.state(from: parsed, source: "f") }
        },
        "rules": Target(seeds: [Array("rescue: when train/loss is nan then rollback, scale lr by 0.5\neos: when sharpness > 2 / lr then set lr = 0.1, pause  # c\ndone: when phase generalization then snapshot\n".utf8)]) { bytes in
            _ = try? RuleFile.parse(String(decoding: bytes, as: UTF8.self), source: "f")
        },
        "check": Target(seeds: ["max(train/loss) < 10", "sharpness <= 2.2/lr after 500", "mean(test/acc) >= 0.9 between 2000 and 3000",
                                "phase generalization before 3000", "no phase diverged", "phase generalization delay < 2000",
                                "test/loss <= 1.5 * min(test/loss) after 2000"].map { Array($0.utf8) }) { bytes in
            _ = try? CheckRule.parse(String(decoding: bytes, as: UTF8.self))
        },
        "hparams": Target(seeds: hparams) { bytes in
            _ = HParamsFile.read(String(decoding: bytes, as: UTF8.self), source: "f")
        },
        "mlflow": Target(seeds: mlflow) { bytes in
            var reader = MLflowMetricReader(source: "f", run: "f", key: "train/loss")
            bytes.withUnsafeBytes { reader.feed($0) { _ in } }
            reader.finish { _ in }
        },
        "theme": Target(seeds: themes) { bytes in
            _ = try? Theme.parse(String(decoding: bytes, as: UTF8.self), name: "f", source: "f")
        },
        "config": Target(seeds: [Array(#"{"lr": 0.01, "hidden": 8, "optimizer": "adam", "train_fraction": 0.5, "seed": 3}"#.utf8)]) { bytes in
            var config = Preset.all[0].config
            if case .object(let object)? = try? JSONParser.parse(bytes: bytes) {
                if (try? config.apply(json: object, source: "f")) != nil { _ = try? config.validate() }
            }
        },
    ]
}

// MARK: - Mutations

struct RNG {
    var state: UInt64
    mutating func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
}

let interestingBytes: [UInt8] = [0x00, 0x0A, 0x0D, 0x22, 0x2C, 0x3A, 0x5B, 0x5D, 0x7B, 0x7D, 0x5C, 0x7F, 0x80, 0xFF, 0x1B, 0x28, 0x29, 0x2D, 0x2E]
let interestingTexts = ["1e308", "-1", "99999999999999999999", "NaN", "-Infinity", "4611686018427387904", "0", "-0", "\"\"",
                        "null", "true", "{}", "[]", "\u{1b}]52;c;x\u{07}", "\\u0000", "\\ud800", "9223372036854775807"].map { Array($0.utf8) }

func mutate(_ input: [UInt8], _ rng: inout RNG, corpus: [[UInt8]], limit: Int) -> [UInt8] {
    var bytes = input
    for _ in 0...rng.below(4) {
        let at = rng.below(bytes.count + 1)
        switch rng.below(9) {
        case 0 where !bytes.isEmpty: bytes[min(at, bytes.count - 1)] ^= UInt8(1 << rng.below(8))
        case 1 where !bytes.isEmpty: bytes[min(at, bytes.count - 1)] = interestingBytes[rng.below(interestingBytes.count)]
        case 2: bytes.insert(contentsOf: interestingTexts[rng.below(interestingTexts.count)], at: at)
        case 3 where !bytes.isEmpty:
            let end = min(bytes.count, at + 1 + rng.below(64))
            bytes.removeSubrange(min(at, bytes.count - 1)..<end)
        case 4 where !bytes.isEmpty:
            let start = min(at, bytes.count - 1), end = min(bytes.count, start + 1 + rng.below(256))
            let chunk = Array(bytes[start..<end])
            for _ in 0..<(1 + rng.below(64)) { bytes.insert(contentsOf: chunk, at: start) }
        case 5:
            let other = corpus[rng.below(corpus.count)]
            let start = rng.below(other.count + 1), end = min(other.count, start + rng.below(512))
            bytes.insert(contentsOf: other[start..<end], at: at)
        case 6:
            let open = [UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: "(")][rng.below(3)]
            bytes.insert(contentsOf: [UInt8](repeating: open, count: 1 + rng.below(200_000)), at: at)
        case 7 where bytes.count > 1: bytes = Array(bytes[..<max(1, at)])
        default:
            // A number in the input replaced by an extreme one.
            if let digit = bytes.indices.dropFirst(at).first(where: { (0x30...0x39).contains(bytes[$0]) }) {
                var end = digit
                while end < bytes.count && (0x30...0x39).contains(bytes[end]) { end += 1 }
                bytes.replaceSubrange(digit..<end, with: interestingTexts[rng.below(9)])
            }
        }
    }
    return bytes.count > limit ? Array(bytes[..<limit]) : bytes
}

// MARK: - Main

/// The thread's CPU time in nanoseconds (what parsing costs, whatever else the machine runs).
func now() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

/// Wall time in nanoseconds, for the run's duration.
func wallClock() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

let arguments = CommandLine.arguments
if arguments.count == 4, arguments[2] == "--replay", let target = targets()[arguments[1]] {
    let input = file(arguments[3])
    let readStart = now()
    var sum: UInt64 = 0
    for byte in input { sum = sum &* 31 &+ UInt64(byte) }
    let readNs = max(now() - readStart, 1_000)
    let parseStart = now()
    target.run(input)
    let parseNs = now() - parseStart
    print(String(format: "%@: %d bytes parsed in %.2f ms of CPU (%.0f× reading them) [%llu]", arguments[3], input.count,
                 Double(parseNs) / 1e6, Double(parseNs) / Double(readNs), sum % 10))
    exit(0)
}
guard arguments.count >= 3, let seconds = Double(arguments[2]), let target = targets()[arguments[1]] else {
    FileHandle.standardError.write(Data("usage: trainscope-fuzz \(targets().keys.sorted().joined(separator: "|")) SECONDS [SEED]\n".utf8))
    exit(2)
}
let name = arguments[1]
var rng = RNG(state: arguments.count > 3 ? UInt64(arguments[3]) ?? 1 : 0x9E37_79B9_7F4A_7C15)
try? FileManager.default.createDirectory(atPath: "Benchmarks/fuzz-findings", withIntermediateDirectories: true)
installCrashHandler("Benchmarks/fuzz-findings/\(name)-crash.bin")
let limit = 1 << 20
var corpus = target.seeds.filter { !$0.isEmpty }
guard !corpus.isEmpty else { FileHandle.standardError.write(Data("no seeds for \(name) (run from the repository root)\n".utf8)); exit(2) }


let start = wallClock()
var executions = 0, slowSaved = 0
var worst: (ratio: Double, bytes: Int, parseNs: UInt64) = (0, 0, 0)
var checksum: UInt64 = 0
while Double(wallClock() - start) / 1e9 < seconds {
    let input = mutate(corpus[rng.below(corpus.count)], &rng, corpus: corpus, limit: limit)
    input.withUnsafeBufferPointer { if let base = $0.baseAddress { current.update(from: base, count: $0.count) } }
    currentCount = input.count
    // The peer: reading the same bytes once (a checksum), so the budget scales with the input.
    let readStart = now()
    for byte in input { checksum = checksum &* 31 &+ UInt64(byte) }
    let readNs = max(now() - readStart, 1_000)
    let parseStart = now()
    target.run(input)
    let parseNs = now() - parseStart
    executions += 1
    let ratio = Double(parseNs) / Double(readNs)
    if ratio > worst.ratio { worst = (ratio, input.count, parseNs) }
    if ratio > 2000 && parseNs > 100_000_000 && slowSaved < 5 {
        slowSaved += 1
        FileManager.default.createFile(atPath: "Benchmarks/fuzz-findings/\(name)-slow-\(slowSaved).bin", contents: Data(input))
    }
    // Inputs that parse become seeds too, so mutations compound (bounded corpus).
    if corpus.count < 256 && rng.below(50) == 0 && input.count < 1 << 16 { corpus.append(input) }
}
let elapsed = Double(wallClock() - start) / 1e9
print(String(format: "%@: %d inputs in %.0f s (%.0f/s), 0 crashes, %d slow; worst parse %.1f ms for %d bytes (%.0f× reading them) [checksum %llu]",
             name, executions, elapsed, Double(executions) / elapsed, slowSaved, Double(worst.parseNs) / 1e6, worst.bytes, worst.ratio, checksum % 10))
