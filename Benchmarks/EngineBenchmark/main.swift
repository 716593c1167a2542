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
func trainingRate(threads: Int) throws -> Double {
    BLAS.setThreads(threads)
    var config = Preset.named("grokking")!.config
    try config.set("eval_every", .int(1_000_000))
    try config.set("log_every", .int(1_000_000))
    try config.set("histogram_every", .int(0))
    try config.set("steps", .int(steps + 20))
    let trainer = Trainer(config: config, runID: "bench", clock: { 0 })
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

/// Seconds per gradient and per Hessian-vector product of the grokking preset's training loss at
/// its initial parameters (Float32, full batch), and the wall time of top-5 + trace + density.
func curvatureCosts(repeats: Int) throws -> [(String, String)] {
    BLAS.setThreads(1)
    let trainer = Trainer(config: Preset.named("grokking")!.config, runID: "bench", clock: { 0 })
    let task = trainer.task, w = trainer.state.parameters
    var rng = SeededRNG(seed: 3)
    let v = rng.normalTensor(w.shape, std: 1, dtype: .float32)
    func gradient() -> Tensor {
        let p = ParameterVariables(layout: task.model.layout, flat: w, requiresGrad: true)
        return p.flatGradient(of: task.train.loss(of: task.model.forward(task.train.input, p)))
    }
    let hessian = task.hessian(at: w)
    for _ in 0..<3 { _ = gradient(); _ = hessian(v) }
    var start = now()
    for _ in 0..<repeats { _ = gradient() }
    let gradientSeconds = (now() - start) / Double(repeats)
    start = now()
    for _ in 0..<repeats { _ = hessian(v) }
    let hvpSeconds = (now() - start) / Double(repeats)
    let before = hessian.products
    start = now()
    let top = topEigenpairs(hessian, k: 5, tolerance: 1e-3, rng: &rng)
    let topSeconds = now() - start
    start = now()
    _ = hutchinsonTrace(hessian, probes: 10, rng: &rng)
    let traceSeconds = now() - start
    start = now()
    _ = spectralDensity(hessian, probes: 10, iterations: 80, rng: &rng)
    let densitySeconds = now() - start
    return [
        ("engine_gradient_ms", String(format: "%.2f", gradientSeconds * 1000)),
        ("engine_hvp_ms", String(format: "%.2f", hvpSeconds * 1000)),
        ("engine_hvp_over_gradient", String(format: "%.2f", hvpSeconds / gradientSeconds)),
        ("engine_top5_s", String(format: "%.2f", topSeconds)),
        ("engine_top5_hvps", String(top.products)),
        ("engine_trace10_s", String(format: "%.2f", traceSeconds)),
        ("engine_density_10x80_s", String(format: "%.2f", densitySeconds)),
        ("engine_spectrum_total_hvps", String(hessian.products - before)),
    ]
}

if arguments.contains("--curvature") {
    let repeats = arguments.firstIndex(of: "--repeats").flatMap { Int(arguments[$0 + 1]) } ?? 30
    for (key, value) in try curvatureCosts(repeats: repeats) { print("\(key) \(value)") }
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
print("model p=\(p) hidden=\(h) train_examples=\(n) parameters=\(3 * p * h)")
print("engine_steps_per_s_1thread \(String(format: "%.1f", rate1))")
print("engine_steps_per_s_2threads \(String(format: "%.1f", rate2))")
print("engine_gflops_1thread \(String(format: "%.2f", rate1 * flopsPerStep / 1e9))")
print("sgemm_gflops_1thread \(String(format: "%.2f", gemmRate(threads: 1, n: n, h: h, p: p)))")
print("sgemm_gflops_2threads \(String(format: "%.2f", gemmRate(threads: 2, n: n, h: h, p: p)))")
