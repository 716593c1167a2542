extension Tensor {
    /// Rows of a `[V, d]` table picked by `indices` (each in 0..<V): → `[n, d]` with n = indices.count.
    public func gatherRows(_ indices: [Int32]) -> Tensor {
        precondition(rank == 2, "gatherRows needs a rank-2 table, got \(shape)")
        let v = shape[0], d = shape[1]
        func gather<T>(_ table: [T]) -> [T] {
            [T](unsafeUninitializedCapacity: indices.count * d) { out, initialized in
                table.withUnsafeBufferPointer { t in
                    for (row, index) in indices.enumerated() {
                        let i = Int(index)
                        precondition(i >= 0 && i < v, "gather index \(i) outside 0..<\(v)")
                        let src = t.baseAddress! + i * d
                        (out.baseAddress! + row * d).initialize(from: src, count: d)
                    }
                }
                initialized = indices.count * d
            }
        }
        switch storage {
        case .float32(let a): return Tensor(shape: [indices.count, d], storage: .float32(gather(a)))
        case .float64(let a): return Tensor(shape: [indices.count, d], storage: .float64(gather(a)))
        }
    }

    /// Adds row `r` of this `[n, d]` tensor into row `indices[r]` of a zero `[rows, d]` table
    /// (the adjoint of `gatherRows`).
    public func indexAddRows(_ indices: [Int32], rows: Int) -> Tensor {
        precondition(rank == 2 && shape[0] == indices.count, "indexAddRows: shape \(shape) for \(indices.count) indices")
        let d = shape[1]
        func scatter<T: TensorScalar>(_ src: [T]) -> [T] {
            var out = [T](repeating: 0, count: rows * d)
            out.withUnsafeMutableBufferPointer { o in
                src.withUnsafeBufferPointer { s in
                    for (row, index) in indices.enumerated() {
                        let base = Int(index) * d, from = row * d
                        for j in 0..<d { o[base + j] += s[from + j] }
                    }
                }
            }
            return out
        }
        switch storage {
        case .float32(let a): return Tensor(shape: [rows, d], storage: .float32(scatter(a)))
        case .float64(let a): return Tensor(shape: [rows, d], storage: .float64(scatter(a)))
        }
    }

    /// One element per row of `[n, d]`: `columns[i]` of row i, → `[n, 1]`.
    public func selectColumns(_ columns: [Int32]) -> Tensor {
        precondition(rank == 2 && shape[0] == columns.count, "selectColumns: shape \(shape) for \(columns.count) columns")
        let d = shape[1]
        func select<T>(_ a: [T]) -> [T] { columns.enumerated().map { a[$0.offset * d + Int($0.element)] } }
        switch storage {
        case .float32(let a): return Tensor(shape: [columns.count, 1], storage: .float32(select(a)))
        case .float64(let a): return Tensor(shape: [columns.count, 1], storage: .float64(select(a)))
        }
    }

    /// Places row i's single value of `[n, 1]` at column `columns[i]` of a zero `[n, width]`
    /// (the adjoint of `selectColumns`).
    public func scatterColumns(_ columns: [Int32], width: Int) -> Tensor {
        precondition(rank == 2 && shape[1] == 1 && shape[0] == columns.count, "scatterColumns: shape \(shape) for \(columns.count) columns")
        func scatter<T: TensorScalar>(_ a: [T]) -> [T] {
            var out = [T](repeating: 0, count: columns.count * width)
            out.withUnsafeMutableBufferPointer { o in
                for (i, c) in columns.enumerated() { o[i * width + Int(c)] = a[i] }
            }
            return out
        }
        switch storage {
        case .float32(let a): return Tensor(shape: [columns.count, width], storage: .float32(scatter(a)))
        case .float64(let a): return Tensor(shape: [columns.count, width], storage: .float64(scatter(a)))
        }
    }

    /// Rank-2 tensors side by side: `[n, d₁]`, `[n, d₂]`, … → `[n, d₁ + d₂ + …]`.
    public static func concatenatingColumns(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty && parts.allSatisfy { $0.rank == 2 && $0.shape[0] == parts[0].shape[0] && $0.dtype == parts[0].dtype },
                     "concatenatingColumns needs rank-2 tensors with equal rows and dtype, got \(parts.map(\.shape))")
        let n = parts[0].shape[0], widths = parts.map { $0.shape[1] }, total = widths.reduce(0, +)
        func join<T>(_ arrays: [[T]]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(n * total)
            for row in 0..<n {
                for (array, d) in zip(arrays, widths) { out.append(contentsOf: array[(row * d)..<(row * d + d)]) }
            }
            return out
        }
        switch parts[0].dtype {
        case .float32: return Tensor(shape: [n, total], storage: .float32(join(parts.map(\.floats))))
        case .float64: return Tensor(shape: [n, total], storage: .float64(join(parts.map(\.doubles))))
        }
    }

    /// Rank-2 tensors stacked: `[n₁, d]`, `[n₂, d]`, … → `[n₁ + n₂ + …, d]`.
    public static func concatenatingRows(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty && parts.allSatisfy { $0.rank == 2 && $0.shape[1] == parts[0].shape[1] && $0.dtype == parts[0].dtype },
                     "concatenatingRows needs rank-2 tensors with equal columns and dtype, got \(parts.map(\.shape))")
        let rows = parts.map { $0.shape[0] }.reduce(0, +)
        switch parts[0].dtype {
        case .float32: return Tensor(shape: [rows, parts[0].shape[1]], storage: .float32(parts.flatMap(\.floats)))
        case .float64: return Tensor(shape: [rows, parts[0].shape[1]], storage: .float64(parts.flatMap(\.doubles)))
        }
    }

    /// Columns `range` of a rank-2 tensor: `[n, d]` → `[n, range.count]` (the adjoint of concatenation).
    public func slicingColumns(_ range: Range<Int>) -> Tensor {
        precondition(rank == 2 && range.lowerBound >= 0 && range.upperBound <= shape[1], "slicingColumns \(range) of \(shape)")
        let n = shape[0], d = shape[1]
        func slice<T>(_ a: [T]) -> [T] { (0..<n).flatMap { a[($0 * d + range.lowerBound)..<($0 * d + range.upperBound)] } }
        switch storage {
        case .float32(let a): return Tensor(shape: [n, range.count], storage: .float32(slice(a)))
        case .float64(let a): return Tensor(shape: [n, range.count], storage: .float64(slice(a)))
        }
    }

    /// The transpose of a rank-2 tensor: `[m, n]` → `[n, m]`.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed needs rank 2, got \(shape)")
        let m = shape[0], n = shape[1]
        func transpose<T>(_ a: [T]) -> [T] {
            [T](unsafeUninitializedCapacity: a.count) { out, initialized in
                for i in 0..<m { for j in 0..<n { out[j * m + i] = a[i * n + j] } }
                initialized = a.count
            }
        }
        switch storage {
        case .float32(let a): return Tensor(shape: [n, m], storage: .float32(transpose(a)))
        case .float64(let a): return Tensor(shape: [n, m], storage: .float64(transpose(a)))
        }
    }

    /// One-hot rows: `[labels.count, classes]` with a 1 at each label.
    public static func oneHot(_ labels: [Int32], classes: Int, dtype: DType) -> Tensor {
        func build<T: TensorScalar>(_: T.Type) -> [T] {
            var out = [T](repeating: 0, count: labels.count * classes)
            out.withUnsafeMutableBufferPointer { o in
                for (i, label) in labels.enumerated() { o[i * classes + Int(label)] = 1 }
            }
            return out
        }
        switch dtype {
        case .float32: return Tensor(shape: [labels.count, classes], storage: .float32(build(Float.self)))
        case .float64: return Tensor(shape: [labels.count, classes], storage: .float64(build(Double.self)))
        }
    }
}
