import TensorCore

/// Which coordinates FRUGAL updates with Adam (its state-full subspace).
///
/// The rule: in each parameter tensor, a random `share` of its columns (the last axis; a bias
/// vector is one row), every row of a chosen column included. The choice is a pure function of
/// the seed, so a run re-chooses it every `frugal_period` steps from `seed + optimizer step` and a
/// checkpoint restores it exactly. Columns are the rule of FRUGAL's "random column" variant
/// (Zmushko et al. 2024, §3); on these small models every tensor takes part, embeddings included.
public enum FrugalSubspace {
    /// The state-full coordinates, ascending indices into the flat vector `[layout.count]`.
    public static func choose(layout: ParameterLayout, share: Double, seed: UInt64) -> [Int32] {
        var rng = SeededRNG(seed: seed)
        var indices: [Int32] = []
        for entry in layout.entries {
            let (rows, columns) = shape(entry)
            var order = Array(0..<columns)
            order.shuffle(using: &rng)
            let chosen = order.prefix(count(share: share, columns: columns)).sorted()
            for row in 0..<rows {
                for column in chosen { indices.append(Int32(entry.offset + row * columns + column)) }
            }
        }
        return indices
    }

    /// How many coordinates `choose` picks for `share`, without choosing them.
    public static func size(layout: ParameterLayout, share: Double) -> Int {
        layout.entries.map { entry in
            let (rows, columns) = shape(entry)
            return rows * count(share: share, columns: columns)
        }.reduce(0, +)
    }

    private static func shape(_ entry: ParameterLayout.Entry) -> (rows: Int, columns: Int) {
        let columns = entry.shape.last ?? 1
        return (entry.count / max(columns, 1), columns)
    }

    private static func count(share: Double, columns: Int) -> Int {
        min(columns, Int((share * Double(columns)).rounded()))
    }
}

/// One FRUGAL step: Adam (bias-corrected from when the subspace was chosen) on `state.subspace`,
/// signSGD on every other coordinate, decoupled weight decay on all; moments `[K]`.
func frugalStep(parameters: inout Tensor, gradient: Tensor, state: inout OptimizerState, settings: OptimizerSettings) {
    guard let subspace = state.subspace else { preconditionFailure("FRUGAL needs its subspace (FrugalSubspace.choose)") }
    state.step += 1
    if state.first?.count != subspace.count {
        state.first = Tensor.zeros([subspace.count], dtype: parameters.dtype)
        state.second = Tensor.zeros([subspace.count], dtype: parameters.dtype)
    }
    let t = state.step - state.subspaceStart
    switch (parameters.storage, gradient.storage) {
    case (.float32(var w), .float32(let g)):
        var m = state.first!.floats, v = state.second!.floats
        frugalUpdate(&w, g, &m, &v, subspace: subspace, step: t, settings)
        parameters = Tensor(shape: parameters.shape, w)
        state.first = Tensor(shape: [m.count], m)
        state.second = Tensor(shape: [v.count], v)
    case (.float64(var w), .float64(let g)):
        var m = state.first!.doubles, v = state.second!.doubles
        frugalUpdate(&w, g, &m, &v, subspace: subspace, step: t, settings)
        parameters = Tensor(shape: parameters.shape, w)
        state.first = Tensor(shape: [m.count], m)
        state.second = Tensor(shape: [v.count], v)
    default:
        preconditionFailure("parameters and gradient dtypes differ")
    }
}

private func frugalUpdate<T: TensorScalar>(_ w: inout [T], _ g: [T], _ m: inout [T], _ v: inout [T], subspace: [Int32],
                                           step: Int, _ s: OptimizerSettings) {
    let lr = T(s.learningRate), wd = T(s.weightDecay), b1 = T(s.beta1), b2 = T(s.beta2), eps = T(s.epsilon)
    let correction1 = T(1 - Double.pow(s.beta1, Double(step))), correction2 = T(1 - Double.pow(s.beta2, Double(step)))
    var j = 0
    for i in 0..<w.count {
        w[i] -= lr * wd * w[i]
        if j < subspace.count && Int(subspace[j]) == i {
            m[j] = b1 * m[j] + (1 - b1) * g[i]
            v[j] = b2 * v[j] + (1 - b2) * g[i] * g[i]
            w[i] -= lr * (m[j] / correction1) / ((v[j] / correction2).squareRoot() + eps)
            j += 1
        } else {
            w[i] -= lr * sign(g[i])
        }
    }
}
