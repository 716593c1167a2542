import TensorCore

/// A function's graph as one recorded call saw it: every op down to the leaves, in an order where
/// each node follows its inputs.
struct GraphTrace {
    struct Node {
        /// Nil for a leaf.
        var primitive: Primitive?
        var inputs: [Int]
        var value: Tensor
        /// The parameter this leaf is, if it is one.
        var parameter: Int?
    }

    var nodes: [Node]
    /// The function's results: node ids, in groups.
    var outputs: [[Int]]

    /// Calls `function` on leaves holding `parameters` with every op recorded.
    init(parameters: [Tensor], indices: [[Int32]], tensors: [Tensor],
         _ function: ([Variable], [[Int32]], [Tensor]) -> [[Variable]]) {
        let leaves = parameters.map { Variable($0, requiresGrad: true) }
        let results = Tracing.$recordsEverything.withValue(true) { function(leaves, indices, tensors) }
        var parameterOf: [ObjectIdentifier: Int] = [:]
        for (k, leaf) in leaves.enumerated() { parameterOf[ObjectIdentifier(leaf)] = k }
        var ids: [ObjectIdentifier: Int] = [:]
        var nodes: [Node] = []
        // Iterative post-order: long graphs must not overflow the stack.
        for root in results.joined() {
            var stack: [(Variable, Bool)] = [(root, false)]
            while let (variable, expanded) = stack.popLast() {
                let key = ObjectIdentifier(variable)
                if ids[key] != nil { continue }
                if expanded {
                    ids[key] = nodes.count
                    nodes.append(Node(primitive: variable.primitive, inputs: variable.inputs.map { ids[ObjectIdentifier($0)]! },
                                      value: variable.value, parameter: parameterOf[key]))
                    continue
                }
                stack.append((variable, true))
                for input in variable.inputs.reversed() where ids[ObjectIdentifier(input)] == nil { stack.append((input, false)) }
            }
        }
        self.nodes = nodes
        outputs = results.map { $0.map { ids[ObjectIdentifier($0)]! } }
    }
}

/// Where a traced graph's index arrays and non-parameter leaves come from at each run.
enum TracedSource: Equatable {
    /// The same at every run.
    case constant
    /// A traced input, repeated `tiles` times (a loss over stacked outputs repeats its labels).
    case input(slot: Int, tiles: Int)
}

extension GraphTrace {
    /// The source of each node's index array (ops that have one) and of each non-parameter leaf,
    /// decided from two traces of the same function on different parameters and inputs: what is
    /// equal in both is a constant, what equals an input in both is that input; anything else was
    /// computed from values outside the graph, which a replay could not redo.
    func sources(comparedWith other: GraphTrace, indices: ([[Int32]], [[Int32]]), tensors: ([Tensor], [Tensor]))
        throws(CompiledGraph.TraceError) -> [TracedSource?] {
        guard nodes.count == other.nodes.count, outputs == other.outputs else {
            throw .init("the function builds a different graph for different inputs")
        }
        var sources = [TracedSource?](repeating: nil, count: nodes.count)
        for (id, (a, b)) in zip(nodes, other.nodes).enumerated() {
            guard a.inputs == b.inputs, a.value.shape == b.value.shape, a.parameter == b.parameter,
                  a.primitive?.withoutIndices == b.primitive?.withoutIndices else {
                throw .init("node \(id) (\(a.primitive.map { "\($0.name)" } ?? "leaf")) differs between two traces")
            }
            if let primitive = a.primitive {
                guard let first = primitive.indices, let second = b.primitive?.indices else { continue }
                guard let source = Self.source(first, second, among: indices) else {
                    throw .init("node \(id) (\(primitive.name)) indexes with an array computed outside the graph")
                }
                sources[id] = source
            } else if a.parameter == nil {
                guard let source = Self.source(a.value, b.value, among: tensors) else {
                    throw .init("leaf \(id) \(a.value.shape) is a value computed outside the graph (from the data or the parameters)")
                }
                sources[id] = source
            }
        }
        return sources
    }

    private static func source<E: Equatable & TiledComparable>(_ first: E, _ second: E, among inputs: ([E], [E])) -> TracedSource? {
        if first == second { return .constant }
        for slot in inputs.0.indices {
            if let tiles = first.tiles(of: inputs.0[slot]), second.tiles(of: inputs.1[slot]) == tiles {
                return .input(slot: slot, tiles: tiles)
            }
        }
        return nil
    }
}

/// Values that can be recognised as an input repeated a whole number of times.
protocol TiledComparable {
    /// k when `self` is `input` repeated k ≥ 1 times end to end, else nil.
    func tiles(of input: Self) -> Int?
}

extension Array: TiledComparable where Element: Equatable {
    func tiles(of input: [Element]) -> Int? {
        guard !input.isEmpty, count % input.count == 0 else { return nil }
        for start in stride(from: 0, to: count, by: input.count) where !self[start..<(start + input.count)].elementsEqual(input) {
            return nil
        }
        return count / input.count
    }
}

extension Tensor: TiledComparable {
    func tiles(of input: Tensor) -> Int? {
        guard dtype == input.dtype, shape.dropFirst() == input.shape.dropFirst(), !shape.isEmpty else { return nil }
        return doubles.tiles(of: input.doubles)
    }
}

extension Primitive {
    /// The index array the op carries, if any.
    var indices: [Int32]? {
        switch self {
        case .gatherRows(let i, _), .indexAddRows(let i, _), .selectColumns(let i), .scatterColumns(let i, _): i
        default: nil
        }
    }

    /// The op with its index array emptied: what must match between two traces of one function.
    var withoutIndices: Primitive {
        switch self {
        case .gatherRows(_, let rows): .gatherRows([], rows: rows)
        case .indexAddRows(_, let rows): .indexAddRows([], rows: rows)
        case .selectColumns: .selectColumns([])
        case .scatterColumns(_, let width): .scatterColumns([], width: width)
        default: self
        }
    }

    /// The op's name for messages.
    var name: String { "\(withoutIndices)".split(separator: "(").first.map(String.init) ?? "op" }
}
