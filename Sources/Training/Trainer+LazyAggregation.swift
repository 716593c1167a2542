import TensorCore
import NN

/// The server's memory of lazily aggregated gradients (LAG, Chen et al. 2018, "LAG: Lazily
/// Aggregated Gradient for Communication-Efficient Distributed Learning"), in its worker-side
/// variant LAG-WK: every worker computes its shard's gradient each step, and uploads it only when
/// it moved by more than the recent steps justify; the server sums the latest uploads.
public struct LazyAggregationState: Sendable, Equatable {
    /// How many recent updates the skip rule looks back on (the paper's D).
    public static let memory = 10
    /// Each worker's last uploaded gradient `[P]`; nil before its first upload.
    public var uploaded: [Tensor?]
    /// ‖θ^{k+1} − θ^k‖² of the most recent updates, newest last (at most `memory`).
    public var recentUpdates: [Double] = []
    public var uploads = 0
    public var skipped = 0
    /// The shard deal the uploads belong to; a new deal (a heterogeneity change) starts over.
    public var heterogeneity: Double

    public init(workers: Int, heterogeneity: Double) {
        uploaded = Array(repeating: nil, count: workers)
        self.heterogeneity = heterogeneity
    }

    /// True when worker `m` uploads `gradient` `[P]` at learning rate `lr` under threshold ξ:
    /// when ‖g − ĝ‖² > ξ / (lr² · D) · Σ_{d ≤ D} ‖θ^{k+1−d} − θ^{k−d}‖² (LAG-WK's condition (15a)
    /// with ξ_d = ξ/D and the server averaging the M workers' mean-loss gradients, so M² cancels).
    public func shouldUpload(worker m: Int, gradient: Tensor, learningRate: Double, threshold: Double) -> Bool {
        guard threshold > 0, let last = uploaded[m] else { return true }
        let bound = threshold / (learningRate * learningRate * Double(Self.memory)) * recentUpdates.reduce(0, +)
        return (gradient - last).squaredNorm() > bound
    }

    /// Records the size of the update just applied.
    public mutating func noteUpdate(squaredNorm: Double) {
        recentUpdates.append(squaredNorm)
        if recentUpdates.count > Self.memory { recentUpdates.removeFirst() }
    }
}

/// Simulated data-parallel workers: shards, their gradients and the lazy aggregation of them.
extension Trainer {
    /// The train set dealt to `workers` shards: `heterogeneity` of the examples (a seeded random
    /// choice) in label order (targets' first column for regression), cut into one contiguous
    /// block per worker; the rest dealt in random order, each to the smallest shard so far. 0 gives iid shards; 1 gives
    /// each worker its own range of labels.
    static func shards(of train: Dataset, workers: Int, heterogeneity: Double, seed: Int) -> [[Int]] {
        var rng = SeededRNG(seed: UInt64(seed) &+ 0x5_4A2D)
        var order = Array(0..<train.count)
        order.shuffle(using: &rng)
        let sortedCount = Int((heterogeneity * Double(train.count)).rounded())
        let key: (Int) -> Double
        switch train.target {
        case .classes(let labels, _): key = { Double(labels[$0]) }
        case .values(let y):
            let values = y.doubles, width = y.shape.count > 1 ? y.shape[1] : 1
            key = { values[$0 * width] }
        }
        let sorted = order[..<sortedCount].sorted { (key($0), $0) < (key($1), $1) }
        var shards = [[Int]](repeating: [], count: workers)
        for (i, index) in sorted.enumerated() { shards[i * workers / max(sortedCount, 1)].append(index) }
        // The rest evens the shards out: each example to the smallest shard so far.
        for index in order[sortedCount...] {
            shards[shards.indices.min { shards[$0].count < shards[$1].count }!].append(index)
        }
        return shards.map { $0.sorted() }
    }

    /// Every worker's shard gradient at `weights` `[P]`, and the loss, accuracy and gradient of
    /// the whole train set they add up to (weighted by shard size).
    func workerGradients(at weights: Tensor) -> StepGradient {
        let config = state.config, workers = config[.workers], heterogeneity = config[.heterogeneity]
        if shards?.workers != workers || shards?.heterogeneity != heterogeneity {
            let deal = Self.shards(of: task.train, workers: workers, heterogeneity: heterogeneity, seed: config[.seed])
            shards = (workers, heterogeneity, deal.map { task.train.subset($0) })
        }
        let parts = shards!.data.filter { $0.count > 0 }.map { (shard: $0, result: batchGradient($0, at: weights)) }
        let total = Double(task.train.count)
        var loss = 0.0, correct = 0.0, hasAccuracy = true
        var gradient = Tensor.zeros(weights.shape, dtype: weights.dtype)
        for (shard, result) in parts {
            let weight = Double(shard.count) / total
            loss += weight * result.loss
            if let accuracy = result.accuracy { correct += accuracy * Double(shard.count) } else { hasAccuracy = false }
            gradient = gradient + result.gradient.scaled(by: weight)
        }
        return StepGradient(loss: loss, accuracy: hasAccuracy ? correct / total : nil, gradient: gradient, batch: task.train,
                            workerGradients: parts.map { ($0.result.gradient, $0.shard.count) })
    }

    /// Replaces `gradient` by the server's aggregate: the size-weighted sum of each worker's latest
    /// upload, uploading only where the LAG rule says so; returns the `comm/*` scalars.
    func aggregateLazily(_ computed: StepGradient, into gradient: inout Tensor, learningRate: Double) -> [String: Double] {
        let config = state.config, workers = computed.workerGradients!
        if state.lazyAggregation?.uploaded.count != workers.count || state.lazyAggregation?.heterogeneity != config[.heterogeneity] {
            let carried = state.lazyAggregation
            state.lazyAggregation = LazyAggregationState(workers: workers.count, heterogeneity: config[.heterogeneity])
            state.lazyAggregation!.uploads = carried?.uploads ?? 0
            state.lazyAggregation!.skipped = carried?.skipped ?? 0
        }
        var lag = state.lazyAggregation!
        var uploads = 0
        for (m, worker) in workers.enumerated()
            where lag.shouldUpload(worker: m, gradient: worker.gradient, learningRate: learningRate, threshold: config[.lagThreshold]) {
            lag.uploaded[m] = worker.gradient
            uploads += 1
        }
        let total = Double(workers.map(\.examples).reduce(0, +))
        gradient = Tensor.zeros(gradient.shape, dtype: gradient.dtype)
        for (m, worker) in workers.enumerated() { gradient = gradient + lag.uploaded[m]!.scaled(by: Double(worker.examples) / total) }
        lag.uploads += uploads
        lag.skipped += workers.count - uploads
        state.lazyAggregation = lag
        return ["comm/uploads": Double(uploads), "comm/uploads_skipped": Double(workers.count - uploads),
                "comm/uploads_total": Double(lag.uploads), "comm/uploads_skipped_total": Double(lag.skipped),
                "comm/skipped_fraction": Double(lag.skipped) / Double(max(lag.uploads + lag.skipped, 1))]
    }
}
