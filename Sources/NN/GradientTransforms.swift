import TensorCore

/// Scales `gradient` `[P]` down so that its L2 norm is at most `maxNorm`; returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ gradient: inout Tensor, maxNorm: Double) -> Double {
    let norm = gradient.squaredNorm().squareRoot()
    if maxNorm > 0, norm > maxNorm { gradient = gradient.scaled(by: maxNorm / norm) }
    return norm
}

/// Grokfast's slow-gradient amplifier (Lee et al. 2024, "Grokfast"): keeps an exponential moving
/// average of past gradients and adds it, amplified, to the current one:
/// ema ← α·ema + (1 − α)·g;  g ← g + λ·ema.
public struct SlowGradientAmplifier: Sendable, Equatable {
    /// EMA momentum α in [0, 1).
    public var alpha: Double
    /// Amplification λ ≥ 0 (0 turns the filter off).
    public var lambda: Double
    /// The running average `[P]`, absent before the first step.
    public var average: Tensor?

    public init(alpha: Double, lambda: Double, average: Tensor? = nil) {
        self.alpha = alpha; self.lambda = lambda; self.average = average
    }

    /// Filters `gradient` `[P]` in place.
    public mutating func apply(to gradient: inout Tensor) {
        guard lambda > 0 else { return }
        observe(gradient)
        gradient = gradient + average!.scaled(by: lambda)
    }

    /// Moves the average toward `gradient` `[P]` without filtering anything.
    public mutating func observe(_ gradient: Tensor) {
        average = average.map { $0.scaled(by: alpha) + gradient.scaled(by: 1 - alpha) } ?? gradient
    }
}
