import TensorCore
import Autograd

/// Causal multi-head self-attention over a short sequence held as one `[n, d]` variable per
/// position (n examples in parallel). With per-head projection matrices and the softmax taken
/// across positions, it is built from primitives only, so second derivatives come for free.
///
/// Parameters (no biases): `NAME.h<i>.query|key|value.weight` `[d/heads, d]` and
/// `NAME.h<i>.output.weight` `[d, d/heads]`, for each head i.
public struct AttentionBlock: Sendable {
    public let name: String
    public let dimension: Int
    public let heads: Int

    public init(_ name: String, dimension: Int, heads: Int) {
        precondition(heads >= 1 && dimension % heads == 0, "dimension \(dimension) must divide into \(heads) heads")
        self.name = name; self.dimension = dimension; self.heads = heads
    }

    /// Width of each head.
    public var headDimension: Int { dimension / heads }

    private func projections(_ head: Int) -> [Linear] {
        ["query", "key", "value"].map { Linear("\(name).h\(head).\($0)", dimension, headDimension, bias: false) }
            + [Linear("\(name).h\(head).output", headDimension, dimension, bias: false)]
    }

    public var parameterSpecs: [(name: String, shape: [Int])] { (0..<heads).flatMap { projections($0).flatMap(\.parameterSpecs) } }

    public func initialize(_ rng: inout SeededRNG, dtype: DType) -> [Tensor] {
        (0..<heads).flatMap { projections($0).flatMap { $0.initialize(&rng, dtype: dtype) } }
    }

    /// The attention output at each of `positions` (default: all); position t attends to 0…t.
    /// `sequence` holds T variables `[n, d]`; returns one `[n, d]` variable per requested position.
    public func callAsFunction(_ sequence: [Variable], _ p: ParameterVariables, at positions: [Int]? = nil) -> [Variable] {
        let n = sequence[0].shape[0]
        let scale = 1 / Double(headDimension).squareRoot()
        let wanted = positions ?? Array(sequence.indices)
        var outputs = [Variable?](repeating: nil, count: wanted.count)
        for head in 0..<heads {
            let layers = projections(head)
            let keys = sequence.map { layers[1]($0, p) }
            let values = sequence.map { layers[2]($0, p) }
            for (slot, t) in wanted.enumerated() {
                let query = layers[0](sequence[t], p)
                let scores = (0...t).map { u in (query * keys[u]).sumLastAxis().scaled(by: scale) }  // [n, 1] each
                // Softmax across positions; the row maximum is gradient-free (exact value and gradient).
                let shift = scores.dropFirst().reduce(scores[0]) { $0.maximumWithoutGradient($1) }
                let weights = scores.map { ($0 - shift).exp() }
                let total = weights.dropFirst().reduce(weights[0], +)
                var mixed: Variable?
                for u in 0...t {
                    let term = (weights[u] / total).expandLastAxis(headDimension) * values[u]
                    mixed = mixed.map { $0 + term } ?? term
                }
                let projected = layers[3](mixed!, p)
                outputs[slot] = outputs[slot].map { $0 + projected } ?? projected
            }
        }
        precondition(outputs.allSatisfy { $0?.shape == [n, dimension] })
        return outputs.map { $0! }
    }
}

/// A one-layer transformer on token pairs: the sequence `[a, b, =]`, token and position embeddings,
/// pre-norm attention and MLP blocks with residuals, logits read at the last position.
public struct TokenPairTransformer: Model {
    public let vocabulary: Int
    public let dimension: Int
    public let heads: Int
    public let classes: Int
    public let activation: Activation

    public init(vocabulary: Int, dimension: Int, heads: Int, classes: Int, activation: Activation) {
        self.vocabulary = vocabulary; self.dimension = dimension; self.heads = heads; self.classes = classes
        self.activation = activation
    }

    /// Token `vocabulary` is the "=" that ends each sequence.
    var tokens: Embedding { Embedding("embed", vocabulary + 1, dimension) }
    var positions: Embedding { Embedding("position", 3, dimension) }
    var attentionNorm: LayerNorm { LayerNorm("ln1", dimension) }
    var attention: AttentionBlock { AttentionBlock("attn", dimension: dimension, heads: heads) }
    var mlpNorm: LayerNorm { LayerNorm("ln2", dimension) }
    var mlpIn: Linear { Linear("mlp.in", dimension, 4 * dimension) }
    var mlpOut: Linear { Linear("mlp.out", 4 * dimension, dimension) }
    var finalNorm: LayerNorm { LayerNorm("ln_f", dimension) }
    var unembed: Linear { Linear("unembed", dimension, classes, bias: false) }

    public var layout: ParameterLayout {
        ParameterLayout(tokens.parameterSpecs + positions.parameterSpecs + attentionNorm.parameterSpecs
                        + attention.parameterSpecs + mlpNorm.parameterSpecs + mlpIn.parameterSpecs
                        + mlpOut.parameterSpecs + finalNorm.parameterSpecs + unembed.parameterSpecs)
    }

    public var description: String {
        "transformer(1 layer, d=\(dimension), \(heads) heads, mlp \(4 * dimension) \(activation.rawValue), vocab \(vocabulary)+1)"
    }

    public func initialParameters(_ rng: inout SeededRNG, dtype: DType) -> Tensor {
        var tensors = [rng.normalTensor([vocabulary + 1, dimension], std: 1 / Double(dimension).squareRoot(), dtype: dtype),
                       rng.normalTensor([3, dimension], std: 1 / Double(dimension).squareRoot(), dtype: dtype)]
        tensors += attentionNorm.initialize(dtype: dtype)
        tensors += attention.initialize(&rng, dtype: dtype)
        tensors += mlpNorm.initialize(dtype: dtype)
        tensors += mlpIn.initialize(&rng, dtype: dtype) + mlpOut.initialize(&rng, dtype: dtype)
        tensors += finalNorm.initialize(dtype: dtype)
        tensors += unembed.initialize(&rng, dtype: dtype)
        return layout.join(tensors)
    }

    public func forward(_ input: ModelInput, _ p: ParameterVariables) -> Variable {
        guard case .tokenPairs(let a, let b) = input else { preconditionFailure("TokenPairTransformer reads token pairs") }
        let n = a.count
        let equals = [Int32](repeating: Int32(vocabulary), count: n)
        let sequence = [a, b, equals].enumerated().map { t, ids in
            tokens(ids, p) + positions([Int32](repeating: Int32(t), count: n), p)
        }
        // One layer: only the last position is read out, so only its attention output is computed.
        let attended = attention(sequence.map { attentionNorm($0, p) }, p, at: [2])
        let residual = sequence[2] + attended[0]
        let hidden = residual + mlpOut(activation(mlpIn(mlpNorm(residual, p), p)), p)
        return unembed(finalNorm(hidden, p), p)
    }
}
