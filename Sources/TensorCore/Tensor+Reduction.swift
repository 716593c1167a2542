// Reductions accumulate in Double whatever the dtype: sums over thousands of Float32 terms then
// agree with a Float64 reference to Float32 rounding, and the order is fixed (deterministic).

extension Tensor {
    /// Sum of all elements, shape `[]`.
    public func sum() -> Tensor {
        switch storage {
        case .float32(let a): return Tensor(scalar: total(a), dtype: .float32)
        case .float64(let a): return Tensor(scalar: total(a), dtype: .float64)
        }
    }

    /// Sum of squares of all elements, as Double.
    public func squaredNorm() -> Double {
        switch storage {
        case .float32(let a): return squaredTotal(a)
        case .float64(let a): return squaredTotal(a)
        }
    }

    /// Sum over rows: `[n, d]` → `[d]`.
    public func sumRows() -> Tensor {
        precondition(rank == 2, "sumRows needs rank 2, got \(shape)")
        switch storage {
        case .float32(let a): return Tensor(shape: [shape[1]], storage: .float32(columnSums(a, shape[0], shape[1])))
        case .float64(let a): return Tensor(shape: [shape[1]], storage: .float64(columnSums(a, shape[0], shape[1])))
        }
    }

    /// Sum over the last axis: `[n, d]` → `[n, 1]`.
    public func sumLastAxis() -> Tensor {
        precondition(rank == 2, "sumLastAxis needs rank 2, got \(shape)")
        switch storage {
        case .float32(let a): return Tensor(shape: [shape[0], 1], storage: .float32(rowSums(a, shape[0], shape[1])))
        case .float64(let a): return Tensor(shape: [shape[0], 1], storage: .float64(rowSums(a, shape[0], shape[1])))
        }
    }

    /// Maximum over the last axis: `[n, d]` → `[n, 1]` (d ≥ 1).
    public func maxLastAxis() -> Tensor {
        precondition(rank == 2 && shape[1] > 0, "maxLastAxis needs rank 2 with d ≥ 1, got \(shape)")
        switch storage {
        case .float32(let a): return Tensor(shape: [shape[0], 1], storage: .float32(rowMaxima(a, shape[0], shape[1])))
        case .float64(let a): return Tensor(shape: [shape[0], 1], storage: .float64(rowMaxima(a, shape[0], shape[1])))
        }
    }

    /// Index of the maximum in each row of `[n, d]` (first one on ties).
    public func argmaxLastAxis() -> [Int] {
        precondition(rank == 2 && shape[1] > 0, "argmaxLastAxis needs rank 2 with d ≥ 1, got \(shape)")
        switch storage {
        case .float32(let a): return rowArgmax(a, shape[0], shape[1])
        case .float64(let a): return rowArgmax(a, shape[0], shape[1])
        }
    }
}

// MARK: - Row-wise log-softmax

extension Tensor {
    /// Row-wise log-softmax of `[n, d]` in one pass per row: x − max − log Σ exp(x − max).
    public func logSoftmaxLastAxis() -> Tensor {
        precondition(rank == 2 && shape[1] > 0, "logSoftmaxLastAxis needs rank 2 with d ≥ 1, got \(shape)")
        switch storage {
        case .float32(let a): return Tensor(shape: shape, storage: .float32(rowLogSoftmax(a, shape[0], shape[1])))
        case .float64(let a): return Tensor(shape: shape, storage: .float64(rowLogSoftmax(a, shape[0], shape[1])))
        }
    }
}

// MARK: - Broadcasts (the adjoints of the reductions above)

extension Tensor {
    /// Repeats a `[d]` vector as `n` rows: `[d]` → `[n, d]`.
    public func broadcastRows(_ n: Int) -> Tensor {
        precondition(rank == 1, "broadcastRows needs rank 1, got \(shape)")
        switch storage {
        case .float32(let a): return Tensor(shape: [n, a.count], storage: .float32(tileRows(a, n)))
        case .float64(let a): return Tensor(shape: [n, a.count], storage: .float64(tileRows(a, n)))
        }
    }

    /// Repeats each row's single value across `d` columns: `[n, 1]` → `[n, d]`.
    public func expandLastAxis(_ d: Int) -> Tensor {
        precondition(rank == 2 && shape[1] == 1, "expandLastAxis needs shape [n, 1], got \(shape)")
        switch storage {
        case .float32(let a): return Tensor(shape: [shape[0], d], storage: .float32(repeatEach(a, d)))
        case .float64(let a): return Tensor(shape: [shape[0], d], storage: .float64(repeatEach(a, d)))
        }
    }

    /// A scalar (any one-element tensor) repeated to `shape`.
    public func broadcastScalar(to newShape: [Int]) -> Tensor {
        Tensor.full(newShape, scalarValue, dtype: dtype)
    }
}

// MARK: - Kernels (generic, specialized for Float and Double in this module)

func total<T: TensorScalar>(_ a: [T]) -> Double {
    a.withUnsafeBufferPointer { p in
        var s = 0.0
        for x in p { s += Double(x) }
        return s
    }
}

func squaredTotal<T: TensorScalar>(_ a: [T]) -> Double {
    a.withUnsafeBufferPointer { p in
        var s = 0.0
        for x in p { let d = Double(x); s += d * d }
        return s
    }
}

func columnSums<T: TensorScalar>(_ a: [T], _ n: Int, _ d: Int) -> [T] {
    var acc = [Double](repeating: 0, count: d)
    a.withUnsafeBufferPointer { p in
        acc.withUnsafeMutableBufferPointer { s in
            for i in 0..<n {
                let row = p.baseAddress! + i * d
                for j in 0..<d { s[j] += Double(row[j]) }
            }
        }
    }
    return acc.map { T($0) }
}

func rowSums<T: TensorScalar>(_ a: [T], _ n: Int, _ d: Int) -> [T] {
    [T](unsafeUninitializedCapacity: n) { out, initialized in
        a.withUnsafeBufferPointer { p in
            for i in 0..<n { out[i] = T(RowKernels.sum(p.baseAddress! + i * d, d)) }
        }
        initialized = n
    }
}

func rowMaxima<T: TensorScalar>(_ a: [T], _ n: Int, _ d: Int) -> [T] {
    [T](unsafeUninitializedCapacity: n) { out, initialized in
        a.withUnsafeBufferPointer { p in
            for i in 0..<n { out[i] = RowKernels.maximum(p.baseAddress! + i * d, d) }
        }
        initialized = n
    }
}

func rowArgmax<T: TensorScalar>(_ a: [T], _ n: Int, _ d: Int) -> [Int] {
    a.withUnsafeBufferPointer { p in (0..<n).map { RowKernels.argmax(p.baseAddress! + $0 * d, d) } }
}

func rowLogSoftmax<T: TensorScalar>(_ a: [T], _ n: Int, _ d: Int) -> [T] {
    [T](unsafeUninitializedCapacity: n * d) { out, initialized in
        a.withUnsafeBufferPointer { p in
            for i in 0..<n { RowKernels.logSoftmax(p.baseAddress! + i * d, out.baseAddress! + i * d, d) }
        }
        initialized = n * d
    }
}

func tileRows<T>(_ a: [T], _ n: Int) -> [T] {
    let d = a.count
    return [T](unsafeUninitializedCapacity: n * d) { out, initialized in
        a.withUnsafeBufferPointer { src in
            for i in 0..<n { (out.baseAddress! + i * d).initialize(from: src.baseAddress!, count: d) }
        }
        initialized = n * d
    }
}

func repeatEach<T>(_ a: [T], _ d: Int) -> [T] {
    let n = a.count
    return [T](unsafeUninitializedCapacity: n * d) { out, initialized in
        a.withUnsafeBufferPointer { src in
            for i in 0..<n { (out.baseAddress! + i * d).initialize(repeating: src[i], count: d) }
        }
        initialized = n * d
    }
}
