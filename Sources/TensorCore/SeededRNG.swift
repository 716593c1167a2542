import Foundation

/// A small, fast, seedable random generator (xoshiro256**), passed explicitly wherever randomness
/// is needed so that every run is reproducible from its seed. Its state can be saved and restored.
public struct SeededRNG: RandomNumberGenerator, Sendable, Equatable {
    /// The four state words (saved in checkpoints).
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator seeded by expanding `seed` with SplitMix64.
    public init(seed: UInt64) {
        var s = seed
        func splitmix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    /// A generator continuing from a saved state.
    public init(state: (UInt64, UInt64, UInt64, UInt64)) { self.state = state }

    public static func == (a: SeededRNG, b: SeededRNG) -> Bool { a.state == b.state }

    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal (Box–Muller; no cached spare, so the state alone determines the stream).
    public mutating func normal() -> Double {
        var u1 = uniform()
        while u1 == 0 { u1 = uniform() }
        let u2 = uniform()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * .pi * u2)
    }

    /// A tensor of independent normals with this standard deviation.
    public mutating func normalTensor(_ shape: [Int], std: Double, dtype: DType) -> Tensor {
        let values = (0..<Tensor.count(of: shape)).map { _ in normal() * std }
        return Tensor(shape: shape, values).converted(to: dtype)
    }

    /// A tensor of independent uniforms in [low, high).
    public mutating func uniformTensor(_ shape: [Int], low: Double, high: Double, dtype: DType) -> Tensor {
        let values = (0..<Tensor.count(of: shape)).map { _ in low + (high - low) * uniform() }
        return Tensor(shape: shape, values).converted(to: dtype)
    }

    /// A tensor of independent random signs (±1, Rademacher).
    public mutating func rademacherTensor(_ shape: [Int], dtype: DType) -> Tensor {
        let values = (0..<Tensor.count(of: shape)).map { _ in next() >> 63 == 0 ? 1.0 : -1.0 }
        return Tensor(shape: shape, values).converted(to: dtype)
    }
}
