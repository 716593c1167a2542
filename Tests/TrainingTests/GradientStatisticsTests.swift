import Testing
import TensorCore
import NN
import Telemetry
@testable import Training

/// The gradient noise scale and the per-layer gradient norms against direct computations.
@Suite struct GradientStatisticsTests {
    @Test func twoBatchFormulasInvertTheExpectedNorms() {
        // E|G_B|² = |G|² + tr(Σ)/B: from exact expectations the estimates are exact.
        let g2 = 3.0, trace = 120.0
        let m = NoiseScaleEstimator.measurement(small: 8, smallSquaredNorm: g2 + trace / 8, big: 64, bigSquaredNorm: g2 + trace / 64)
        #expect(abs(m.squaredNorm - g2) < 1e-12 && abs(m.trace - trace) < 1e-10)
        // Drawn without replacement from N examples, E|G_B|² = |G|² + tr(Σ)·(1/B − 1/N): the whole set has no noise.
        let finite = NoiseScaleEstimator.measurement(small: 8, smallSquaredNorm: g2 + trace * (1.0 / 8 - 1.0 / 64), big: 64,
                                                     bigSquaredNorm: g2, population: 64)
        #expect(abs(finite.squaredNorm - g2) < 1e-12 && abs(finite.trace - trace) < 1e-10)
        var estimator = NoiseScaleEstimator(capacity: 3)
        #expect(estimator.estimate == nil)
        for (t, n) in [(10.0, 1.0), (30.0, 1.0), (20.0, 2.0), (40.0, 2.0)] { estimator.add(.init(trace: t, squaredNorm: n)) }
        // The oldest fell out: (30 + 20 + 40) / (1 + 2 + 2); jackknife over the three ratios left out.
        #expect(estimator.measurements.count == 3 && abs(estimator.estimate!.scale - 18) < 1e-12)
        let leaveOut = [60.0 / 4, 70.0 / 3, 50.0 / 3], mean = leaveOut.reduce(0, +) / 3
        let spread = (leaveOut.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) * 2 / 3).squareRoot()
        #expect(abs(estimator.estimate!.spread - spread) < 1e-12)
        // Unbiased estimates can come out negative; a negative sum of either gives no estimate, not a negative batch size.
        var unresolved = NoiseScaleEstimator(capacity: 3)
        for (t, n) in [(-5.0, 1.0), (2.0, 1.0)] { unresolved.add(.init(trace: t, squaredNorm: n)) }
        #expect(unresolved.estimate == nil)
        unresolved.add(.init(trace: 4.0, squaredNorm: 1.0))
        #expect(unresolved.estimate?.scale == 1.0 / 3)
        for (t, n) in [(1.0, -2.0), (1.0, -2.0), (1.0, 1.0)] { unresolved.add(.init(trace: t, squaredNorm: n)) }
        #expect(unresolved.estimate == nil)
    }

    /// With the weights held still (lr → 0), many two-batch measurements average to the noise
    /// scale computed directly from every per-example gradient: tr(Σ) = Σ|g_i − G|²/(n − 1), |G|².
    @Test func noiseScaleMatchesPerExampleGradients() throws {
        let config = try smallConfig("teacher-student", ["samples": "64", "lr": "1e-12", "noise_scale_every": "1", "steps": "400"])
        let trainer = Trainer(config: config, runID: "n", clock: fixedClock)
        let weights = trainer.state.parameters
        let full = trainer.batchGradient(trainer.task.train, at: weights).gradient.doubles
        let perExample = (0..<64).map { trainer.batchGradient(trainer.task.train.subset([$0]), at: weights).gradient.doubles }
        let mean = (0..<full.count).map { j in perExample.map { $0[j] }.reduce(0, +) / 64 }
        #expect(zip(mean, full).allSatisfy { abs($0 - $1) < 1e-5 * (1 + abs($1)) }, "the batch gradient is the mean of the example gradients")
        let trace = perExample.map { g in zip(g, mean).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) }.reduce(0, +) / 63
        let squaredNorm = mean.map { $0 * $0 }.reduce(0, +)
        var traces: [Double] = [], norms: [Double] = []
        for step in 1...400 {
            _ = trainer.gradientStatistics(trainer.batchGradient(trainer.task.train, at: weights), at: weights, step: step)
            traces.append(trainer.state.statistics.noiseScale.measurements.last!.trace)
            norms.append(trainer.state.statistics.noiseScale.measurements.last!.squaredNorm)
        }
        let traceEstimate = traces.reduce(0, +) / 400, normEstimate = norms.reduce(0, +) / 400
        #expect(abs(traceEstimate / trace - 1) < 0.1, "tr(Σ) \(traceEstimate) vs direct \(trace)")
        #expect(abs(normEstimate / squaredNorm - 1) < 0.1, "|G|² \(normEstimate) vs direct \(squaredNorm)")
    }

    @Test func runsReportGradientStatisticsAndStateBytes() throws {
        let trainer = Trainer(config: try smallConfig("grokking", ["p": "23", "noise_scale_every": "2", "steps": "20", "log_every": "1"]),
                              runID: "g", clock: fixedClock)
        let series = scalarSeries(train(trainer, steps: 20))
        let last = series.last!.1
        let layers = ["embed_a", "embed_b", "out"].map { last["grad/norm/\($0)"]! }
        #expect(abs(layers.map { $0 * $0 }.reduce(0, +).squareRoot() - last["grad/norm"]!) < 1e-6 * last["grad/norm"]!)
        #expect(last["grad/noise_scale"] != nil && last["grad/noise_scale_spread"] != nil)
        #expect(last["grad/slow_norm"] != nil && last["grad/fast_norm"] != nil)
        #expect(last["optimizer/state_bytes"] == Double(2 * 4 * trainer.task.model.layout.count))
        #expect(abs(last["grad/slow_norm"]! - trainer.state.statistics.slowGradient.average!.squaredNorm().squareRoot()) < 1e-9)
    }

    /// With grokfast on, the slow part is grokfast's own average (moved once per step), whichever
    /// way the gradient is filtered afterwards: the same split as with grokfast off.
    @Test func theSlowPartIsGrokfastsAverageWhenItIsOn() throws {
        let overrides = ["p": "23", "noise_scale_every": "0", "steps": "6", "log_every": "1", "grokfast_alpha": "0.9"]
        let amplified = Trainer(config: try smallConfig("grokking", overrides.merging(["grokfast_lambda": "2"]) { $1 }), runID: "a", clock: fixedClock)
        let first = scalarSeries(amplified.step()).last!.1
        let plain = Trainer(config: try smallConfig("grokking", overrides), runID: "p", clock: fixedClock)
        let reference = scalarSeries(plain.step()).last!.1
        // Step 1 starts from the same weights, so both splits see the same gradient.
        #expect(first["grad/slow_norm"] == reference["grad/slow_norm"] && first["grad/fast_norm"] == reference["grad/fast_norm"])
        let next = scalarSeries(amplified.step()).last!.1
        #expect(abs(next["grad/slow_norm"]! - amplified.state.grokfast.average!.squaredNorm().squareRoot()) < 1e-9)
    }
}
