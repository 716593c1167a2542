import Foundation

/// The element types a tensor can hold, with the math the kernels need.
///
/// Kernels are written once, generic over `TensorScalar`, and specialized for Float and Double
/// inside this module, so a kernel call dispatches on the dtype once and never per element.
public protocol TensorScalar: BinaryFloatingPoint, Sendable {
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
    /// A tensor of these elements.
    static func tensor(shape: [Int], _ values: [Self]) -> Tensor
    /// `c = op(a)·op(b)` on row-major buffers by OpenBLAS (β = 0): `op(a)` is `[m, k]` with leading
    /// dimension `lda`, `op(b)` is `[k, n]` with `ldb`, `c` is `[m, n]`; m, n, k ≥ 1.
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int, _ c: UnsafeMutablePointer<Self>)
}

extension Float: TensorScalar {
    /// eˣ in the Cephes `expf` form (range reduction by ln 2, degree-6 polynomial, 2ⁿ built from
    /// bits; about 1 ulp): unlike libm's call it inlines and vectorizes, which made the fused
    /// log-softmax 3× faster. Results below e⁻⁸⁷ (the smallest normal) flush to 0.
    @inlinable public static func exp(_ x: Float) -> Float {
        let clamped = Swift.min(Swift.max(x, -87.336_54), 88.376_26)
        // n = floor(y) without libm's floorf call, which kept the whole loop scalar: the 1.5·2²³
        // trick rounds to nearest (exact for |y| < 2²²; here |y| < 128), then a select steps down.
        let y = clamped * 1.442_695_04 + 0.5
        let nearest = (y + 12_582_912) - 12_582_912
        let n = nearest > y ? nearest - 1 : nearest
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_40e-4
        var p: Float = 1.987_569_150_0e-4
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let value = p * r * r + r + 1
        // 2ⁿ without a (trapping, unvectorizable) Float→Int conversion: adding 2²³ puts n + 127
        // in the low mantissa bits, which the shift moves into the exponent field.
        let scale = Float(bitPattern: (n + 8_388_735).bitPattern << 23)
        return x < -87.336_54 ? 0 : (x > 88.376_26 ? .infinity : value * scale)
    }
    public static func tensor(shape: [Int], _ values: [Float]) -> Tensor { Tensor(shape: shape, values) }
    @inlinable public static func log(_ x: Float) -> Float { Foundation.logf(x) }
    @inlinable public static func tanh(_ x: Float) -> Float { Foundation.tanhf(x) }
    @inlinable public static func pow(_ x: Float, _ y: Float) -> Float { Foundation.powf(x, y) }
}

extension Double: TensorScalar {
    @inlinable public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    public static func tensor(shape: [Int], _ values: [Double]) -> Tensor { Tensor(shape: shape, values) }
    @inlinable public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inlinable public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
}
