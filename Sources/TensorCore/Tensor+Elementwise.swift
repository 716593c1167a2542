// MARK: - Dispatch helpers

extension Tensor {
    /// Applies a scalar function to every element (one closure per element type).
    @inlinable
    public func map(_ f32: (Float) -> Float, _ f64: (Double) -> Double) -> Tensor {
        switch storage {
        case .float32(let a): return Tensor(shape: shape, storage: .float32(mapArray(a, f32)))
        case .float64(let a): return Tensor(shape: shape, storage: .float64(mapArray(a, f64)))
        }
    }

    /// Combines two tensors of the same shape and dtype element by element.
    @inlinable
    public func zipWith(_ other: Tensor, _ f32: (Float, Float) -> Float, _ f64: (Double, Double) -> Double) -> Tensor {
        precondition(shape == other.shape, "elementwise op on shapes \(shape) and \(other.shape)")
        switch (storage, other.storage) {
        case (.float32(let a), .float32(let b)):
            return Tensor(shape: shape, storage: .float32(zipArrays(a, b, f32)))
        case (.float64(let a), .float64(let b)):
            return Tensor(shape: shape, storage: .float64(zipArrays(a, b, f64)))
        default:
            preconditionFailure("elementwise op on dtypes \(dtype) and \(other.dtype)")
        }
    }
}

@inlinable
func mapArray<T>(_ a: [T], _ f: (T) -> T) -> [T] {
    [T](unsafeUninitializedCapacity: a.count) { out, initialized in
        a.withUnsafeBufferPointer { p in
            for i in 0..<p.count { out[i] = f(p[i]) }
        }
        initialized = a.count
    }
}

@inlinable
func zipArrays<T>(_ a: [T], _ b: [T], _ f: (T, T) -> T) -> [T] {
    [T](unsafeUninitializedCapacity: a.count) { out, initialized in
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                for i in 0..<pa.count { out[i] = f(pa[i], pb[i]) }
            }
        }
        initialized = a.count
    }
}

// MARK: - Arithmetic

extension Tensor {
    /// Elementwise sum; shapes must match.
    public static func + (a: Tensor, b: Tensor) -> Tensor { a.zipWith(b, +, +) }
    /// Elementwise difference; shapes must match.
    public static func - (a: Tensor, b: Tensor) -> Tensor { a.zipWith(b, -, -) }
    /// Elementwise product; shapes must match.
    public static func * (a: Tensor, b: Tensor) -> Tensor { a.zipWith(b, *, *) }
    /// Elementwise quotient; shapes must match.
    public static func / (a: Tensor, b: Tensor) -> Tensor { a.zipWith(b, /, /) }
    /// Elementwise negation.
    public static prefix func - (a: Tensor) -> Tensor { a.map({ -$0 }, { -$0 }) }

    /// Every element times `c`.
    public func scaled(by c: Double) -> Tensor {
        let f = Float(c)
        return map({ $0 * f }, { $0 * c })
    }

    /// Every element plus `c`.
    public func adding(_ c: Double) -> Tensor {
        let f = Float(c)
        return map({ $0 + f }, { $0 + c })
    }

    /// e^x elementwise.
    public func exp() -> Tensor { map(Float.exp, Double.exp) }
    /// Natural logarithm elementwise.
    public func log() -> Tensor { map(Float.log, Double.log) }
    /// Hyperbolic tangent elementwise.
    public func tanh() -> Tensor { map(Float.tanh, Double.tanh) }

    /// x^c elementwise for a constant exponent (integral exponents stay exact for negative x).
    public func power(_ c: Double) -> Tensor {
        if c == 2 { return map({ $0 * $0 }, { $0 * $0 }) }
        if c == 1 { return self }
        let f = Float(c)
        return map({ Float.pow($0, f) }, { Double.pow($0, c) })
    }

    /// 1 where x > 0, else 0 (the derivative of ReLU, a constant for autodiff).
    public func positiveMask() -> Tensor { map({ $0 > 0 ? 1 : 0 }, { $0 > 0 ? 1 : 0 }) }

    /// -1, 0 or 1 by the sign of each element.
    public func signs() -> Tensor {
        map({ $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }, { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) })
    }

    /// True when every element is finite.
    public var isFinite: Bool {
        switch storage {
        case .float32(let a): a.allSatisfy(\.isFinite)
        case .float64(let a): a.allSatisfy(\.isFinite)
        }
    }
}
