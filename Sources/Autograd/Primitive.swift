import TensorCore

/// The primitive ops of the autodiff. Everything else (softmax, cross-entropy, layer norm, GELU…)
/// is composed from these, so each derivative is written exactly once, in `Primitive+Gradient.swift`.
enum Primitive: Equatable {
    case add, subtract, multiply, divide, negate
    /// x · c for a constant c.
    case scale(Double)
    /// x + c for a constant c.
    case addConstant(Double)
    case exp, log, tanh
    /// x^c for a constant c.
    case power(Double)
    /// `op(a) · op(b)`, rank 2.
    case matmul(transposeA: Bool, transposeB: Bool)
    /// Sum of all elements → `[]`.
    case sum
    /// `[]` → the given shape.
    case broadcastScalar([Int])
    /// `[n, d]` → `[d]`.
    case sumRows
    /// `[d]` → `[n, d]`.
    case broadcastRows(Int)
    /// `[n, d]` → `[n, 1]`.
    case sumLastAxis
    /// `[n, 1]` → `[n, d]`.
    case expandLastAxis(Int)
    /// Rows of a `[rows, d]` table → `[indices.count, d]`.
    case gatherRows([Int32], rows: Int)
    /// `[indices.count, d]` scattered-added into a zero `[rows, d]`.
    case indexAddRows([Int32], rows: Int)
    /// Same elements, new shape.
    case reshape([Int])
    /// Row-wise log-softmax of `[n, d]`, fused (checked against the composite in the tests).
    case logSoftmax
    /// `[n, d]` → `[n, 1]`: element `columns[i]` of row i.
    case selectColumns([Int32])
    /// `[n, 1]` → `[n, width]`: row i's value at column `columns[i]`, zeros elsewhere.
    case scatterColumns([Int32], width: Int)
    /// 1 where x > 0, else 0. Like the two below it has no gradient: it computes from a value what
    /// would otherwise be a constant, so that a traced graph recomputes it at every run.
    case positiveMask
    /// `[n, d]` → `[n, 1]`: the row maximum (no gradient).
    case rowMaximum
    /// max(a, b) elementwise (no gradient).
    case maximum
    /// `[n, d]` → `[n, 1]`: the first position of the row maximum, as a number (no gradient).
    case rowArgmax

    /// False for the gradient-free ops: their results are constants to autodiff.
    var passesGradients: Bool {
        switch self {
        case .positiveMask, .rowMaximum, .maximum, .rowArgmax: false
        default: true
        }
    }

    /// The value of the op on these input values.
    func forward(_ x: [Tensor]) -> Tensor {
        switch self {
        case .add: x[0] + x[1]
        case .subtract: x[0] - x[1]
        case .multiply: x[0] * x[1]
        case .divide: x[0] / x[1]
        case .negate: -x[0]
        case .scale(let c): x[0].scaled(by: c)
        case .addConstant(let c): x[0].adding(c)
        case .exp: x[0].exp()
        case .log: x[0].log()
        case .tanh: x[0].tanh()
        case .power(let c): x[0].power(c)
        case .matmul(let ta, let tb): BLAS.matmul(x[0], x[1], transposeA: ta, transposeB: tb)
        case .sum: x[0].sum()
        case .broadcastScalar(let shape): x[0].broadcastScalar(to: shape)
        case .sumRows: x[0].sumRows()
        case .broadcastRows(let n): x[0].broadcastRows(n)
        case .sumLastAxis: x[0].sumLastAxis()
        case .expandLastAxis(let d): x[0].expandLastAxis(d)
        case .gatherRows(let indices, _): x[0].gatherRows(indices)
        case .indexAddRows(let indices, let rows): x[0].indexAddRows(indices, rows: rows)
        case .reshape(let shape): x[0].reshaped(shape)
        case .logSoftmax: x[0].logSoftmaxLastAxis()
        case .selectColumns(let columns): x[0].selectColumns(columns)
        case .scatterColumns(let columns, let width): x[0].scatterColumns(columns, width: width)
        case .positiveMask: x[0].positiveMask()
        case .rowMaximum: x[0].maxLastAxis()
        case .maximum: x[0].zipWith(x[1], { Swift.max($0, $1) }, { Swift.max($0, $1) })
        case .rowArgmax: Tensor(shape: [x[0].shape[0], 1], x[0].argmaxLastAxis().map(Double.init)).converted(to: x[0].dtype)
        }
    }
}
