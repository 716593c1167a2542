import TensorCore
import Autograd

/// Names, shapes and offsets of a model's parameters inside one flat vector.
///
/// The flat vector `[count]` is the source of truth: optimizers, Hessian-vector products and
/// Lanczos all work on it; models view it as named tensors (PyTorch naming: `out.weight` is
/// `[out_features, in_features]`).
public struct ParameterLayout: Sendable, Equatable {
    /// One named parameter tensor.
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        /// Offset of its first element in the flat vector.
        public let offset: Int
        /// Number of elements.
        public var count: Int { Tensor.count(of: shape) }
        /// The layer it belongs to: the name up to the last dot (`out` for `out.weight`).
        public var layer: String { name.split(separator: ".").dropLast().joined(separator: ".") }
    }

    /// Entries in flat order.
    public let entries: [Entry]
    /// Total number of scalars.
    public let count: Int

    /// A layout of these named shapes, packed in order.
    public init(_ specs: [(name: String, shape: [Int])]) {
        var offset = 0
        var entries: [Entry] = []
        for spec in specs {
            precondition(!entries.contains { $0.name == spec.name }, "duplicate parameter name \(spec.name)")
            entries.append(Entry(name: spec.name, shape: spec.shape, offset: offset))
            offset += Tensor.count(of: spec.shape)
        }
        self.entries = entries
        count = offset
    }

    /// The entry named `name`.
    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    /// The distinct layer names, in order.
    public var layers: [String] {
        var seen: [String] = []
        for e in entries where !seen.contains(e.layer) { seen.append(e.layer) }
        return seen
    }

    /// Cuts a flat `[count]` vector into one tensor per entry.
    public func split(_ flat: Tensor) -> [Tensor] {
        precondition(flat.count == count, "flat vector has \(flat.count) elements, layout needs \(count)")
        switch flat.storage {
        case .float32(let a):
            return entries.map { Tensor(shape: $0.shape, Array(a[$0.offset..<($0.offset + $0.count)])) }
        case .float64(let a):
            return entries.map { Tensor(shape: $0.shape, Array(a[$0.offset..<($0.offset + $0.count)])) }
        }
    }

    /// Joins one tensor per entry into a flat `[count]` vector.
    public func join(_ tensors: [Tensor]) -> Tensor {
        precondition(tensors.count == entries.count, "join needs \(entries.count) tensors, got \(tensors.count)")
        guard let dtype = tensors.first?.dtype else { return Tensor.zeros([0], dtype: .float32) }
        switch dtype {
        case .float32: return Tensor(shape: [count], tensors.flatMap(\.floats))
        case .float64: return Tensor(shape: [count], tensors.flatMap(\.doubles))
        }
    }
}

/// A model's parameters as leaf variables of one forward pass, looked up by name.
public struct ParameterVariables {
    /// The layout they were cut from.
    public let layout: ParameterLayout
    /// One leaf per entry, in layout order.
    public let leaves: [Variable]

    /// Leaves cut from a flat `[layout.count]` vector.
    public init(layout: ParameterLayout, flat: Tensor, requiresGrad: Bool) {
        self.layout = layout
        leaves = layout.split(flat).map { Variable($0, requiresGrad: requiresGrad) }
    }

    /// Given leaves, one per entry in layout order, shaped like the entries.
    public init(layout: ParameterLayout, leaves: [Variable]) {
        precondition(leaves.map(\.shape) == layout.entries.map(\.shape), "leaves do not fit the layout")
        self.layout = layout
        self.leaves = leaves
    }

    /// The leaf named `name` (a programming error if absent).
    public subscript(_ name: String) -> Variable {
        guard let index = layout.entries.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("no parameter named \(name)")
        }
        return leaves[index]
    }

    /// Gradients of `loss` with respect to every leaf, joined into a flat `[layout.count]` vector.
    public func flatGradient(of loss: Variable) -> Tensor {
        layout.join(gradients(of: loss, withRespectTo: leaves).map(\.value))
    }
}
