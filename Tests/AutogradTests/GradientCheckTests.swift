import Testing
import TensorCore
import Autograd

/// A function under test: its input shapes, whether inputs must be positive, and the function.
struct OpCase: Sendable, CustomTestStringConvertible {
    let name: String
    let shapes: [[Int]]
    let positive: Bool
    let f: @Sendable ([Variable]) -> Variable

    init(_ name: String, _ shapes: [[Int]], positive: Bool = false, _ f: @escaping @Sendable ([Variable]) -> Variable) {
        self.name = name; self.shapes = shapes; self.positive = positive; self.f = f
    }

    var testDescription: String { name }
}

let labels: [Int32] = [2, 0, 1]
let indices: [Int32] = [1, 3, 1, 0]

/// Every primitive, then every composite.
let opCases: [OpCase] = [
    OpCase("add", [[3, 4], [3, 4]]) { $0[0] + $0[1] },
    OpCase("subtract", [[3, 4], [3, 4]]) { $0[0] - $0[1] },
    OpCase("multiply", [[3, 4], [3, 4]]) { $0[0] * $0[1] },
    OpCase("divide", [[3, 4], [3, 4]], positive: true) { $0[0] / $0[1] },
    OpCase("negate", [[3, 4]]) { -$0[0] },
    OpCase("scale", [[3, 4]]) { $0[0].scaled(by: -2.5) },
    OpCase("addConstant", [[3, 4]]) { $0[0].adding(0.7) },
    OpCase("exp", [[3, 4]]) { $0[0].exp() },
    OpCase("log", [[3, 4]], positive: true) { $0[0].log() },
    OpCase("tanh", [[3, 4]]) { $0[0].tanh() },
    OpCase("power 2", [[3, 4]]) { $0[0].power(2) },
    OpCase("power 3", [[3, 4]]) { $0[0].power(3) },
    OpCase("power -0.5", [[3, 4]], positive: true) { $0[0].power(-0.5) },
    OpCase("matmul", [[3, 4], [4, 5]]) { matmul($0[0], $0[1]) },
    OpCase("matmul aᵀ", [[4, 3], [4, 5]]) { matmul($0[0], $0[1], transposeA: true) },
    OpCase("matmul bᵀ", [[3, 4], [5, 4]]) { matmul($0[0], $0[1], transposeB: true) },
    OpCase("matmul aᵀbᵀ", [[4, 3], [5, 4]]) { matmul($0[0], $0[1], transposeA: true, transposeB: true) },
    OpCase("sum", [[3, 4]]) { $0[0].sum() },
    OpCase("broadcastScalar", [[]]) { $0[0].broadcastScalar(to: [2, 3]) },
    OpCase("sumRows", [[3, 4]]) { $0[0].sumRows() },
    OpCase("broadcastRows", [[4]]) { $0[0].broadcastRows(3) },
    OpCase("sumLastAxis", [[3, 4]]) { $0[0].sumLastAxis() },
    OpCase("expandLastAxis", [[3, 1]]) { $0[0].expandLastAxis(4) },
    OpCase("gatherRows", [[4, 3]]) { $0[0].gatherRows(indices) },
    OpCase("indexAddRows", [[4, 3]]) { $0[0].indexAddRows(indices, rows: 5) },
    OpCase("reshape", [[3, 4]]) { $0[0].reshaped([2, 6]) },
    OpCase("logSoftmax (fused)", [[3, 4]]) { $0[0].logSoftmaxLastAxis() },
    OpCase("selectColumns", [[3, 4]]) { $0[0].selectColumns(labels) },
    OpCase("scatterColumns", [[3, 1]]) { $0[0].scatterColumns(labels, width: 4) },
    // Composites
    OpCase("relu", [[3, 4]]) { $0[0].relu() },
    // A gradient-free op that is piecewise constant (so finite differences see no gradient either),
    // next to a differentiable path; rowMaximum and maximum are checked through logSumExp, whose
    // value and gradient do not depend on the shift they give.
    OpCase("rowArgmax", [[3, 4]]) { $0[0].rowArgmaxWithoutGradient() * $0[0].sumLastAxis() },
    OpCase("squared", [[3, 4]]) { $0[0].squared() },
    OpCase("gelu", [[3, 4]]) { $0[0].gelu() },
    OpCase("logSumExp", [[3, 4]]) { $0[0].logSumExpLastAxis() },
    OpCase("logSoftmax (composite)", [[3, 4]]) { $0[0].logSoftmaxLastAxisComposite() },
    OpCase("softmax", [[3, 4]]) { $0[0].softmaxLastAxis() },
    OpCase("layerNorm", [[3, 4]]) { $0[0].layerNormalizedLastAxis() },
    OpCase("mean", [[3, 4]]) { $0[0].mean() },
    OpCase("crossEntropy", [[3, 4]]) { crossEntropy(logits: $0[0], labels: labels) },
    OpCase("meanSquaredError", [[3, 4]]) { meanSquaredError($0[0], Tensor(shape: [3, 4], (0..<12).map { Double($0) / 10 })) },
    OpCase("two-layer MLP", [[5, 3], [3, 4], [4], [4, 2]]) { p in
        let h = (matmul(p[0], p[1]) + p[2].broadcastRows(5)).tanh()
        return crossEntropy(logits: matmul(h, p[3]), labels: [0, 1, 1, 0, 1])
    },
]

@Suite struct GradientCheckTests {
    /// Random inputs, and a random weighting `w` so that L = Σ w ⊙ f(x) tests the full Jacobian.
    func setUp(_ op: OpCase, seed: UInt64) -> (inputs: [Tensor], weights: Tensor) {
        var rng = SeededRNG(seed: seed)
        let inputs = op.shapes.map { shape in
            op.positive ? rng.uniformTensor(shape, low: 0.5, high: 2, dtype: .float64)
                        : rng.normalTensor(shape, std: 1, dtype: .float64)
        }
        let outputShape = op.f(inputs.map { Variable($0) }).shape
        return (inputs, rng.normalTensor(outputShape, std: 1, dtype: .float64))
    }

    func loss(_ op: OpCase, _ inputs: [Variable], _ weights: Tensor) -> Variable {
        let y = op.f(inputs)
        return (y * Variable(weights)).sum()
    }

    func perturbed(_ inputs: [Tensor], _ index: Int, _ element: Int, _ delta: Double) -> [Tensor] {
        var copy = inputs
        var values = copy[index].doubles
        values[element] += delta
        copy[index] = Tensor(shape: copy[index].shape, values)
        return copy
    }

    @Test(arguments: opCases)
    func firstOrderMatchesFiniteDifferences(_ op: OpCase) {
        let (inputs, weights) = setUp(op, seed: 11)
        let variables = inputs.map { Variable($0, requiresGrad: true) }
        let grads = gradients(of: loss(op, variables, weights), withRespectTo: variables)
        let h = 1e-6
        for (i, input) in inputs.enumerated() {
            let analytic = grads[i].value.doubles
            #expect(grads[i].shape == input.shape)
            for e in 0..<input.count {
                let plus = loss(op, perturbed(inputs, i, e, h).map { Variable($0) }, weights).value.scalarValue
                let minus = loss(op, perturbed(inputs, i, e, -h).map { Variable($0) }, weights).value.scalarValue
                let numeric = (plus - minus) / (2 * h)
                let error = abs(numeric - analytic[e]) / max(1, abs(numeric))
                #expect(error < 1e-6, "\(op.name) input \(i)[\(e)]: analytic \(analytic[e]) vs numeric \(numeric)")
            }
        }
    }

    @Test(arguments: opCases)
    func doubleBackwardGivesExactHessianVectorProducts(_ op: OpCase) {
        let (inputs, weights) = setUp(op, seed: 12)
        var rng = SeededRNG(seed: 99)
        let directions = inputs.map { rng.normalTensor($0.shape, std: 1, dtype: .float64) }
        // Hv = ∇⟨∇L, v⟩ by double backward.
        let variables = inputs.map { Variable($0, requiresGrad: true) }
        let grads = gradients(of: loss(op, variables, weights), withRespectTo: variables, createGraph: true)
        var inner: Variable?
        for (g, v) in zip(grads, directions) {
            let term = (g * Variable(v)).sum()
            inner = inner.map { $0 + term } ?? term
        }
        let hvp = gradients(of: inner!, withRespectTo: variables)
        // Hv ≈ (∇L(x + hv) − ∇L(x − hv)) / 2h.
        let h = 1e-5
        func gradientAt(_ sign: Double) -> [[Double]] {
            let shifted = zip(inputs, directions).map { x, v in x + v.scaled(by: sign * h) }
            let vars = shifted.map { Variable($0, requiresGrad: true) }
            return gradients(of: loss(op, vars, weights), withRespectTo: vars).map(\.value.doubles)
        }
        let plus = gradientAt(1), minus = gradientAt(-1)
        for i in inputs.indices {
            let analytic = hvp[i].value.doubles
            for e in analytic.indices {
                let numeric = (plus[i][e] - minus[i][e]) / (2 * h)
                let error = abs(numeric - analytic[e]) / max(1, abs(numeric))
                #expect(error < 1e-5, "\(op.name) input \(i)[\(e)]: Hv \(analytic[e]) vs numeric \(numeric)")
            }
        }
    }

    @Test func fusedLogSoftmaxEqualsTheComposite() {
        var rng = SeededRNG(seed: 4)
        let x = rng.normalTensor([6, 9], std: 3, dtype: .float64)
        let fused = Variable(x).logSoftmaxLastAxis().value.doubles
        let composite = Variable(x).logSoftmaxLastAxisComposite().value.doubles
        #expect(zip(fused, composite).allSatisfy { abs($0 - $1) < 1e-12 })
        // Gradients and Hessian-vector products agree too.
        let w = rng.normalTensor([6, 9], std: 1, dtype: .float64)
        func hvp(_ f: (Variable) -> Variable) -> [Double] {
            let v = Variable(x, requiresGrad: true)
            let g = gradients(of: (f(v) * Variable(w)).sum(), withRespectTo: [v], createGraph: true)[0]
            return gradients(of: (g * Variable(w)).sum(), withRespectTo: [v])[0].value.doubles
        }
        let a = hvp { $0.logSoftmaxLastAxis() }, b = hvp { $0.logSoftmaxLastAxisComposite() }
        #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func constantsGetNoGradientAndUnusedInputsGetZeros() {
        let a = Variable(Tensor(shape: [2], [1.0, 2]), requiresGrad: true)
        let unused = Variable(Tensor(shape: [3], [1.0, 2, 3]), requiresGrad: true)
        let c = Variable(Tensor(shape: [2], [5.0, 7]))
        let grads = gradients(of: (a * c).sum(), withRespectTo: [a, unused, c])
        #expect(grads[0].value == Tensor(shape: [2], [5.0, 7]))
        #expect(grads[1].value == Tensor.zeros([3], dtype: .float64))
        #expect(grads[2].value == Tensor.zeros([2], dtype: .float64))
    }

    @Test func sharedSubexpressionsAccumulate() {
        let x = Variable(Tensor(shape: [], [3.0]), requiresGrad: true)
        let y = x * x  // used twice below
        let grads = gradients(of: y + y * x, withRespectTo: [x])  // 2x² … derivative of x² + x³ = 2x + 3x²
        #expect(grads[0].value.scalarValue == 2 * 3 + 3 * 9)
    }

    @Test func firstOrderBackwardRecordsNoGraph() {
        let x = Variable(Tensor(shape: [2, 2], [1.0, 2, 3, 4]), requiresGrad: true)
        let grads = gradients(of: matmul(x, x).sum(), withRespectTo: [x])
        #expect(grads[0].requiresGrad == false)
        let second = gradients(of: matmul(x, x).sum(), withRespectTo: [x], createGraph: true)
        #expect(second[0].requiresGrad == true)
    }
}
