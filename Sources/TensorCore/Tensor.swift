/// Element type of a tensor: Float32 for training, Float64 for gradient and curvature checks.
public enum DType: String, Sendable, Equatable, CaseIterable {
    case float32 = "F32"
    case float64 = "F64"
}

/// A dense, row-major tensor of Float32 or Float64 values (value semantics, copy-on-write storage).
public struct Tensor: Sendable, Equatable {
    /// The elements, in row-major order, in one of the two element types.
    public enum Storage: Sendable, Equatable {
        case float32([Float])
        case float64([Double])
    }

    /// Extent of each axis; `[]` is a scalar.
    public let shape: [Int]
    /// The elements.
    public var storage: Storage

    /// A tensor with these elements; `storage` must hold `shape.product` elements.
    public init(shape: [Int], storage: Storage) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        self.shape = shape
        self.storage = storage
        precondition(storage.count == Tensor.count(of: shape), "shape \(shape) needs \(Tensor.count(of: shape)) elements, got \(storage.count)")
    }

    /// A Float32 tensor from values.
    public init(shape: [Int], _ values: [Float]) { self.init(shape: shape, storage: .float32(values)) }

    /// A Float64 tensor from values.
    public init(shape: [Int], _ values: [Double]) { self.init(shape: shape, storage: .float64(values)) }

    /// A scalar (shape `[]`).
    public init(scalar: Double, dtype: DType) {
        self.init(shape: [], storage: dtype == .float32 ? .float32([Float(scalar)]) : .float64([scalar]))
    }

    /// A tensor filled with `value`.
    public static func full(_ shape: [Int], _ value: Double, dtype: DType) -> Tensor {
        let n = count(of: shape)
        switch dtype {
        case .float32: return Tensor(shape: shape, storage: .float32(Array(repeating: Float(value), count: n)))
        case .float64: return Tensor(shape: shape, storage: .float64(Array(repeating: value, count: n)))
        }
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int], dtype: DType) -> Tensor { full(shape, 0, dtype: dtype) }

    /// Number of elements of a shape.
    public static func count(of shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Element type.
    public var dtype: DType {
        switch storage {
        case .float32: .float32
        case .float64: .float64
        }
    }

    /// Number of elements.
    public var count: Int { storage.count }

    /// Number of axes.
    public var rank: Int { shape.count }

    /// The elements as Double (a copy for Float32 tensors).
    public var doubles: [Double] {
        switch storage {
        case .float32(let a): a.map(Double.init)
        case .float64(let a): a
        }
    }

    /// The elements as Float (a copy for Float64 tensors, rounding).
    public var floats: [Float] {
        switch storage {
        case .float32(let a): a
        case .float64(let a): a.map(Float.init)
        }
    }

    /// The single element of a one-element tensor, as Double.
    public var scalarValue: Double {
        precondition(count == 1, "scalarValue of a tensor with shape \(shape)")
        switch storage {
        case .float32(let a): return Double(a[0])
        case .float64(let a): return a[0]
        }
    }

    /// The same elements under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(Tensor.count(of: newShape) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(shape: newShape, storage: storage)
    }

    /// This tensor converted to another element type.
    public func converted(to dtype: DType) -> Tensor {
        if dtype == self.dtype { return self }
        return dtype == .float32 ? Tensor(shape: shape, floats) : Tensor(shape: shape, doubles)
    }
}

extension Tensor.Storage {
    /// Number of elements.
    public var count: Int {
        switch self {
        case .float32(let a): a.count
        case .float64(let a): a.count
        }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = doubles.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(\(dtype.rawValue), shape: \(shape), [\(preview)\(count > 8 ? ", …" : "")])"
    }
}
