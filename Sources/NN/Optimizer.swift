import TensorCore

/// The update rules the engine offers (config and knob value `optimizer`).
public enum OptimizerKind: String, Sendable, CaseIterable {
    /// Plain gradient descent.
    case sgd
    /// Heavy-ball momentum (PyTorch's SGD with momentum).
    case momentum
    /// Nesterov momentum.
    case nesterov
    case adam
    /// Adam with decoupled weight decay.
    case adamw
    /// Sign of the gradient.
    case signsgd
    /// Lion (Chen et al. 2023): sign of an interpolated momentum, decoupled weight decay.
    case lion
    /// FRUGAL (Zmushko et al. 2024): Adam on a state-full subspace of the coordinates (`frugal_rho`
    /// of each tensor's columns), signSGD on the rest; decoupled weight decay (see `FrugalSubspace`).
    case frugal

    /// True when weight decay is decoupled (w ← w − lr·wd·w) rather than added to the gradient.
    public var decouplesWeightDecay: Bool { self == .adamw || self == .lion || self == .frugal }

    /// Moment buffers it keeps per parameter (FRUGAL: per state-full coordinate): Adam's two, one momentum, none for sign and plain steps.
    public var momentsPerCoordinate: Int {
        switch self {
        case .sgd, .signsgd: 0
        case .momentum, .nesterov, .lion: 1
        case .adam, .adamw, .frugal: 2
        }
    }
}

/// Hyperparameters of an update (the values of the matching knobs at this step).
public struct OptimizerSettings: Sendable, Equatable {
    public var kind: OptimizerKind
    public var learningRate: Double
    public var weightDecay: Double
    /// Momentum coefficient (momentum, nesterov).
    public var momentum: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double

    public init(kind: OptimizerKind, learningRate: Double, weightDecay: Double = 0, momentum: Double = 0.9,
                beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.kind = kind; self.learningRate = learningRate; self.weightDecay = weightDecay; self.momentum = momentum
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
    }
}

/// An optimizer's running state over the flat parameter vector: its step count and moment buffers
/// (`first`: momentum / Adam m / Lion m; `second`: Adam v), each `[P]` or absent. FRUGAL keeps
/// them only for its state-full coordinates: `[K]`, in the order of `subspace`.
public struct OptimizerState: Sendable, Equatable {
    public var step: Int
    public var first: Tensor?
    public var second: Tensor?
    /// FRUGAL's state-full coordinates: ascending indices into the flat vector `[K]`.
    public var subspace: [Int32]?
    /// FRUGAL: the optimizer step after which `subspace` was chosen (its moments count steps from there).
    public var subspaceStart: Int

    /// The state before the first step.
    public init(step: Int = 0, first: Tensor? = nil, second: Tensor? = nil, subspace: [Int32]? = nil, subspaceStart: Int = 0) {
        self.step = step; self.first = first; self.second = second; self.subspace = subspace; self.subspaceStart = subspaceStart
    }

    /// Bytes its moment buffers hold (`optimizer/state_bytes`): what the optimizer keeps beyond the weights.
    public var stateBytes: Int {
        [first, second].compactMap { $0 }.map { $0.count * ($0.dtype == .float32 ? 4 : 8) }.reduce(0, +)
    }
}

/// One optimizer step: updates `parameters` `[P]` in place from `gradient` `[P]`.
public func optimizerStep(parameters: inout Tensor, gradient: Tensor, state: inout OptimizerState,
                          settings: OptimizerSettings) {
    var unused = SlowGradientAmplifier(alpha: 0, lambda: 0)
    filteredOptimizerStep(parameters: &parameters, gradient: gradient, grokfast: &unused, maxNorm: 0, state: &state, settings: settings)
}

/// One whole update from a raw `gradient` `[P]`: grokfast's filter (when its λ > 0; its average
/// moves), clipping to `maxNorm` (when > 0) and the optimizer's rule, fused into one pass over the
/// flat vectors (two when clipping: its scale needs the filtered gradient's norm first). The same
/// bits as `grokfast.apply`, `clipGradientNorm` and `optimizerStep` one after another.
public func filteredOptimizerStep(parameters: inout Tensor, gradient: Tensor, grokfast: inout SlowGradientAmplifier,
                                  maxNorm: Double, state: inout OptimizerState, settings: OptimizerSettings) {
    precondition(parameters.shape == gradient.shape, "parameters \(parameters.shape) vs gradient \(gradient.shape)")
    precondition(parameters.dtype == gradient.dtype, "parameters and gradient dtypes differ")
    if settings.kind == .frugal {  // FRUGAL's own step reads the whole filtered gradient
        var filtered = gradient
        grokfast.apply(to: &filtered)
        if maxNorm > 0 { clipGradientNorm(&filtered, maxNorm: maxNorm) }
        return frugalStep(parameters: &parameters, gradient: filtered, state: &state, settings: settings)
    }
    state.step += 1
    let needsFirst = settings.kind.momentsPerCoordinate >= 1
    let needsSecond = settings.kind.momentsPerCoordinate == 2
    if needsFirst && state.first == nil { state.first = Tensor.zeros(parameters.shape, dtype: parameters.dtype) }
    if needsSecond && state.second == nil { state.second = Tensor.zeros(parameters.shape, dtype: parameters.dtype) }
    // An `if`, not a switch over the (dtype, dtype) pair: Swift 6.3.1's optimizer crashes on that
    // switch here (an ownership verifier failure in copy propagation).
    if parameters.dtype == .float32 {
        updateInPlace(&parameters, gradient, &grokfast, maxNorm, &state, settings, Float.self)
    } else {
        updateInPlace(&parameters, gradient, &grokfast, maxNorm, &state, settings, Double.self)
    }
}

/// The fused pass(es), writing weights, moments and grokfast's average in place (each is taken out
/// of its owner while the pass runs, so it is not copied when that owner held the only reference).
private func updateInPlace<T: TensorScalar>(_ parameters: inout Tensor, _ gradient: Tensor, _ grokfast: inout SlowGradientAmplifier,
                                            _ maxNorm: Double, _ state: inout OptimizerState, _ settings: OptimizerSettings, _: T.Type) {
    let empty = Tensor.zeros([0], dtype: parameters.dtype)
    var first = state.first ?? empty, second = state.second ?? empty
    let hadFirst = state.first != nil, hadSecond = state.second != nil
    state.first = nil; state.second = nil
    let amplifies = grokfast.lambda > 0, startsAverage = grokfast.average == nil
    var average = empty
    if amplifies {
        average = grokfast.average ?? Tensor.zeros(gradient.shape, dtype: gradient.dtype)
        grokfast.average = nil
    }
    let count = parameters.count, step = state.step
    let alpha = T(grokfast.alpha), rest = T(1 - grokfast.alpha), lambda = T(grokfast.lambda)
    gradient.withUnsafeElements(as: T.self) { g in
        average.withUnsafeMutableElements(as: T.self) { a in
            // Element i of the gradient after grokfast (moving the average once per element).
            func filtered(_ i: Int, moving: Bool) -> T {
                guard amplifies else { return g[i] }
                if moving { a[i] = startsAverage ? g[i] : a[i] * alpha + g[i] * rest }
                return g[i] + a[i] * lambda
            }
            var scale: T?
            var moved = false
            if maxNorm > 0 {
                var squares = 0.0
                for i in 0..<count { let x = Double(filtered(i, moving: true)); squares += x * x }
                moved = true
                let norm = squares.squareRoot()
                if norm > maxNorm { scale = T(maxNorm / norm) }
            }
            let moving = !moved
            parameters.withUnsafeMutableElements(as: T.self) { w in
                first.withUnsafeMutableElements(as: T.self) { m in
                    second.withUnsafeMutableElements(as: T.self) { v in
                        update(w, m, v, count: count, step: step, settings) { i in
                            let gi = filtered(i, moving: moving)
                            return scale.map { gi * $0 } ?? gi
                        }
                    }
                }
            }
        }
    }
    if hadFirst { state.first = first }
    if hadSecond { state.second = second }
    if amplifies { grokfast.average = average }
}

/// The update rules, element by element, as their papers and PyTorch write them.
/// `gradient(i)` is element i of the gradient as the rule sees it (a fused filter computes it there).
@inline(__always)
func update<T: TensorScalar>(_ w: UnsafeMutablePointer<T>, _ m: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>,
                             count: Int, step: Int, _ s: OptimizerSettings, gradient: (Int) -> T) {
    let lr = T(s.learningRate), wd = T(s.weightDecay), mu = T(s.momentum)
    let b1 = T(s.beta1), b2 = T(s.beta2), eps = T(s.epsilon)
    let coupled = !s.kind.decouplesWeightDecay && s.weightDecay != 0
    // Adam's bias corrections, computed in Double so that long runs keep their precision.
    let correction1 = T(1 - Double.pow(s.beta1, Double(step))), correction2 = T(1 - Double.pow(s.beta2, Double(step)))
    for i in 0..<count {
        var gi = gradient(i)
        if coupled { gi += wd * w[i] }
        switch s.kind {
        case .sgd:
            w[i] -= lr * gi
        case .momentum:
            m[i] = step == 1 ? gi : mu * m[i] + gi
            w[i] -= lr * m[i]
        case .nesterov:
            m[i] = step == 1 ? gi : mu * m[i] + gi
            w[i] -= lr * (gi + mu * m[i])
        case .adam, .adamw:
            m[i] = b1 * m[i] + (1 - b1) * gi
            v[i] = b2 * v[i] + (1 - b2) * gi * gi
            let mHat = m[i] / correction1, vHat = v[i] / correction2
            if s.kind == .adamw { w[i] -= lr * wd * w[i] }
            w[i] -= lr * mHat / (vHat.squareRoot() + eps)
        case .signsgd:
            w[i] -= lr * sign(gi)
        case .lion:
            let c = b1 * m[i] + (1 - b1) * gi
            w[i] -= lr * (sign(c) + wd * w[i])
            m[i] = b2 * m[i] + (1 - b2) * gi
        case .frugal:
            preconditionFailure("FRUGAL steps through frugalStep")
        }
    }
}

func sign<T: TensorScalar>(_ x: T) -> T { x > 0 ? 1 : (x < 0 ? -1 : 0) }

