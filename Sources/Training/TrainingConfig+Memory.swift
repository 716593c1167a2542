import Glibc

extension TrainingConfig {
    /// The memory training this configuration needs at its peak, in bytes: an estimate from the
    /// table's values alone (nothing is allocated), within a small factor of the measured peak.
    ///
    /// It counts the parameters with their gradient, optimizer moments, grokfast average and the
    /// checkpoints kept for undo and forks; the activations of the largest pass (a minibatch, or a
    /// whole split when evaluating), their gradients and the logits; the data; and the Lanczos
    /// vectors of the Hessian estimates.
    public var estimatedPeakBytes: Double {
        let h = Double(self[.hidden])
        // `floatsPerExample`: the values a pass keeps per example (forward values, their gradients and
        // temporaries), fitted to peak RSS measured with /usr/bin/time on runs of each kind.
        let parameters: Double, trainExamples: Double, testExamples: Double, floatsPerExample: Double, inputsPerExample: Double
        switch self[.task] {
        case .modular:
            let p = Double(self[.p])
            let pairs = p * p
            trainExamples = (pairs * self[.trainFraction]).rounded(.down)
            testExamples = pairs - trainExamples
            inputsPerExample = 2
            if self[.model] == .transformer {
                parameters = (p + 1) * h + 3 * h + 4 * h * h + 8 * h * h + h * p + 10 * h
                // Three positions: residual stream, attention, the 4h MLP, norms; then the logits.
                floatsPerExample = 2 * (3 * (12 * h + Double(self[.heads]) * 3) + 3 * p)
            } else {
                parameters = 2 * p * h + h * p + p
                floatsPerExample = 8 * h + 3 * p
            }
        case .teacherStudent:
            let d = Double(self[.inputDim]), n = Double(self[.samples])
            parameters = d * h + h * h + 3 * h + 1
            trainExamples = n; testExamples = n
            inputsPerExample = d + 1
            floatsPerExample = 4 * (d + 4 * h + 3)
        case .spirals:
            let n = Double(self[.samples])
            parameters = 2 * h + h * h + 2 * h + 2 * h + 2
            trainExamples = n; testExamples = n
            inputsPerExample = 3
            floatsPerExample = 4 * (4 * h + 6)
        }
        let batchSize = Double(self[.batchSize])
        let batch = batchSize == 0 ? trainExamples : Swift.min(batchSize, trainExamples)
        let largestPass = Swift.max(batch, trainExamples, testExamples)
        let float = 4.0
        // Weights, gradient, 2 moments, grokfast, last good state, undo checkpoints and fork copies.
        let parameterBytes = parameters * float * 16
        let activationBytes = largestPass * floatsPerExample * float
        let dataBytes = (trainExamples + testExamples) * inputsPerExample * 8
        // Lanczos keeps its basis: about 4k + 20 vectors for the top k, a density's iterations when densities are on.
        let topVectors = 4 * self[.spectrumTopK] + 20
        let lanczosVectors = self[.spectrumEvery] == 0 ? 0
            : Double(self[.densityEvery] > 0 ? Swift.max(self[.densityIterations], topVectors) : topVectors)
        let curvatureBytes = parameters * 8 * lanczosVectors
        let runtimeBytes = 32.0 * 1_048_576
        return runtimeBytes + parameterBytes + activationBytes + dataBytes + curvatureBytes
    }

    /// Refuses a configuration that would need more memory than the machine has (`physicalMemory`
    /// bytes), with one line naming the keys that size it; a run that would die allocating never starts.
    public func checkFits(physicalMemory: Double) throws(ConfigError) {
        let needed = estimatedPeakBytes
        guard needed > physicalMemory else { return }
        let sizing: String
        switch self[.task] {
        case .modular: sizing = "p=\(self[.p]), hidden=\(self[.hidden]), train_fraction=\(self[.trainFraction]), batch_size=\(self[.batchSize])"
        case .teacherStudent: sizing = "input_dim=\(self[.inputDim]), hidden=\(self[.hidden]), samples=\(self[.samples])"
        case .spirals: sizing = "hidden=\(self[.hidden]), samples=\(self[.samples])"
        }
        throw ConfigError("this configuration needs about \(Self.gigabytes(needed)) of memory (\(sizing)); this machine has \(Self.gigabytes(physicalMemory))")
    }

    /// The machine's physical memory in bytes.
    public static var physicalMemory: Double {
        Double(sysconf(Int32(_SC_PHYS_PAGES))) * Double(sysconf(Int32(_SC_PAGESIZE)))
    }

    private static func gigabytes(_ bytes: Double) -> String {
        let gb = bytes / 1_073_741_824
        return gb >= 10 ? "\(Int(gb.rounded())) GB" : "\((gb * 10).rounded() / 10) GB"
    }
}
