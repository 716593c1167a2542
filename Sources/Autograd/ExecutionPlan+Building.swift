import TensorCore

/// How each input of a row-local op is read in a fused pass.
private enum Access { case sameRows, invariant, gathered }

extension Primitive {
    fileprivate var isRowLocal: Bool {
        switch self {
        case .matmul, .reshape: false
        default: true
        }
    }

    /// Ops whose result is only complete after the whole pass (a column sum, a total, a scatter-add).
    fileprivate var isEpilogue: Bool {
        switch self {
        case .sumRows, .sum, .indexAddRows: true
        default: false
        }
    }

    fileprivate var access: Access {
        switch self {
        case .broadcastRows, .broadcastScalar: .invariant
        case .gatherRows: .gathered
        default: .sameRows
        }
    }
}

/// `[n, d]` as n rows of d; `[]` one row of one.
private func rowForm(_ shape: [Int]) -> (rows: Int, width: Int) {
    guard let width = shape.last else { return (1, 1) }
    return (shape.dropLast().reduce(1, *), width)
}

extension ExecutionPlan {
    /// Plans a trace whose index arrays and leaves come from `sources`; parameter leaf k lives at
    /// `parameterOffsets[k]` of the flat parameter vector.
    init(_ trace: GraphTrace, sources: [TracedSource?], parameterOffsets: [Int]) {
        let nodes = trace.nodes
        shapes = nodes.map(\.value.shape)
        outputs = trace.outputs
        location = Array(repeating: nil, count: nodes.count)
        let isOutput = Set(outputs.joined())
        var consumers = [[(node: Int, position: Int)]](repeating: [], count: nodes.count)
        for (id, node) in nodes.enumerated() {
            for (position, input) in node.inputs.enumerated() { consumers[input].append((id, position)) }
        }

        // Constants fold: an op of constants with constant indices is evaluated once, by the trace.
        var isConstant = [Bool](repeating: false, count: nodes.count)
        for (id, node) in nodes.enumerated() {
            if node.primitive == nil {
                isConstant[id] = node.parameter == nil && sources[id] == .constant
            } else {
                isConstant[id] = node.inputs.allSatisfy { isConstant[$0] } && (sources[id] ?? .constant) == .constant
            }
        }

        // Index arrays: one buffer per distinct input (slot, tiles) or constant array.
        var indexBufferOf = [Int?](repeating: nil, count: nodes.count)
        for (id, node) in nodes.enumerated() where !isConstant[id] {
            guard let primitive = node.primitive, let indices = primitive.indices else { continue }
            let bound: Int
            switch primitive {
            case .gatherRows(_, let rows), .indexAddRows(_, let rows): bound = rows
            case .scatterColumns(_, let width): bound = width
            default: bound = shapes[node.inputs[0]].last ?? 0
            }
            let source = sources[id] ?? .constant
            if case .input(let slot, let tiles) = source,
               let shared = inputIndices.first(where: { $0.slot == slot && $0.tiles == tiles })?.buffer {
                indexBuffers[shared].bound = min(indexBuffers[shared].bound, bound)
                indexBufferOf[id] = shared
                continue
            }
            indexBufferOf[id] = indexBuffers.count
            if case .input(let slot, let tiles) = source {
                inputIndices.append((indexBuffers.count, slot, tiles))
            } else if !indices.isEmpty {
                constantIndices.append((indexCount, indices))
            }
            indexBuffers.append(IndexBuffer(offset: indexCount, count: indices.count, source: source, bound: bound))
            indexCount += indices.count
        }

        // Schedule: GEMMs in order; each row-local op joins a recent pass over the same rows when
        // all its inputs are either computed in that pass, row for row, or ready before it starts.
        var ready = [Int](repeating: -1, count: nodes.count)
        var groupOf = [Int?](repeating: nil, count: nodes.count)
        var groups: [(step: Int, rows: Int, members: [Int])] = []
        var order: [(gemm: Int?, group: Int?)] = []
        for (id, node) in nodes.enumerated() where !isConstant[id] {
            guard let primitive = node.primitive else { continue }
            if case .matmul = primitive {
                order.append((id, nil)); ready[id] = order.count - 1
                continue
            }
            if case .reshape = primitive { ready[id] = ready[node.inputs[0]]; continue }
            let rows = rowForm(primitive.isEpilogue ? shapes[node.inputs[0]] : shapes[id]).rows
            func canJoin(_ g: Int) -> Bool {
                node.inputs.allSatisfy { u in
                    (primitive.access == .sameRows && groupOf[u] == g && !(nodes[u].primitive?.isEpilogue ?? false))
                        || ready[u] < groups[g].step
                }
            }
            let recent = groups.indices.reversed().prefix(8)
            let chosen = recent.first { groups[$0].rows == rows && canJoin($0) } ?? {
                groups.append((order.count, rows, []))
                order.append((nil, groups.count - 1))
                return groups.count - 1
            }()
            groups[chosen].members.append(id)
            groupOf[id] = chosen
            ready[id] = groups[chosen].step
        }

        // Buffers: every value read outside the pass that computes it, row for row, gets one.
        func materialized(_ id: Int) -> Bool {
            guard let primitive = nodes[id].primitive else { return true }
            if isConstant[id] || !primitive.isRowLocal || primitive.isEpilogue || isOutput.contains(id) { return true }
            return consumers[id].contains { c in
                groupOf[c.node] != groupOf[id] || nodes[c.node].primitive?.access != .sameRows
            }
        }
        func place(_ count: Int) -> Location {
            defer { arenaCount += count }
            return .arena(arenaCount)
        }
        // A result group of computed values, each its own, lies side by side in order: its region
        // is the flat result itself (the gradient of every parameter accumulates in place there).
        var placed = Set<Int>()
        for (k, group) in outputs.enumerated() where group.count > 1 && Set(group).count == group.count {
            let own = group.allSatisfy { id in
                guard let primitive = nodes[id].primitive, !isConstant[id], !placed.contains(id) else { return false }
                if case .reshape = primitive { return false }
                return true
            }
            guard own else { continue }
            contiguousOutputs[k] = arenaCount
            for id in group { location[id] = place(nodes[id].value.count); placed.insert(id) }
        }
        var computed: [Int] = []
        for (id, node) in nodes.enumerated() where !placed.contains(id) {
            let count = node.value.count
            if let k = node.parameter {
                location[id] = .parameters(parameterOffsets[k])
            } else if isConstant[id] {
                location[id] = place(count)
                if case .arena(let offset) = location[id] { constants.append((offset, node.value)) }
            } else if node.primitive == nil, case .input(let slot, let tiles) = sources[id] {
                location[id] = place(count)
                if case .arena(let offset) = location[id] { inputTensors.append((offset, slot, tiles)) }
            } else if case .reshape = node.primitive {
                continue
            } else if materialized(id) {
                computed.append(id)
            }
        }
        placeByLifetime(computed, nodes: nodes, consumers: consumers, ready: ready, isOutput: isOutput)
        for (id, node) in nodes.enumerated() {
            if case .reshape = node.primitive { location[id] = location[node.inputs[0]] }
        }

        // Kernels share one accumulator region and one scratch region per worker, after every buffer.
        var scratchNeeded = 0
        var groupIndex = 0
        for entry in order {
            if let id = entry.gemm {
                steps.append(.gemm(gemm(id, nodes[id])))
                continue
            }
            let group = groups[groupIndex]
            groupIndex += 1
            var builder = KernelBuilder(plan: self, nodes: nodes, rows: group.rows, indexBufferOf: indexBufferOf,
                                        materialized: materialized)
            for id in group.members { builder.add(id) }
            if group.rows >= Self.parallelRows { stageForThreads(&builder.kernel) }
            scratchNeeded = max(scratchNeeded, builder.scratchUsed)
            accumulatorCount = max(accumulatorCount, builder.accumulatorsUsed)
            maxRegisters = max(maxRegisters, builder.kernel.registers.count)
            steps.append(.kernel(builder.kernel))
        }
        scratchBase = arenaCount
        scratchStride = scratchNeeded
        arenaCount += scratchNeeded * Self.maxWorkers
    }

    private func gemm(_ id: Int, _ node: GraphTrace.Node) -> Gemm {
        guard case .matmul(let ta, let tb) = node.primitive else { preconditionFailure("not a matmul") }
        let a = shapes[node.inputs[0]], b = shapes[node.inputs[1]]
        return Gemm(a: location[node.inputs[0]]!, b: location[node.inputs[1]]!, out: location[id]!,
                    transposeA: ta, transposeB: tb, m: ta ? a[1] : a[0], n: tb ? b[0] : b[1], k: ta ? a[0] : a[1],
                    lda: a[1], ldb: b[1])
    }
}

/// Builds one fused kernel from a pass's members, in order.
private struct KernelBuilder {
    let plan: ExecutionPlan
    let nodes: [GraphTrace.Node]
    let indexBufferOf: [Int?]
    let materialized: (Int) -> Bool
    var kernel: ExecutionPlan.Kernel
    var scratchUsed = 0
    var accumulatorsUsed = 0
    /// The register holding each node's current row, and its physical width (1 for a value
    /// broadcast along the row).
    private var registerOf: [Int: (register: Int, width: Int)] = [:]

    init(plan: ExecutionPlan, nodes: [GraphTrace.Node], rows: Int, indexBufferOf: [Int?], materialized: @escaping (Int) -> Bool) {
        self.plan = plan; self.nodes = nodes
        self.indexBufferOf = indexBufferOf; self.materialized = materialized
        kernel = ExecutionPlan.Kernel(rows: rows, registers: [], ops: [], zeroed: [], accumulators: [])
    }

    private func width(_ id: Int) -> Int { rowForm(plan.shapes[id]).width }

    private mutating func register(_ r: ExecutionPlan.Register) -> Int {
        if let existing = kernel.registers.firstIndex(of: r) { return existing }
        kernel.registers.append(r)
        return kernel.registers.count - 1
    }

    private mutating func scratch(_ count: Int) -> Int {
        defer { scratchUsed += count }
        return register(.scratch(scratchUsed))
    }

    /// The register of input `u` read row for row: its pass register, or its buffer's row.
    private mutating func rowRegister(_ u: Int) -> (register: Int, width: Int) {
        if let known = registerOf[u] { return known }
        let r = register(.rows(plan.location[u]!, width: width(u)))
        registerOf[u] = (r, width(u))
        return (r, width(u))
    }

    /// `u`'s row at full width (expanded into scratch if the pass holds it as one broadcast element).
    private mutating func fullRegister(_ u: Int) -> Int {
        let (r, w) = rowRegister(u)
        guard w < width(u) else { return r }
        let expanded = scratch(width(u))
        kernel.ops.append(.copy(from: r, to: expanded, width: width(u), stride: 0))
        return expanded
    }

    /// Where `id`'s row is written: its buffer when it has one, else scratch.
    private mutating func output(_ id: Int, width w: Int) -> Int {
        let r = materialized(id) ? register(.rows(plan.location[id]!, width: width(id))) : scratch(w)
        registerOf[id] = (r, materialized(id) ? width(id) : w)
        return r
    }

    mutating func add(_ id: Int) {
        let node = nodes[id], primitive = node.primitive!, x = node.inputs, w = width(id)
        switch primitive {
        case .expandLastAxis, .broadcastScalar, .broadcastRows, .gatherRows:
            let source: (register: Int, width: Int)
            switch primitive {
            case .broadcastScalar: source = (register(.invariant(plan.location[x[0]]!)), 1)
            case .broadcastRows: source = (register(.invariant(plan.location[x[0]]!)), w)
            case .gatherRows: source = (register(.gathered(plan.location[x[0]]!, width: w, index: indexBufferOf[id]!)), w)
            default: source = rowRegister(x[0])
            }
            if materialized(id) {
                let r = output(id, width: w)
                kernel.ops.append(.copy(from: source.register, to: r, width: w, stride: source.width == w ? 1 : 0))
            } else {
                registerOf[id] = source
            }
        case .add, .subtract, .multiply, .divide, .maximum, .negate, .scale, .addConstant, .exp, .log, .tanh, .power,
             .positiveMask:
            let inputs = x.map { rowRegister($0) }
            let full = materialized(id) || inputs.contains { $0.width > 1 }
            let outWidth = full ? w : 1
            let r = output(id, width: outWidth)
            let strides = inputs.map { $0.width == 1 && outWidth > 1 ? 0 : 1 }
            if inputs.count == 2 {
                kernel.ops.append(.binary(Self.binary(primitive), inputs[0].register, inputs[1].register, to: r,
                                          width: outWidth, strideA: strides[0], strideB: strides[1]))
            } else if case .power(1) = primitive {
                kernel.ops.append(.copy(from: inputs[0].register, to: r, width: outWidth, stride: strides[0]))
            } else {
                kernel.ops.append(.unary(Self.unary(primitive), from: inputs[0].register, to: r, width: outWidth, stride: strides[0]))
            }
        case .logSoftmax:
            let source = fullRegister(x[0])
            kernel.ops.append(.logSoftmax(from: source, to: output(id, width: w), width: w))
        case .sumLastAxis where nodes[x[0]].primitive?.withoutIndices == .scatterColumns([], width: width(x[0])):
            // A row of zeros but one value v sums, in Double from 0, to exactly v + 0 (−0 becomes +0),
            // which is what addConstant(0) computes: one add instead of a dependent chain of d.
            let (scattered, _) = rowRegister(nodes[x[0]].inputs[0])
            kernel.ops.append(.unary(.addConstant(0), from: scattered, to: output(id, width: 1), width: 1, stride: 1))
        case .sumLastAxis, .rowMaximum, .rowArgmax:
            let source = fullRegister(x[0]), inWidth = width(x[0])
            let r = output(id, width: 1)
            switch primitive {
            case .sumLastAxis: kernel.ops.append(.rowSum(from: source, to: r, width: inWidth))
            case .rowMaximum: kernel.ops.append(.rowMaximum(from: source, to: r, width: inWidth))
            default: kernel.ops.append(.rowArgmax(from: source, to: r, width: inWidth))
            }
        case .selectColumns:
            let source = fullRegister(x[0])
            kernel.ops.append(.select(from: source, to: output(id, width: 1), index: indexBufferOf[id]!))
        case .scatterColumns:
            let source = rowRegister(x[0]).register
            kernel.ops.append(.scatter(from: source, to: output(id, width: w), width: w, index: indexBufferOf[id]!))
        case .sumRows, .sum:
            let source = fullRegister(x[0]), inWidth = width(x[0])
            let count = primitive == .sum ? 1 : inWidth
            kernel.accumulators.append((accumulatorsUsed, count, plan.location[id]!))
            kernel.ops.append(primitive == .sum ? .accumulateTotal(from: source, accumulator: accumulatorsUsed, width: inWidth)
                                                : .accumulateColumns(from: source, accumulator: accumulatorsUsed, width: inWidth))
            accumulatorsUsed += count
        case .indexAddRows:
            let source = fullRegister(x[0])
            let table = register(.gathered(plan.location[id]!, width: w, index: indexBufferOf[id]!))
            kernel.zeroed.append((plan.location[id]!, nodes[id].value.count))
            kernel.ops.append(.addInto(from: source, to: table, width: w))
        case .matmul, .reshape:
            preconditionFailure("\(primitive.name) is not row-local")
        }
    }

    private static func binary(_ p: Primitive) -> ExecutionPlan.BinaryOp {
        switch p {
        case .add: .add
        case .subtract: .subtract
        case .multiply: .multiply
        case .divide: .divide
        default: .maximum
        }
    }

    private static func unary(_ p: Primitive) -> ExecutionPlan.UnaryOp {
        switch p {
        case .negate: .negate
        case .scale(let c): .scale(c)
        case .addConstant(let c): .addConstant(c)
        case .exp: .exp
        case .log: .log
        case .tanh: .tanh
        case .power(2): .square
        case .power(let c): .power(c)
        default: .positiveMask
        }
    }
}
