import TensorCore
import Autograd
import NN
import Curvature

/// Examples with their supervision: class labels (classification) or target rows (regression).
public struct Dataset: Sendable {
    /// What the model reads.
    public var input: ModelInput
    /// Supervision for each example.
    public var target: Target

    /// Class labels `[n]` or regression targets `[n, outputs]`.
    public enum Target: Sendable {
        case classes([Int32], count: Int)
        case values(Tensor)
    }

    public init(input: ModelInput, target: Target) { self.input = input; self.target = target }

    /// Number of examples.
    public var count: Int { input.count }

    /// The examples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> Dataset {
        let input: ModelInput
        switch self.input {
        case .tokenPairs(let a, let b): input = .tokenPairs(a: indices.map { a[$0] }, b: indices.map { b[$0] })
        case .features(let x): input = .features(rows(x, indices))
        }
        switch target {
        case .classes(let labels, let count): return Dataset(input: input, target: .classes(indices.map { labels[$0] }, count: count))
        case .values(let y): return Dataset(input: input, target: .values(rows(y, indices)))
        }
    }

    /// The same examples with `round(fraction · n)` labels, chosen by `rng`, each replaced by a
    /// uniformly drawn *other* class (classification only; regression targets are returned as they are).
    public func withLabelNoise(_ fraction: Double, rng: inout SeededRNG) -> Dataset {
        guard case .classes(var labels, let classes) = target, fraction > 0, classes > 1 else { return self }
        var order = Array(labels.indices)
        order.shuffle(using: &rng)
        for i in order.prefix(Int((fraction * Double(labels.count)).rounded())) {
            let shift = Int32(1 + Int(rng.next() % UInt64(classes - 1)))
            labels[i] = (labels[i] + shift) % Int32(classes)
        }
        return Dataset(input: input, target: .classes(labels, count: classes))
    }

    private func rows(_ x: Tensor, _ indices: [Int]) -> Tensor { x.gatherRows(indices.map { Int32($0) }) }

    /// The task's loss of the model's `output` on these examples: mean cross-entropy for classes,
    /// half the mean squared error for values.
    /// An output of several exits stacked as row blocks (`Model.exits`) is scored against the
    /// targets repeated once per block: the mean of the exits' losses.
    public func loss(of output: Variable) -> Variable {
        let repeats = max(1, output.shape[0] / max(count, 1))
        switch target {
        case .classes(let labels, _):
            return crossEntropy(logits: output, labels: repeats == 1 ? labels : Array([[Int32]](repeating: labels, count: repeats).joined()))
        case .values(let y):
            return meanSquaredError(output, repeats == 1 ? y : y.gatherRows((0..<(repeats * count)).map { Int32($0 % count) }))
        }
    }
}

/// A task's data, split, and the model that fits it.
public struct TaskInstance: Sendable {
    public var train: Dataset
    public var test: Dataset
    public var model: any Model
    /// Indices of the training examples in the task's canonical ordering (saved in checkpoints).
    public var trainIndices: [Int]
    /// A one-line description of the data split (saved in checkpoints).
    public var splitDescription: String
    /// A short task description for the `run` event.
    public var description: String
    /// Accuracy of always guessing (a reference line on accuracy charts), when classification.
    public var chanceAccuracy: Double?

    /// The Hessian of the mean training loss (the full training set, or the examples of `data`)
    /// at flat `parameters` `[P]`, as an operator of exact Hessian-vector products in the parameters' dtype.
    public func hessian(at parameters: Tensor, data: Dataset? = nil) -> SymmetricOperator {
        let model = self.model, train = data ?? self.train
        let hvp = HessianVectorProduct(layout: model.layout) { p in train.loss(of: model.forward(train.input, p)) }
        return SymmetricOperator(dimension: parameters.count, dtype: parameters.dtype) { hvp(at: parameters, $0) }
    }

    /// The diagonal block of that Hessian for one layer's parameters (`out`, `embed_a`, …): an
    /// operator on the layer's `[B]` coordinates, in layout order. Nil when no parameter has that layer.
    public func hessian(at parameters: Tensor, block layer: String, data: Dataset? = nil) -> SymmetricOperator? {
        hessian(at: parameters, members: model.layout.entries.indices.filter { model.layout.entries[$0].layer == layer }, data: data)
    }

    /// The diagonal block of that Hessian for one parameter tensor (`out.weight`): an operator on
    /// its `[count]` coordinates. Nil when there is no such tensor.
    public func hessian(at parameters: Tensor, entry name: String, data: Dataset? = nil) -> SymmetricOperator? {
        hessian(at: parameters, members: model.layout.entries.indices.filter { model.layout.entries[$0].name == name }, data: data)
    }

    /// The diagonal block of the Hessian operator `full` for one parameter tensor (`out.weight`):
    /// an operator on its `[count]` coordinates. Nil when there is no such tensor.
    public func hessianBlock(_ full: SymmetricOperator, entry name: String) -> SymmetricOperator? {
        block(full, members: model.layout.entries.indices.filter { model.layout.entries[$0].name == name })
    }

    private func hessian(at parameters: Tensor, members: [Int], data: Dataset?) -> SymmetricOperator? {
        members.isEmpty ? nil : block(hessian(at: parameters, data: data), members: members)
    }

    private func block(_ full: SymmetricOperator, members: [Int]) -> SymmetricOperator? {
        let layout = model.layout, dtype = full.dtype
        guard !members.isEmpty else { return nil }
        let size = members.reduce(0) { $0 + layout.entries[$1].count }
        let sublayout = ParameterLayout(members.map { (layout.entries[$0].name, layout.entries[$0].shape) })
        return SymmetricOperator(dimension: size, dtype: dtype) { v in
            var parts = layout.entries.map { Tensor.zeros($0.shape, dtype: dtype) }
            for (index, piece) in zip(members, sublayout.split(v)) { parts[index] = piece }
            let product = layout.split(full(layout.join(parts)))
            return sublayout.join(members.map { product[$0] })
        }
    }

    public init(train: Dataset, test: Dataset, model: any Model, trainIndices: [Int], splitDescription: String,
                description: String, chanceAccuracy: Double?) {
        self.train = train; self.test = test; self.model = model; self.trainIndices = trainIndices
        self.splitDescription = splitDescription; self.description = description; self.chanceAccuracy = chanceAccuracy
    }
}
