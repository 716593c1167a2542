import Testing
import TensorCore
import Autograd

/// The compiled plan of every op case against the eager graph: values, gradients and
/// Hessian-vector products must be the same bits, and finite differences must hold through it.
@Suite struct CompiledGraphTests {
    /// L = Σ w ⊙ f(x), its gradient and, for the directions given as tensor inputs, H·v.
    func function(_ op: OpCase, _ weights: Tensor) -> ([Variable], [[Int32]], [Tensor]) -> [[Variable]] {
        { leaves, _, directions in
            let loss = (op.f(leaves) * Variable(weights)).sum()
            let grads = gradients(of: loss, withRespectTo: leaves, createGraph: true)
            var inner: Variable?
            for (g, v) in zip(grads, directions) {
                let term = (g * Variable(v)).sum()
                inner = inner.map { $0 + term } ?? term
            }
            return [[loss], grads, gradients(of: inner!, withRespectTo: leaves)]
        }
    }

    func setUp(_ op: OpCase, dtype: DType, seed: UInt64) -> (inputs: [Tensor], weights: Tensor, directions: [Tensor]) {
        var rng = SeededRNG(seed: seed)
        let inputs = op.shapes.map { shape in
            op.positive ? rng.uniformTensor(shape, low: 0.5, high: 2, dtype: dtype) : rng.normalTensor(shape, std: 1, dtype: dtype)
        }
        let weights = rng.normalTensor(op.f(inputs.map { Variable($0) }).shape, std: 1, dtype: dtype)
        return (inputs, weights, inputs.map { rng.normalTensor($0.shape, std: 1, dtype: dtype) })
    }

    func flat(_ tensors: [Tensor], _ dtype: DType) -> Tensor {
        dtype == .float32 ? Tensor(shape: [tensors.map(\.count).reduce(0, +)], tensors.flatMap(\.floats))
                          : Tensor(shape: [tensors.map(\.count).reduce(0, +)], tensors.flatMap(\.doubles))
    }

    @Test(arguments: opCases, [DType.float64, .float32])
    func compiledRunsGiveTheEagerBits(_ op: OpCase, _ dtype: DType) throws {
        let (inputs, weights, directions) = setUp(op, dtype: dtype, seed: 21)
        let f = function(op, weights)
        let graph = try CompiledGraph.trace(parameterShapes: op.shapes, dtype: dtype, indices: [], tensors: directions, f)
        let eager = f(inputs.map { Variable($0, requiresGrad: true) }, [], directions)
        let expected = [eager[0][0].value, flat(eager[1].map(\.value), dtype), flat(eager[2].map(\.value), dtype)]
        let compiled = graph.run(parameters: flat(inputs, dtype), indices: [], tensors: directions)
        #expect(compiled[0] == expected[0], "\(op.name): loss")
        #expect(compiled[1].doubles == expected[1].doubles, "\(op.name): gradient")
        #expect(compiled[2].doubles == expected[2].doubles, "\(op.name): Hessian-vector product")
        // A second run on the same buffers gives the same bits.
        #expect(graph.run(parameters: flat(inputs, dtype), indices: [], tensors: directions) == compiled)
    }

    @Test(arguments: opCases)
    func compiledGradientMatchesFiniteDifferences(_ op: OpCase) throws {
        let (inputs, weights, directions) = setUp(op, dtype: .float64, seed: 22)
        let graph = try CompiledGraph.trace(parameterShapes: op.shapes, dtype: .float64, indices: [], tensors: directions,
                                            function(op, weights))
        let x = flat(inputs, .float64).doubles
        func run(_ values: [Double]) -> [Tensor] { graph.run(parameters: Tensor(shape: [values.count], values), indices: [], tensors: directions) }
        let base = run(x)
        let h = 1e-6
        for e in x.indices {
            var plus = x, minus = x
            plus[e] += h; minus[e] -= h
            let numeric = (run(plus)[0].scalarValue - run(minus)[0].scalarValue) / (2 * h)
            let analytic = base[1].doubles[e]
            #expect(abs(numeric - analytic) / max(1, abs(numeric)) < 1e-6, "\(op.name)[\(e)]: \(analytic) vs \(numeric)")
        }
        // H·v against the difference of compiled gradients along v.
        let v = flat(directions, .float64).doubles, step = 1e-5
        let gPlus = run(zip(x, v).map { $0 + step * $1 })[1].doubles, gMinus = run(zip(x, v).map { $0 - step * $1 })[1].doubles
        for e in x.indices {
            let numeric = (gPlus[e] - gMinus[e]) / (2 * step)
            #expect(abs(numeric - base[2].doubles[e]) / max(1, abs(numeric)) < 1e-5, "\(op.name) Hv[\(e)]")
        }
    }

    /// A two-layer classifier on a batch of token ids: traced once, run on other batches of the
    /// same size, each run equal to the eager graph on that batch.
    @Test func inputsAreBoundAnewAtEachRun() throws {
        var rng = SeededRNG(seed: 5)
        let shapes = [[10, 6], [6, 4], [4]]
        func classify(_ leaves: [Variable], _ ids: [[Int32]], _: [Tensor]) -> [[Variable]] {
            let h = matmul(leaves[0].gatherRows(ids[0]), leaves[1]) + leaves[2].broadcastRows(ids[0].count)
            let loss = crossEntropy(logits: h.relu(), labels: ids[1])
            return [[loss], gradients(of: loss, withRespectTo: leaves, createGraph: true)]
        }
        func batch() -> [[Int32]] {
            [(0..<12).map { _ in Int32(rng.next() % 10) }, (0..<12).map { _ in Int32(rng.next() % 4) }]
        }
        let graph = try CompiledGraph.trace(parameterShapes: shapes, dtype: .float32, indices: batch(), tensors: [], classify)
        #expect(graph.statistics.gemms == 3)
        #expect(graph.statistics.contiguousResults == 1, "the gradients lie side by side, the flat gradient in place")
        let arena = graph.statistics.arenaElements
        for _ in 0..<4 {
            let ids = batch(), parameters = shapes.map { rng.normalTensor($0, std: 1, dtype: .float32) }
            let eager = classify(parameters.map { Variable($0, requiresGrad: true) }, ids, [])
            let compiled = graph.run(parameters: flat(parameters, .float32), indices: ids, tensors: [])
            #expect(compiled[0] == eager[0][0].value)
            #expect(compiled[1].floats == eager[1].flatMap(\.value.floats))
        }
        #expect(graph.statistics.arenaElements == arena, "runs reuse the plan's buffers")
        #expect(graph.accepts(indices: batch(), tensors: []))
        #expect(!graph.accepts(indices: [[1, 2, 3], [0, 1, 2]], tensors: []))
    }

    /// Passes over many rows run on several threads, their sums added in row order afterwards, and
    /// GEMMs this size are cut into row pieces on tile boundaries (`GemmRowSplit`): every thread
    /// count gives the eager bits.
    @Test func threadsDoNotChangeTheBits() throws {
        var rng = SeededRNG(seed: 8)
        let n = 3 * 512 + 7, shapes = [[40, 64], [64, 48], [48]]
        #expect(GemmRowSplit(Float.self, m: n, n: 48, k: 64, transposeA: false, transposeB: false, threads: 2).pieces == (BLAS.threads == 1 ? 2 : 1))
        let ids: [[Int32]] = [(0..<n).map { _ in Int32(rng.next() % 40) }, (0..<n).map { _ in Int32(rng.next() % 16) }]
        func classify(_ leaves: [Variable], _ ids: [[Int32]], _: [Tensor]) -> [[Variable]] {
            let h = (matmul(leaves[0].gatherRows(ids[0]), leaves[1]) + leaves[2].broadcastRows(ids[0].count)).tanh()
            let loss = crossEntropy(logits: h, labels: ids[1])
            return [[loss], gradients(of: loss, withRespectTo: leaves, createGraph: true)]
        }
        let graph = try CompiledGraph.trace(parameterShapes: shapes, dtype: .float32, indices: ids, tensors: [], classify)
        #expect(graph.description.contains("parallel pass"), "\(graph)")
        let parameters = shapes.map { rng.normalTensor($0, std: 1, dtype: .float32) }
        let eager = classify(parameters.map { Variable($0, requiresGrad: true) }, ids, [])
        for threads in [1, 2, 3] {
            graph.threads = threads
            let compiled = graph.run(parameters: flat(parameters, .float32), indices: ids, tensors: [])
            #expect(compiled[0] == eager[0][0].value, "\(threads) threads: loss")
            #expect(compiled[1].floats == eager[1].flatMap(\.value.floats), "\(threads) threads: gradient")
        }
    }

    /// Values computed outside the graph cannot be replayed: tracing says which node, and never plans them.
    @Test func valuesComputedOutsideTheGraphAreRefused() {
        let fromParameters: ([Variable], [[Int32]], [Tensor]) -> [[Variable]] = { leaves, _, _ in
            [[(leaves[0] * Variable(leaves[0].value.positiveMask())).sum()]]
        }
        #expect(throws: CompiledGraph.TraceError.self) {
            try CompiledGraph.trace(parameterShapes: [[3, 4]], dtype: .float64, indices: [], tensors: [], fromParameters)
        }
        let fromIndices: ([Variable], [[Int32]], [Tensor]) -> [[Variable]] = { leaves, ids, _ in
            [[leaves[0].gatherRows(ids[0].map { $0 / 2 }).sum()]]
        }
        do {
            _ = try CompiledGraph.trace(parameterShapes: [[8, 2]], dtype: .float64, indices: [[0, 1, 2, 3, 4, 5, 6, 7, 7]],
                                        tensors: [], fromIndices)
            Issue.record("a derived index array was traced as a constant")
        } catch {
            #expect(error.description.contains("indexes with an array computed outside the graph"))
        }
        // Too few ids to tell an input from a constant.
        #expect(!CompiledGraph.canTrace([0, 1, 2]))
        #expect(!CompiledGraph.canTrace([Int32](repeating: 3, count: 20)))
    }
}
