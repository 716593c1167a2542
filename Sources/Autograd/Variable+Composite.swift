import TensorCore

// Composite functions: built from primitives only, so they need no gradient rules of their own.

extension Variable {
    /// max(x, 0) elementwise, as x · 1[x > 0] with the mask gradient-free.
    public func relu() -> Variable { self * Variable(.positiveMask, [self]) }

    /// The row maximum of `[n, d]` (d ≥ 1), → `[n, 1]`, without a gradient (a shift for stable exponentials).
    public func rowMaximumWithoutGradient() -> Variable { Variable(.rowMaximum, [self]) }

    /// The first position of each row's maximum of `[n, d]` (d ≥ 1), → `[n, 1]` as numbers, without a gradient.
    public func rowArgmaxWithoutGradient() -> Variable { Variable(.rowArgmax, [self]) }

    /// max(self, other) elementwise, same shapes, without a gradient.
    public func maximumWithoutGradient(_ other: Variable) -> Variable { Variable(.maximum, [self, other]) }

    /// x² elementwise.
    public func squared() -> Variable { power(2) }

    /// GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    public func gelu() -> Variable {
        let inner = (self + power(3).scaled(by: 0.044715)).scaled(by: (2 / Double.pi).squareRoot())
        return (self * inner.tanh().adding(1)).scaled(by: 0.5)
    }

    /// log Σⱼ exp(xᵢⱼ) for each row of `[n, d]`, → `[n, 1]`. The row maximum is subtracted without
    /// a gradient: exact in value and gradient, and it never overflows.
    public func logSumExpLastAxis() -> Variable {
        let m = rowMaximumWithoutGradient()
        return (self - m.expandLastAxis(shape[1])).exp().sumLastAxis().log() + m
    }

    /// Row-wise log-softmax of `[n, d]`, by the fused primitive: it runs in one pass per row where the
    /// composite `self − logSumExpLastAxis()` makes nine temporaries, and the tests hold the two equal.
    public func logSoftmaxLastAxis() -> Variable { Variable(.logSoftmax, [self]) }

    /// Row-wise log-softmax of `[n, d]` composed from primitives (the reference for the fused one).
    public func logSoftmaxLastAxisComposite() -> Variable { self - logSumExpLastAxis().expandLastAxis(shape[1]) }

    /// Row-wise softmax of `[n, d]`.
    public func softmaxLastAxis() -> Variable { logSoftmaxLastAxis().exp() }

    /// Row-wise layer normalization of `[n, d]` (no affine part): (x − mean) / √(var + ε).
    public func layerNormalizedLastAxis(epsilon: Double = 1e-5) -> Variable {
        let d = shape[1]
        let mean = sumLastAxis().scaled(by: 1 / Double(d)).expandLastAxis(d)
        let centered = self - mean
        let variance = centered.squared().sumLastAxis().scaled(by: 1 / Double(d))
        return centered * variance.adding(epsilon).power(-0.5).expandLastAxis(d)
    }
}

/// Mean softmax cross-entropy of `logits` `[n, classes]` against integer `labels` (n of them), `[]`.
public func crossEntropy(logits: Variable, labels: [Int32]) -> Variable {
    let n = logits.shape[0]
    return logits.logSoftmaxLastAxis().selectColumns(labels).sum().scaled(by: -1 / Double(max(n, 1)))
}

/// Mean squared error ½·mean((prediction − target)²) over all elements, `[]`.
public func meanSquaredError(_ prediction: Variable, _ target: Tensor) -> Variable {
    (prediction - prediction.constant(target)).squared().mean().scaled(by: 0.5)
}
