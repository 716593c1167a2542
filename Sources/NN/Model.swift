import TensorCore
import Autograd

/// What a model reads: token pairs (modular arithmetic) or feature rows (regression, spirals).
public enum ModelInput: Sendable {
    /// Two token ids per example.
    case tokenPairs(a: [Int32], b: [Int32])
    /// Feature rows `[n, d]`.
    case features(Tensor)

    /// Number of examples.
    public var count: Int {
        switch self {
        case .tokenPairs(let a, _): a.count
        case .features(let x): x.shape[0]
        }
    }
}

/// A differentiable model over a flat parameter vector.
public protocol Model: Sendable {
    /// Its parameters' names and shapes.
    var layout: ParameterLayout { get }
    /// A short description for the `run` event (`mlp`, …).
    var description: String { get }
    /// Fresh parameters, flat `[layout.count]`.
    func initialParameters(_ rng: inout SeededRNG, dtype: DType) -> Tensor
    /// Outputs `[exits · n, outputs]` (logits or predictions) for `input`: one row block per exit,
    /// the last the final output.
    func forward(_ input: ModelInput, _ parameters: ParameterVariables) -> Variable
    /// How many outputs it stacks (see `EarlyExitMLP`); 1 for every other model.
    var exits: Int { get }
}

extension Model {
    public var exits: Int { 1 }
}

/// The modular-arithmetic MLP: h = E_a[a] + E_b[b], logits = act(h)·Woutᵀ (+ bias).
///
/// Two embedding tables are exactly a linear layer on the concatenated one-hot inputs (as in
/// Gromov 2023, "Grokking modular arithmetic"), computed as two row gathers.
public struct TokenPairMLP: Model {
    public let vocabulary: Int
    public let hidden: Int
    public let classes: Int
    public let activation: Activation
    /// Standard deviation of the embedding initialization.
    public let embeddingStd: Double
    public let outputBias: Bool

    public init(vocabulary: Int, hidden: Int, classes: Int, activation: Activation, embeddingStd: Double,
                outputBias: Bool = false) {
        self.vocabulary = vocabulary; self.hidden = hidden; self.classes = classes; self.activation = activation
        self.embeddingStd = embeddingStd; self.outputBias = outputBias
    }

    var embedA: Embedding { Embedding("embed_a", vocabulary, hidden) }
    var embedB: Embedding { Embedding("embed_b", vocabulary, hidden) }
    var output: Linear { Linear("out", hidden, classes, bias: outputBias) }

    public var layout: ParameterLayout { ParameterLayout(embedA.parameterSpecs + embedB.parameterSpecs + output.parameterSpecs) }
    public var description: String { "mlp(embed \(vocabulary)×\(hidden) ×2, \(activation.rawValue), out \(hidden)→\(classes))" }

    public func initialParameters(_ rng: inout SeededRNG, dtype: DType) -> Tensor {
        let tables = [rng.normalTensor([vocabulary, hidden], std: embeddingStd, dtype: dtype),
                      rng.normalTensor([vocabulary, hidden], std: embeddingStd, dtype: dtype)]
        return layout.join(tables + output.initialize(&rng, dtype: dtype))
    }

    public func forward(_ input: ModelInput, _ p: ParameterVariables) -> Variable {
        guard case .tokenPairs(let a, let b) = input else { preconditionFailure("TokenPairMLP reads token pairs") }
        return output(activation(embedA(a, p) + embedB(b, p)), p)
    }
}

/// A fully connected network on feature rows: Linear → act → … → Linear.
public struct FeatureMLP: Model {
    /// Widths from input to output, e.g. `[2, 64, 64, 2]`.
    public let widths: [Int]
    public let activation: Activation

    public init(widths: [Int], activation: Activation) {
        precondition(widths.count >= 2, "an MLP needs at least input and output widths")
        self.widths = widths; self.activation = activation
    }

    var layers: [Linear] { (0..<(widths.count - 1)).map { Linear("fc\($0 + 1)", widths[$0], widths[$0 + 1]) } }

    public var layout: ParameterLayout { ParameterLayout(layers.flatMap(\.parameterSpecs)) }
    public var description: String {
        "mlp(\(widths.map(String.init).joined(separator: "→")), \(activation.rawValue))"
    }

    public func initialParameters(_ rng: inout SeededRNG, dtype: DType) -> Tensor {
        layout.join(layers.flatMap { $0.initialize(&rng, dtype: dtype) })
    }

    public func forward(_ input: ModelInput, _ p: ParameterVariables) -> Variable {
        guard case .features(let x) = input else { preconditionFailure("FeatureMLP reads feature rows") }
        var h = Variable(x.converted(to: p.leaves[0].dtype))
        for (i, layer) in layers.enumerated() {
            h = layer(h, p)
            if i < layers.count - 1 { h = activation(h) }
        }
        return h
    }
}
