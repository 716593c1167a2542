import TensorCore
import Autograd
import NN
import Curvature

/// The trainer's gradient and evaluation passes as compiled graphs (`CompiledGraph`): traced on
/// the first batch of each size, then replayed. They compute the same bits as the eager graph;
/// a model whose graph cannot be traced keeps the eager path.
extension Trainer {
    /// The loss, accuracy and gradient `[P]` on `batch` at `weights`, by the compiled plan; nil when
    /// compiled graphs are off or this model's pass cannot be traced.
    func compiledGradient(_ batch: Dataset, at weights: Tensor) -> StepGradient? {
        let model = task.model, layout = model.layout
        guard let graph = compiledGraph(.gradient, batch, dtype: weights.dtype, { leaves, inputs, _ in
            let p = ParameterVariables(layout: layout, leaves: leaves)
            let output = model.forward(inputs.input, p)
            let loss = inputs.loss(of: output)
            return [[loss], [output.rowArgmaxWithoutGradient()], gradients(of: loss, withRespectTo: leaves, createGraph: true)]
        }) else { return nil }
        let (indices, tensors) = batch.graphInputs(dtype: weights.dtype)
        let results = graph.run(parameters: weights, indices: indices, tensors: tensors)
        return StepGradient(loss: results[0].scalarValue, accuracy: accuracy(predictions: results[1], batch.target),
                            gradient: results[2], batch: batch)
    }

    /// Loss and accuracy on `dataset` at `parameters` by the compiled plan (nil as for `compiledGradient`).
    func compiledEvaluation(_ dataset: Dataset, parameters: Tensor) -> Evaluation? {
        let model = task.model, layout = model.layout
        guard let graph = compiledGraph(.evaluation, dataset, dtype: parameters.dtype, { leaves, inputs, _ in
            let output = model.forward(inputs.input, ParameterVariables(layout: layout, leaves: leaves))
            return [[inputs.loss(of: output)], [output.rowArgmaxWithoutGradient()]]
        }) else { return nil }
        let (indices, tensors) = dataset.graphInputs(dtype: parameters.dtype)
        let results = graph.run(parameters: parameters, indices: indices, tensors: tensors)
        return Evaluation(loss: results[0].scalarValue, accuracy: accuracy(predictions: results[1], dataset.target))
    }

    /// The model's output on `dataset` at `parameters` (`[n, outputs]`; `[exits·n, outputs]` for a
    /// model with several exits), by the compiled plan where there is one, else the eager graph.
    func output(on dataset: Dataset, parameters: Tensor) -> Tensor {
        let model = task.model, layout = model.layout
        guard let graph = compiledGraph(.forward, dataset, dtype: parameters.dtype, { leaves, inputs, _ in
            [[model.forward(inputs.input, ParameterVariables(layout: layout, leaves: leaves))]]
        }) else { return model.forward(dataset.input, ParameterVariables(layout: layout, flat: parameters, requiresGrad: false)).value }
        let (indices, tensors) = dataset.graphInputs(dtype: parameters.dtype)
        return graph.run(parameters: parameters, indices: indices, tensors: tensors)[0]
    }

    /// The mean training loss and its gradient `[P]` on `batch` (default: the whole training set)
    /// at `weights` (default: the current parameters), by the compiled plan unless
    /// `usesCompiledGraphs` is off: one step's work before the update, for benchmarks and tools.
    public func lossAndGradient(on batch: Dataset? = nil, at weights: Tensor? = nil) -> (loss: Double, gradient: Tensor) {
        let computed = batchGradient(batch ?? task.train, at: weights ?? state.parameters)
        return (computed.loss, computed.gradient)
    }

    /// The steps of each compiled plan this trainer holds (GEMMs and fused passes), for diagnostics.
    public var compiledGraphDescriptions: [String] { compiledGraphs.descriptions }

    /// How many compiled plans this trainer holds, and why any pass could not be compiled.
    public var compiledGraphReport: (plans: Int, failures: [String]) { (compiledGraphs.plans, compiledGraphs.failures) }

    /// The training-loss Hessian on `data` at `parameters` as an operator whose products run on
    /// the compiled plan of the Hessian-vector product (the eager operator when it cannot be traced).
    func compiledHessian(at parameters: Tensor, data: Dataset) -> SymmetricOperator {
        let model = task.model, layout = model.layout
        let directions = layout.entries.map { Tensor.zeros($0.shape, dtype: parameters.dtype) }
        guard let graph = compiledGraph(.hessianVectorProduct, data, dtype: parameters.dtype, extra: directions, { leaves, inputs, directions in
            let p = ParameterVariables(layout: layout, leaves: leaves)
            let grads = gradients(of: inputs.loss(of: model.forward(inputs.input, p)), withRespectTo: leaves, createGraph: true)
            return [HessianVectorProduct.product(gradients: grads, directions: directions, parameters: leaves)]
        }) else { return task.hessian(at: parameters, data: data) }
        let (indices, tensors) = data.graphInputs(dtype: parameters.dtype)
        return SymmetricOperator(dimension: parameters.count, dtype: parameters.dtype) { v in
            graph.run(parameters: parameters, indices: indices, tensors: tensors + layout.split(v))[0]
        }
    }

    /// The compiled graph of `function` for `batch`'s sizes (and `extra` input tensors after the
    /// batch's), traced on first use; nil when compiled graphs are off or the pass cannot be traced.
    private func compiledGraph(_ purpose: CompiledGraphCache.Purpose, _ batch: Dataset, dtype: DType, extra: [Tensor] = [],
                               _ function: @escaping ([Variable], Dataset, [Tensor]) -> [[Variable]]) -> CompiledGraph? {
        guard usesCompiledGraphs else { return nil }
        let shapes = task.model.layout.entries.map(\.shape)
        let graph = compiledGraphs.graph(purpose, batch: batch, dtype: dtype, extra: extra) { indices, tensors throws(CompiledGraph.TraceError) in
            let batchTensors = tensors.count - extra.count
            return try CompiledGraph.trace(parameterShapes: shapes, dtype: dtype, indices: indices, tensors: tensors) { leaves, ids, values in
                function(leaves, batch.replacing(indices: ids, tensors: Array(values[..<batchTensors])), Array(values[batchTensors...]))
            }
        }
        graph?.threads = compiledGraphThreads
        return graph
    }
}

/// A trainer's compiled graphs by purpose and input sizes, and the sizes that could not be traced.
struct CompiledGraphCache {
    enum Purpose: Hashable { case gradient, evaluation, hessianVectorProduct, forward }

    private struct Key: Hashable {
        var purpose: Purpose
        var indexCounts: [Int]
        var tensorShapes: [[Int]]
        var dtype: DType
    }

    /// At most this many plans are kept (each holds its buffers); the cache starts over past it.
    static let capacity = 8
    /// A plan, the reason a trace failed, or nil for inputs too small to trace (they run eager).
    private var graphs: [Key: Result<CompiledGraph, CompiledGraph.TraceError>?] = [:]

    /// The graph for `batch` (and `extra` tensors), traced by `trace` from its inputs the first
    /// time; nil when these inputs run eager.
    mutating func graph(_ purpose: Purpose, batch: Dataset, dtype: DType, extra: [Tensor],
                        trace: ([[Int32]], [Tensor]) throws(CompiledGraph.TraceError) -> CompiledGraph) -> CompiledGraph? {
        let counts = batch.graphInputCounts
        let key = Key(purpose: purpose, indexCounts: counts.indices, tensorShapes: counts.tensorShapes + extra.map(\.shape), dtype: dtype)
        if let known = graphs[key] { return known.flatMap { try? $0.get() } }
        if graphs.count >= Self.capacity { graphs = [:] }
        let (indices, tensors) = batch.graphInputs(dtype: dtype)
        // Batches of a few examples stay eager: a trace cannot tell their ids from constants, and they are cheap.
        guard indices.allSatisfy(CompiledGraph.canTrace) else {
            graphs[key] = .some(nil)
            return nil
        }
        let result = Result { () throws(CompiledGraph.TraceError) in try trace(indices, tensors + extra) }
        graphs[key] = result
        return try? result.get()
    }

    /// Each plan's steps (`CompiledGraph.description`), by purpose and input sizes.
    var descriptions: [String] {
        graphs.compactMap { key, value in
            (try? value?.get()).map { "\(key.purpose) \(key.indexCounts) \(key.tensorShapes):\n\($0)" }
        }.sorted()
    }

    /// Plans held.
    var plans: Int { graphs.values.filter { (try? $0?.get()) != nil }.count }

    /// Why each failed trace failed (for tests and diagnostics).
    var failures: [String] { graphs.values.compactMap { if case .failure(let e)? = $0 { e.description } else { nil } } }
}

extension Dataset {
    /// The examples as a compiled graph's inputs, in `dtype`: token ids a and b or the feature
    /// rows, then the labels or the target rows.
    func graphInputs(dtype: DType) -> (indices: [[Int32]], tensors: [Tensor]) {
        var indices: [[Int32]] = [], tensors: [Tensor] = []
        switch input {
        case .tokenPairs(let a, let b): indices += [a, b]
        case .features(let x): tensors.append(x.converted(to: dtype))
        }
        switch target {
        case .classes(let labels, _): indices.append(labels)
        case .values(let y): tensors.append(y.converted(to: dtype))
        }
        return (indices, tensors)
    }

    /// The sizes of `graphInputs`, without copying anything.
    var graphInputCounts: (indices: [Int], tensorShapes: [[Int]]) {
        var indices: [Int] = [], shapes: [[Int]] = []
        switch input {
        case .tokenPairs(let a, let b): indices += [a.count, b.count]
        case .features(let x): shapes.append(x.shape)
        }
        switch target {
        case .classes(let labels, _): indices.append(labels.count)
        case .values(let y): shapes.append(y.shape)
        }
        return (indices, shapes)
    }

    /// The same kind of dataset holding these inputs (as `graphInputs` lays them out).
    func replacing(indices: [[Int32]], tensors: [Tensor]) -> Dataset {
        var ids = indices.makeIterator(), values = tensors.makeIterator()
        let input: ModelInput
        switch self.input {
        case .tokenPairs: input = .tokenPairs(a: ids.next()!, b: ids.next()!)
        case .features: input = .features(values.next()!)
        }
        switch target {
        case .classes(_, let count): return Dataset(input: input, target: .classes(ids.next()!, count: count))
        case .values: return Dataset(input: input, target: .values(values.next()!))
        }
    }
}
