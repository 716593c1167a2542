// trainscope-bench: engine throughput on the grokking MLP, for Benchmarks/engine_vs_jax.sh.
// Prints `key value` lines. Build: swift build -c release --product trainscope-bench
import Foundation
import Autograd
import Curvature
import NN
import TensorCore
import Training

AllocatorTuning.keepLargeBuffersInHeap()
let arguments = CommandLine.arguments
let steps = arguments.firstIndex(of: "--steps").flatMap { Int(arguments[$0 + 1]) } ?? 300

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Training steps per second of the grokking preset, evaluation and logging turned off.
func trainingRate(threads: Int, compiled: Bool = true) throws -> Double {
    BLAS.setThreads(compiled ? 1 : threads)
    var config = Preset.named("grokking")!.config
    try config.set("eval_every", .int(1_000_000))
    try config.set("log_every", .int(1_000_000))
    try config.set("histogram_every", .int(0))
    try config.set("steps", .int(steps + 20))
    let trainer = Trainer(config: config, runID: "bench", clock: { 0 })
    trainer.usesCompiledGraphs = compiled
    trainer.compiledGraphThreads = threads
    for _ in 0..<20 { _ = trainer.step() }  // warm-up (first evaluation, allocator growth)
    let start = now()
    for _ in 0..<steps { _ = trainer.step() }
    return Double(steps) / (now() - start)
}

/// GFLOP/s of OpenBLAS sgemm on the model's three products for one step.
func gemmRate(threads: Int, n: Int, h: Int, p: Int) -> Double {
    BLAS.setThreads(threads)
    var rng = SeededRNG(seed: 1)
    let z = rng.normalTensor([n, h], std: 1, dtype: .float32)
    let w = rng.normalTensor([p, h], std: 1, dtype: .float32)
    let g = rng.normalTensor([n, p], std: 1, dtype: .float32)
    func round() {
        _ = BLAS.matmul(z, w, transposeB: true)   // logits = z·Wᵀ      [n, p]
        _ = BLAS.matmul(g, w)                    // ∂z = g·W           [n, h]
        _ = BLAS.matmul(g, z, transposeA: true)  // ∂W = gᵀ·z          [p, h]
    }
    for _ in 0..<5 { round() }
    let rounds = 100
    let start = now()
    for _ in 0..<rounds { round() }
    return 3 * 2 * Double(n * h * p) * Double(rounds) / (now() - start) / 1e9
}

/// The grokking task's loss and gradient as a compiled graph `[[loss], gradients]`, and its inputs (a, b, labels).
func gradientGraph(_ task: TaskInstance) throws -> (CompiledGraph, [[Int32]]) {
    guard case .tokenPairs(let a, let b) = task.train.input, case .classes(let labels, _) = task.train.target else {
        fatalError("grokking reads token pairs")
    }
    let graph = try CompiledGraph.trace(parameterShapes: task.model.layout.entries.map(\.shape), dtype: .float32,
                                        indices: [a, b, labels], tensors: []) { leaves, ids, _ in
        let p = ParameterVariables(layout: task.model.layout, leaves: leaves)
        let loss = crossEntropy(logits: task.model.forward(.tokenPairs(a: ids[0], b: ids[1]), p), labels: ids[2])
        return [[loss], gradients(of: loss, withRespectTo: leaves, createGraph: true)]
    }
    return (graph, [a, b, labels])
}

/// Seconds per gradient and per Hessian-vector product of the grokking preset's training loss at
/// its initial parameters (Float32, full batch), and the wall time of top-5 + trace + density;
/// compiled plans on `threads` threads (OpenBLAS on one: the plans cut GEMMs themselves), eager on one.
func curvatureCosts(repeats: Int, threads: Int) throws -> [(String, String)] {
    BLAS.setThreads(1)
    let trainer = Trainer(config: Preset.named("grokking")!.config, runID: "bench", clock: { 0 })
    trainer.compiledGraphThreads = threads
    let task = trainer.task, w = trainer.state.parameters
    var rng = SeededRNG(seed: 3)
    let v = rng.normalTensor(w.shape, std: 1, dtype: .float32)
    func gradient() -> Tensor {
        let p = ParameterVariables(layout: task.model.layout, flat: w, requiresGrad: true)
        return p.flatGradient(of: task.train.loss(of: task.model.forward(task.train.input, p)))
    }
    let (compiled, inputs) = try gradientGraph(task)
    compiled.threads = threads
    func compiledGradient() -> Tensor { compiled.run(parameters: w, indices: inputs, tensors: [])[1] }
    precondition(compiledGradient() == gradient(), "the compiled gradient differs from the eager one")
    if arguments.contains("--plan") { print(compiled) }
    let hessian = task.hessian(at: w), compiledHessian = trainer.hessianOperator()
    for _ in 0..<3 { _ = gradient(); _ = hessian(v); _ = compiledGradient(); _ = compiledHessian(v) }
    precondition(compiledHessian(v) == hessian(v), "the compiled Hessian-vector product differs from the eager one")
    if arguments.contains("--plan") { print(trainer.compiledGraphDescriptions.joined(separator: "\n")) }
    var start = now()
    for _ in 0..<repeats { _ = gradient() }
    let gradientSeconds = (now() - start) / Double(repeats)
    start = now()
    for _ in 0..<repeats { _ = compiledGradient() }
    let compiledGradientSeconds = (now() - start) / Double(repeats)
    start = now()
    for _ in 0..<repeats { _ = hessian(v) }
    let hvpSeconds = (now() - start) / Double(repeats)
    start = now()
    for _ in 0..<repeats { _ = compiledHessian(v) }
    let compiledHVPSeconds = (now() - start) / Double(repeats)
    let before = compiledHessian.products
    start = now()
    let top = topEigenpairs(compiledHessian, k: 5, tolerance: 1e-3, rng: &rng)
    let topSeconds = now() - start
    start = now()
    _ = hutchinsonTrace(compiledHessian, probes: 10, rng: &rng)
    let traceSeconds = now() - start
    start = now()
    _ = spectralDensity(compiledHessian, probes: 10, iterations: 80, rng: &rng)
    let densitySeconds = now() - start
    return [
        ("engine_gradient_ms", String(format: "%.2f", gradientSeconds * 1000)),
        ("engine_compiled_gradient_ms", String(format: "%.2f", compiledGradientSeconds * 1000)),
        ("engine_hvp_ms", String(format: "%.2f", hvpSeconds * 1000)),
        ("engine_compiled_hvp_ms", String(format: "%.2f", compiledHVPSeconds * 1000)),
        ("engine_hvp_over_gradient", String(format: "%.2f", hvpSeconds / gradientSeconds)),
        ("engine_top5_s", String(format: "%.2f", topSeconds)),
        ("engine_top5_hvps", String(top.products)),
        ("engine_trace10_s", String(format: "%.2f", traceSeconds)),
        ("engine_density_10x80_s", String(format: "%.2f", densitySeconds)),
        ("engine_spectrum_total_hvps", String(compiledHessian.products - before)),
    ]
}

if arguments.contains("--curvature") {
    let repeats = arguments.firstIndex(of: "--repeats").flatMap { Int(arguments[$0 + 1]) } ?? 30
    let threads = arguments.firstIndex(of: "--threads").flatMap { Int(arguments[$0 + 1]) } ?? 1
    for (key, value) in try curvatureCosts(repeats: repeats, threads: threads) { print("\(key) \(value)") }
    exit(0)
}

/// Bare training steps per second of a preset's model on its full training set: the loss and
/// gradient, then the preset's update, nothing measured or logged (what the peers' steps do).
/// Compiled plans cut GEMMs among their own threads (same bits) unless `blasThreads` says OpenBLAS's.
func bareRate(preset: String, threads: Int, compiled: Bool, blasThreads: Bool = false) throws -> Double {
    BLAS.setThreads(compiled && !blasThreads ? 1 : threads)
    let config = Preset.named(preset)!.config
    let trainer = Trainer(config: config, runID: "bench", clock: { 0 })
    trainer.usesCompiledGraphs = compiled
    trainer.compiledGraphThreads = threads
    var weights = trainer.state.parameters, state = OptimizerState()
    let settings = OptimizerSettings(kind: config[.optimizer], learningRate: config[.lr], weightDecay: config[.weightDecay],
                                     momentum: config[.momentum], beta1: config[.beta1], beta2: config[.beta2], epsilon: config[.eps])
    func step() {
        let gradient = trainer.lossAndGradient(at: weights).gradient
        optimizerStep(parameters: &weights, gradient: gradient, state: &state, settings: settings)
    }
    for _ in 0..<20 { step() }
    if compiled && arguments.contains("--plan") { print(trainer.compiledGraphDescriptions.joined(separator: "\n")) }
    let start = now()
    for _ in 0..<steps { step() }
    return Double(steps) / (now() - start)
}

if let index = arguments.firstIndex(of: "--model") {  // one row of the peers table
    let preset = arguments[index + 1]
    let threads = arguments.firstIndex(of: "--threads").flatMap { Int(arguments[$0 + 1]) } ?? 1
    print("engine_steps_per_s \(String(format: "%.1f", try bareRate(preset: preset, threads: threads, compiled: true)))")
    if threads > 1 {  // the same plans with OpenBLAS threading each GEMM instead (bits differ)
        print("engine_blas_threads_steps_per_s \(String(format: "%.1f", try bareRate(preset: preset, threads: threads, compiled: true, blasThreads: true)))")
    }
    if !arguments.contains("--compiled-only") {
        print("engine_eager_steps_per_s \(String(format: "%.1f", try bareRate(preset: preset, threads: threads, compiled: false)))")
    }
    exit(0)
}

/// Heap allocations per compiled run of the grokking gradient (results written in place) and per
/// eager gradient, counted by Benchmarks/allocation_counter.c when it is preloaded.
func allocationCounts(runs: Int) throws -> [(String, String)] {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "trainscope_allocation_count") else {  // RTLD_DEFAULT
        return [("allocations", "not counted (preload Benchmarks/allocation_counter.so)")]
    }
    typealias Count = @convention(c) () -> UInt
    let count = unsafeBitCast(symbol, to: Count.self)
    BLAS.setThreads(1)
    let trainer = Trainer(config: Preset.named("grokking")!.config, runID: "bench", clock: { 0 })
    let task = trainer.task, w = trainer.state.parameters
    let (graph, inputs) = try gradientGraph(task)
    var results: [Tensor] = []
    graph.run(parameters: w, indices: inputs, tensors: [], into: &results)  // the first run makes the results
    func perRun(threads: Int) -> Double {
        graph.threads = threads
        let before = count()
        for _ in 0..<runs { graph.run(parameters: w, indices: inputs, tensors: [], into: &results) }
        return Double(count() - before) / Double(runs)
    }
    let compiled = perRun(threads: 1), compiledTwoThreads = perRun(threads: 2)
    var before = count()
    for _ in 0..<runs { _ = trainer.lossAndGradient() }
    let trainerPass = Double(count() - before) / Double(runs)
    trainer.usesCompiledGraphs = false
    before = count()
    for _ in 0..<runs { _ = trainer.lossAndGradient() }
    let eager = Double(count() - before) / Double(runs)
    return [("allocations_per_compiled_run_in_place", String(format: "%.1f", compiled)),
            ("allocations_per_compiled_run_in_place_2threads", String(format: "%.1f", compiledTwoThreads)),
            ("allocations_per_trainer_gradient_compiled", String(format: "%.1f", trainerPass)),
            ("allocations_per_trainer_gradient_eager", String(format: "%.1f", eager)),
            ("compiled_arena_mib", String(format: "%.1f", Double(graph.statistics.arenaElements * 4) / 1_048_576))]
}

if arguments.contains("--allocations") {
    for (key, value) in try allocationCounts(runs: 50) { print("\(key) \(value)") }
    exit(0)
}

/// Trainer steps/s of the grokking preset as shipped but for `settings` (views, evaluation and all).
func presetRate(_ settings: [(String, Int)]) throws -> Double {
    BLAS.setThreads(1)
    var config = Preset.named("grokking")!.config
    for (key, value) in settings { try config.set(key, .int(value)) }
    try config.set("steps", .int(steps + 20))
    let trainer = Trainer(config: config, runID: "bench", clock: { 0 })
    for _ in 0..<20 { _ = trainer.step() }
    let start = now()
    for _ in 0..<steps { _ = trainer.step() }
    return Double(steps) / (now() - start)
}

if arguments.contains("--spectrum-rates") {  // trainer steps/s of the grokking preset as shipped, and tracking every 10 steps
    for every in [0, 100, 10] {
        print("engine_trainer_steps_per_s_spectrum_every_\(every) \(String(format: "%.1f", try presetRate([("spectrum_every", every)])))")
    }
    exit(0)
}

if arguments.contains("--view-costs") {  // trainer steps/s of the grokking preset with one measurement turned off at a time
    let variants: [(String, [(String, Int)])] = [
        ("as shipped", []), ("spectrum off", [("spectrum_every", 0)]), ("noise scale off", [("noise_scale_every", 0)]),
        ("fourier off", [("fourier_every", 0)]), ("probes off", [("probe_every", 0)]), ("histograms off", [("histogram_every", 0)]),
        ("evaluation every 1000", [("eval_every", 1000)]), ("logging every 1000", [("log_every", 1000)]),
    ]
    for round in 1...2 {
        for (name, settings) in variants {
            print("round \(round) \(name): \(String(format: "%.1f", try presetRate(settings))) steps/s")
        }
    }
    exit(0)
}

if arguments.contains("--training-only") {  // one configuration, for profiling
    let threads = arguments.firstIndex(of: "--threads").flatMap { Int(arguments[$0 + 1]) } ?? 1
    let rate = try trainingRate(threads: threads, compiled: !arguments.contains("--eager"))
    print("engine_steps_per_s \(String(format: "%.1f", rate))")
    exit(0)
}

let config = Preset.named("grokking")!.config
let p = config[.p], h = config[.hidden]
let n = Int(config[.trainFraction] * Double(p * p))
// Model FLOPs per step: three GEMMs of 2·n·h·p each dominate (embedding gathers, the square,
// softmax and AdamW add O(n·(h + p) + parameters)).
let flopsPerStep = 6.0 * Double(n * h * p)
let rate1 = try trainingRate(threads: 1)
let rate2 = try trainingRate(threads: 2)
let eagerRate1 = try trainingRate(threads: 1, compiled: false)
print("model p=\(p) hidden=\(h) train_examples=\(n) parameters=\(3 * p * h)")
print("engine_steps_per_s_1thread \(String(format: "%.1f", rate1))")
print("engine_steps_per_s_2threads \(String(format: "%.1f", rate2))")
print("engine_eager_steps_per_s_1thread \(String(format: "%.1f", eagerRate1))")
print("engine_gflops_1thread \(String(format: "%.2f", rate1 * flopsPerStep / 1e9))")
print("sgemm_gflops_1thread \(String(format: "%.2f", gemmRate(threads: 1, n: n, h: h, p: p)))")
print("sgemm_gflops_2threads \(String(format: "%.2f", gemmRate(threads: 2, n: n, h: h, p: p)))")
