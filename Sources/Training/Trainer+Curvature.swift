import JSONCore
import TensorCore
import Autograd
import NN
import Curvature
import Telemetry

/// The training-loss Hessian of a trainer: its operator and the tracked spectrum estimates.
extension Trainer {
    /// The Hessian of the training loss (full training set) at the current parameters, as an operator.
    public func hessianOperator() -> SymmetricOperator { compiledHessian(at: state.parameters, data: task.train) }

    /// The examples the tracked spectrum is measured on: the training set, or with `spectrum_batch`
    /// a fixed random subset of it (drawn once from the seed, so successive estimates and their
    /// warm starts see the same loss).
    var spectrumData: Dataset {
        let size = state.config[.spectrumBatch], n = task.train.count
        guard size > 0 && size < n else { return task.train }
        if let cached = spectrumSubset, cached.count == size { return cached }
        var rng = SeededRNG(seed: UInt64(state.config[.seed]) &+ 0x5B5E_7)
        var order = Array(0..<n)
        order.shuffle(using: &rng)
        let subset = task.train.subset(Array(order[..<size]).sorted())
        spectrumSubset = subset
        return subset
    }

    /// Top-k (warm-started from the last estimate), trace and, on density steps, the spectral
    /// density of the training-loss Hessian, with the settings and cost.
    func estimateSpectrum(step: Int) -> SpectrumEvent {
        let config = state.config
        let started = clock()
        let data = spectrumData
        // At the weights the loss is computed at: the quantized ones under quantization-aware training.
        let hessian = compiledHessian(at: deployedParameters, data: data)
        let k = min(config[.spectrumTopK], hessian.dimension)
        let warm = trackedEigenvectors.count == k
        let top = topEigenpairs(hessian, k: k, tolerance: config[.spectrumTolerance],
                                warmStart: warm ? trackedEigenvectors : [], rng: &spectrumRNG)
        trackedEigenvectors = top.vectors
        let probes = config[.traceProbes]
        let trace = probes >= 2 ? hutchinsonTrace(hessian, probes: probes, rng: &spectrumRNG) : nil
        var density: DensityEstimate?
        let densityEvery = config[.densityEvery]
        if densityEvery > 0 && step % densityEvery == 0 {
            density = spectralDensity(hessian, probes: config[.densityProbes], iterations: config[.densityIterations],
                                      rng: &spectrumRNG)
        }
        var estimator = JSONObject([
            ("method", .string("lanczos")), ("top_k", .number(Double(k))), ("tolerance", .number(config[.spectrumTolerance])),
            ("warm_start", .bool(warm)), ("batch", .number(Double(data.count))),
            ("top_hvps", .number(Double(top.products))),
        ])
        if let trace { estimator["trace_method"] = .string("hutchinson"); estimator["trace_probes"] = .number(Double(trace.products)) }
        if let density {
            estimator["density_method"] = .string("slq")
            estimator["density_probes"] = .number(Double(density.probes))
            estimator["density_iterations"] = .number(Double(density.iterations))
        }
        return SpectrumEvent(
            run: runID, step: step, time: clock(), top: top.values, trace: trace?.value, traceStderr: trace?.standardError,
            density: density.map { SpectralDensity(grid: $0.grid, values: $0.density, width: $0.width, moments: $0.moments,
                                                   momentStderr: $0.momentStandardErrors) },
            ritz: density.map { RitzNodes(nodes: $0.nodes, weights: $0.weights) }, estimator: estimator,
            cost: SpectrumCost(hvps: hessian.products, seconds: max(0, clock() - started)))
    }
}

extension Trainer {
    /// Hutchinson estimates of the trace of each compressible tensor's diagonal Hessian block (by
    /// entry name), on the spectrum's examples, from a generator seeded by the run's seed (so the
    /// training trajectory and the tracked spectrum are untouched).
    public func tensorTraces(probes: Int) -> [String: TraceEstimate] {
        var rng = SeededRNG(seed: UInt64(state.config[.seed]) &+ 0x7EA_CE5)
        let full = compiledHessian(at: deployedParameters, data: spectrumData)
        var traces: [String: TraceEstimate] = [:]
        for entry in CompressionProbe.compressible(task.model.layout) {
            guard let block = task.hessianBlock(full, entry: entry.name) else { continue }
            traces[entry.name] = hutchinsonTrace(block, probes: probes, rng: &rng)
        }
        return traces
    }
}
