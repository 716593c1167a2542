import TensorCore
import Autograd

/// Elementwise nonlinearities selectable by name in configs (`relu`, `gelu`, `tanh`, `square`, `identity`).
public enum Activation: String, Sendable, CaseIterable {
    case relu, gelu, tanh, square, identity

    /// The activation applied to a variable.
    public func callAsFunction(_ x: Variable) -> Variable {
        switch self {
        case .relu: x.relu()
        case .gelu: x.gelu()
        case .tanh: x.tanh()
        case .square: x.squared()
        case .identity: x
        }
    }
}

/// y = x·Wᵀ + b with `W` `[out, in]` (PyTorch layout) and `b` `[out]`.
public struct Linear: Sendable {
    public let name: String
    public let inputs: Int
    public let outputs: Int
    public let bias: Bool

    public init(_ name: String, _ inputs: Int, _ outputs: Int, bias: Bool = true) {
        self.name = name; self.inputs = inputs; self.outputs = outputs; self.bias = bias
    }

    /// Parameter names and shapes: `NAME.weight` `[out, in]`, `NAME.bias` `[out]`.
    public var parameterSpecs: [(name: String, shape: [Int])] {
        [("\(name).weight", [outputs, inputs])] + (bias ? [("\(name).bias", [outputs])] : [])
    }

    /// Kaiming-uniform weights and zero bias, as PyTorch's default (U(±1/√in)).
    public func initialize(_ rng: inout SeededRNG, dtype: DType) -> [Tensor] {
        let bound = 1 / Double(inputs).squareRoot()
        return [rng.uniformTensor([outputs, inputs], low: -bound, high: bound, dtype: dtype)]
            + (bias ? [Tensor.zeros([outputs], dtype: dtype)] : [])
    }

    /// `[n, in]` → `[n, out]`.
    public func callAsFunction(_ x: Variable, _ p: ParameterVariables) -> Variable {
        let y = matmul(x, p["\(name).weight"], transposeB: true)
        return bias ? y + p["\(name).bias"].broadcastRows(x.shape[0]) : y
    }
}

/// A lookup table of `[count, dimension]` rows.
public struct Embedding: Sendable {
    public let name: String
    public let count: Int
    public let dimension: Int

    public init(_ name: String, _ count: Int, _ dimension: Int) {
        self.name = name; self.count = count; self.dimension = dimension
    }

    /// `NAME.weight` `[count, dimension]`.
    public var parameterSpecs: [(name: String, shape: [Int])] { [("\(name).weight", [count, dimension])] }

    /// `tokens` (n of them, each in 0..<count) → `[n, dimension]`.
    public func callAsFunction(_ tokens: [Int32], _ p: ParameterVariables) -> Variable {
        p["\(name).weight"].gatherRows(tokens)
    }
}

/// Layer normalization over the last axis with learned scale `[d]` and shift `[d]`.
public struct LayerNorm: Sendable {
    public let name: String
    public let dimension: Int

    public init(_ name: String, _ dimension: Int) { self.name = name; self.dimension = dimension }

    /// `NAME.weight` (ones) and `NAME.bias` (zeros), both `[dimension]`.
    public var parameterSpecs: [(name: String, shape: [Int])] {
        [("\(name).weight", [dimension]), ("\(name).bias", [dimension])]
    }

    public func initialize(dtype: DType) -> [Tensor] {
        [Tensor.full([dimension], 1, dtype: dtype), Tensor.zeros([dimension], dtype: dtype)]
    }

    /// `[n, d]` → `[n, d]`.
    public func callAsFunction(_ x: Variable, _ p: ParameterVariables) -> Variable {
        let n = x.shape[0]
        return x.layerNormalizedLastAxis() * p["\(name).weight"].broadcastRows(n) + p["\(name).bias"].broadcastRows(n)
    }
}
