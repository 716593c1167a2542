// Reductions accumulate in Double whatever the dtype: sums over thousands of Float32 terms then
// agree with a Float64 reference to Float32 rounding, and the order is fixed (deterministic).

extension Tensor {
    /// Sum of all elements, shape `[]`.
    public func sum() -> Tensor {
        Tensor(scalar: doubles.withUnsafeBufferPointer { p in p.reduce(0, +) }, dtype: dtype)
    }

    /// Sum of squares of all elements, as Double.
    public func squaredNorm() -> Double {
        switch storage {
        case .float32(let a): return a.reduce(0.0) { $0 + Double($1) * Double($1) }
        case .float64(let a): return a.reduce(0.0) { $0 + $1 * $1 }
        }
    }

    /// Sum over rows: `[n, d]` → `[d]`.
    public func sumRows() -> Tensor {
        precondition(rank == 2, "sumRows needs rank 2, got \(shape)")
        let n = shape[0], d = shape[1]
        return rowReduce(n: n, d: d)
    }

    private func rowReduce(n: Int, d: Int) -> Tensor {
        var acc = [Double](repeating: 0, count: d)
        switch storage {
        case .float32(let a):
            a.withUnsafeBufferPointer { p in for i in 0..<n { for j in 0..<d { acc[j] += Double(p[i * d + j]) } } }
            return Tensor(shape: [d], acc.map(Float.init))
        case .float64(let a):
            a.withUnsafeBufferPointer { p in for i in 0..<n { for j in 0..<d { acc[j] += p[i * d + j] } } }
            return Tensor(shape: [d], acc)
        }
    }

    /// Sum over the last axis: `[n, d]` → `[n, 1]`.
    public func sumLastAxis() -> Tensor {
        precondition(rank == 2, "sumLastAxis needs rank 2, got \(shape)")
        let n = shape[0], d = shape[1]
        switch storage {
        case .float32(let a):
            let out = a.withUnsafeBufferPointer { p in
                (0..<n).map { i in Float((0..<d).reduce(0.0) { $0 + Double(p[i * d + $1]) }) }
            }
            return Tensor(shape: [n, 1], out)
        case .float64(let a):
            let out = a.withUnsafeBufferPointer { p in (0..<n).map { i in (0..<d).reduce(0.0) { $0 + p[i * d + $1] } } }
            return Tensor(shape: [n, 1], out)
        }
    }

    /// Maximum over the last axis: `[n, d]` → `[n, 1]` (d ≥ 1).
    public func maxLastAxis() -> Tensor {
        precondition(rank == 2 && shape[1] > 0, "maxLastAxis needs rank 2 with d ≥ 1, got \(shape)")
        let n = shape[0], d = shape[1]
        switch storage {
        case .float32(let a):
            return Tensor(shape: [n, 1], (0..<n).map { i in a[(i * d)..<(i * d + d)].max()! })
        case .float64(let a):
            return Tensor(shape: [n, 1], (0..<n).map { i in a[(i * d)..<(i * d + d)].max()! })
        }
    }

    /// Index of the maximum in each row of `[n, d]` (first one on ties).
    public func argmaxLastAxis() -> [Int] {
        precondition(rank == 2 && shape[1] > 0, "argmaxLastAxis needs rank 2 with d ≥ 1, got \(shape)")
        let n = shape[0], d = shape[1]
        let values = doubles
        return (0..<n).map { i in
            var best = 0
            for j in 1..<d where values[i * d + j] > values[i * d + best] { best = j }
            return best
        }
    }
}

// MARK: - Broadcasts (the adjoints of the reductions above)

extension Tensor {
    /// Repeats a `[d]` vector as `n` rows: `[d]` → `[n, d]`.
    public func broadcastRows(_ n: Int) -> Tensor {
        precondition(rank == 1, "broadcastRows needs rank 1, got \(shape)")
        switch storage {
        case .float32(let a): return Tensor(shape: [n, a.count], Array([[Float]](repeating: a, count: n).joined()))
        case .float64(let a): return Tensor(shape: [n, a.count], Array([[Double]](repeating: a, count: n).joined()))
        }
    }

    /// Repeats each row's single value across `d` columns: `[n, 1]` → `[n, d]`.
    public func expandLastAxis(_ d: Int) -> Tensor {
        precondition(rank == 2 && shape[1] == 1, "expandLastAxis needs shape [n, 1], got \(shape)")
        switch storage {
        case .float32(let a): return Tensor(shape: [shape[0], d], a.flatMap { Array(repeating: $0, count: d) })
        case .float64(let a): return Tensor(shape: [shape[0], d], a.flatMap { Array(repeating: $0, count: d) })
        }
    }

    /// A scalar (any one-element tensor) repeated to `shape`.
    public func broadcastScalar(to newShape: [Int]) -> Tensor {
        Tensor.full(newShape, scalarValue, dtype: dtype)
    }
}
