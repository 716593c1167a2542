// The gradient table: for each primitive, the vector-Jacobian product written in differentiable
// ops, so that differentiating a gradient (double backward) is exact. Read each rule as the math:
// `g` is ∂L/∂y for y = op(inputs), and the rule returns ∂L/∂input for each input.

extension Primitive {
    /// ∂L/∂inputs given the inputs, the output `y` and the cotangent `g` = ∂L/∂y; nil where an
    /// input gets no gradient through this op.
    func vectorJacobianProduct(_ x: [Variable], _ y: Variable, _ g: Variable) -> [Variable?] {
        switch self {
        case .add: return [g, g]
        case .subtract: return [g, -g]
        case .multiply: return [g * x[1], g * x[0]]
        case .divide:  // y = a / b: ∂a = g / b, ∂b = -g·a / b²
            return [g / x[1], -(g * x[0]) / (x[1] * x[1])]
        case .negate: return [-g]
        case .scale(let c): return [g.scaled(by: c)]
        case .addConstant: return [g]
        case .exp: return [g * y]
        case .log: return [g / x[0]]
        case .tanh: return [g * (1 - y * y)]
        case .power(let c):
            if c == 2 { return [(g * x[0]).scaled(by: 2)] }
            return [g * x[0].power(c - 1).scaled(by: c)]
        case .matmul(let ta, let tb):
            // y = op(a)·op(b). For plain a, b: ∂a = g·bᵀ, ∂b = aᵀ·g; transposes swap the roles.
            let a = x[0], b = x[1]
            let da = ta ? Autograd.matmul(b, g, transposeA: tb, transposeB: true) : Autograd.matmul(g, b, transposeB: !tb)
            let db = tb ? Autograd.matmul(g, a, transposeA: true, transposeB: ta) : Autograd.matmul(a, g, transposeA: !ta)
            return [da, db]
        case .sum: return [g.broadcastScalar(to: x[0].shape)]
        case .broadcastScalar: return [g.sum()]
        case .sumRows: return [g.broadcastRows(x[0].shape[0])]
        case .broadcastRows: return [g.sumRows()]
        case .sumLastAxis: return [g.expandLastAxis(x[0].shape[1])]
        case .expandLastAxis: return [g.sumLastAxis()]
        case .gatherRows(let indices, let rows): return [g.indexAddRows(indices, rows: rows)]
        case .indexAddRows(let indices, let rows): return [g.gatherRows(indices, rows: rows)]
        case .reshape: return [g.reshaped(x[0].shape)]
        case .logSoftmax:  // y = x − lse(x): ∂x = g − softmax(x)·Σⱼ gⱼ, with softmax(x) = eʸ
            return [g - y.exp() * g.sumLastAxis().expandLastAxis(y.shape[1])]
        case .selectColumns(let columns): return [g.scatterColumns(columns, width: x[0].shape[1])]
        case .scatterColumns(let columns, _): return [g.selectColumns(columns)]
        case .positiveMask, .rowMaximum, .rowArgmax: return [nil]
        case .maximum: return [nil, nil]
        }
    }
}
