import TensorCore

// MARK: - Arithmetic

extension Variable {
    /// Elementwise sum; shapes must match.
    public static func + (a: Variable, b: Variable) -> Variable { Variable(.add, [a, b]) }
    /// Elementwise difference; shapes must match.
    public static func - (a: Variable, b: Variable) -> Variable { Variable(.subtract, [a, b]) }
    /// Elementwise product; shapes must match.
    public static func * (a: Variable, b: Variable) -> Variable { Variable(.multiply, [a, b]) }
    /// Elementwise quotient; shapes must match.
    public static func / (a: Variable, b: Variable) -> Variable { Variable(.divide, [a, b]) }
    /// Elementwise negation.
    public static prefix func - (a: Variable) -> Variable { Variable(.negate, [a]) }
    /// c − x elementwise.
    public static func - (c: Double, a: Variable) -> Variable { (-a).adding(c) }

    /// x · c.
    public func scaled(by c: Double) -> Variable { Variable(.scale(c), [self]) }
    /// x + c.
    public func adding(_ c: Double) -> Variable { Variable(.addConstant(c), [self]) }
    /// eˣ elementwise.
    public func exp() -> Variable { Variable(.exp, [self]) }
    /// ln x elementwise.
    public func log() -> Variable { Variable(.log, [self]) }
    /// tanh x elementwise.
    public func tanh() -> Variable { Variable(.tanh, [self]) }
    /// xᶜ elementwise, constant c.
    public func power(_ c: Double) -> Variable { Variable(.power(c), [self]) }
}

/// `op(a) · op(b)` of rank-2 variables: `op(a)` is `[m, k]`, `op(b)` is `[k, n]`, the result `[m, n]`.
public func matmul(_ a: Variable, _ b: Variable, transposeA: Bool = false, transposeB: Bool = false) -> Variable {
    Variable(.matmul(transposeA: transposeA, transposeB: transposeB), [a, b])
}

// MARK: - Reductions, broadcasts, indexing

extension Variable {
    /// Sum of all elements, shape `[]`.
    public func sum() -> Variable { Variable(.sum, [self]) }
    /// Mean of all elements, shape `[]`.
    public func mean() -> Variable { sum().scaled(by: 1 / Double(max(value.count, 1))) }
    /// A one-element variable repeated to `shape`.
    public func broadcastScalar(to shape: [Int]) -> Variable { Variable(.broadcastScalar(shape), [self]) }
    /// `[n, d]` → `[d]`.
    public func sumRows() -> Variable { Variable(.sumRows, [self]) }
    /// `[d]` → `[n, d]`.
    public func broadcastRows(_ n: Int) -> Variable { Variable(.broadcastRows(n), [self]) }
    /// `[n, d]` → `[n, 1]`.
    public func sumLastAxis() -> Variable { Variable(.sumLastAxis, [self]) }
    /// `[n, 1]` → `[n, d]`.
    public func expandLastAxis(_ d: Int) -> Variable { Variable(.expandLastAxis(d), [self]) }
    /// Rows of this `[rows, d]` table: → `[indices.count, d]`.
    public func gatherRows(_ indices: [Int32], rows: Int? = nil) -> Variable {
        Variable(.gatherRows(indices, rows: rows ?? shape[0]), [self])
    }
    /// Rows of this `[indices.count, d]` added into a zero `[rows, d]` table.
    public func indexAddRows(_ indices: [Int32], rows: Int) -> Variable {
        Variable(.indexAddRows(indices, rows: rows), [self])
    }
    /// Same elements under a new shape.
    public func reshaped(_ shape: [Int]) -> Variable { Variable(.reshape(shape), [self]) }
    /// Element `columns[i]` of each row i of `[n, d]`: → `[n, 1]`.
    public func selectColumns(_ columns: [Int32]) -> Variable { Variable(.selectColumns(columns), [self]) }
    /// Row i's value of `[n, 1]` at column `columns[i]` of a zero `[n, width]`.
    public func scatterColumns(_ columns: [Int32], width: Int) -> Variable {
        Variable(.scatterColumns(columns, width: width), [self])
    }
}
