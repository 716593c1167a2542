/// Direct access to a tensor's elements for kernels that are generic over the element type.
extension Tensor {
    /// Calls `body` with a pointer to the elements, which must be `T`s.
    @inlinable
    public func withUnsafeElements<T: TensorScalar, R>(as: T.Type, _ body: (UnsafePointer<T>) -> R) -> R {
        switch storage {
        case .float32(let a):
            precondition(T.self == Float.self, "a Float32 tensor where \(T.self) is expected")
            return a.withUnsafeBufferPointer { body(UnsafeRawPointer($0.baseAddress ?? UnsafePointer(bitPattern: 8)!).assumingMemoryBound(to: T.self)) }
        case .float64(let a):
            precondition(T.self == Double.self, "a Float64 tensor where \(T.self) is expected")
            return a.withUnsafeBufferPointer { body(UnsafeRawPointer($0.baseAddress ?? UnsafePointer(bitPattern: 8)!).assumingMemoryBound(to: T.self)) }
        }
    }

    /// Calls `body` with a pointer to the elements, which must be `T`s, to overwrite them in place:
    /// the storage is taken out while `body` runs, so it is not copied when this tensor holds the
    /// only reference to it.
    @inlinable
    public mutating func withUnsafeMutableElements<T: TensorScalar, R>(as: T.Type, _ body: (UnsafeMutablePointer<T>) -> R) -> R {
        switch storage {
        case .float32(var a):
            precondition(T.self == Float.self, "a Float32 tensor where \(T.self) is expected")
            storage = .float32([])
            let result = a.withUnsafeMutableBufferPointer {
                body(UnsafeMutableRawPointer($0.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!).assumingMemoryBound(to: T.self))
            }
            storage = .float32(a)
            return result
        case .float64(var a):
            precondition(T.self == Double.self, "a Float64 tensor where \(T.self) is expected")
            storage = .float64([])
            let result = a.withUnsafeMutableBufferPointer {
                body(UnsafeMutableRawPointer($0.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!).assumingMemoryBound(to: T.self))
            }
            storage = .float64(a)
            return result
        }
    }
}
